#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/phase_clock.h"

namespace portal {

// One resource type's records in an ingest run: read = stored + skipped_by_type + held_back +
// failed (deletions are counted apart).
struct IngestTypeCounts {
  size_t read = 0;             // Records of this type read, good or bad.
  size_t stored = 0;           // Taken: inserted, updated or already stored as they are.
  size_t skipped_by_type = 0;  // Valid, of a type in ingest.skip_types: not stored.
  size_t held_back = 0;        // Good, not taken because their patient's data failed.
  size_t failed = 0;           // Could not be taken (each has a message).

  void Add(const IngestTypeCounts& other);
};

// Records whose type could not be read (malformed JSON, no valid resourceType) count here.
inline constexpr char kUnreadableType[] = "(unreadable)";

struct IngestReport {
  int64_t run = 0;              // This run's number in the record store.
  size_t read = 0;              // Resources read (good or bad) and deletions.
  size_t inserted = 0;          // New resources.
  size_t updated = 0;           // Resources whose content changed.
  size_t unchanged = 0;         // Resources already stored as they are.
  size_t deleted = 0;           // Resources removed (Bulk Data deletions).
  size_t failed = 0;            // Records that could not be taken (each has a message).
  size_t skipped = 0;           // Good resources not taken because their patient's data failed.
  size_t skipped_by_type = 0;   // Valid resources of a type in ingest.skip_types.
  size_t patients_touched = 0;  // Patients whose stored data changed.
  size_t patients_kept = 0;     // Patients left as they were because some of their data failed.
  size_t mrn_unmatched = 0;     // Patients whose MRN is missing or does not match the pattern.
  std::map<std::string, IngestTypeCounts> types;  // By resource type; types are not PHI.
  std::vector<std::string> errors;  // "FILE:LINE: problem", in input order; no record values.
  PhaseClock clock;                 // read+store, finish, commit.
};

// {"Type": {"read": n, "stored": n, "skipped_by_type": n, "held_back": n, "failed": n}, ...}
nlohmann::ordered_json TypeCountsJson(const std::map<std::string, IngestTypeCounts>& types);

// One line, by type name: "Claim 40 (40 skipped by type), Observation 233 (2 failed), Patient 4"
// — how many were read, and in brackets those of them not stored; "none" if there were none.
std::string TypeCountsLine(const std::map<std::string, IngestTypeCounts>& types);

// The run's counts as JSON (no errors, no record values): what the record store keeps with the
// run and `portal-gen ingest --json` prints.
nlohmann::ordered_json IngestReportJson(const IngestReport& report);

}  // namespace portal
