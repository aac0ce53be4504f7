#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/phase_clock.h"
#include "core/record_store.h"
#include "core/status.h"

namespace portal {

struct IngestReport {
  int64_t run = 0;                  // This run's number in the record store.
  size_t read = 0;                  // Resources read (good or bad) and deletions.
  size_t inserted = 0;              // New resources.
  size_t updated = 0;               // Resources whose content changed.
  size_t unchanged = 0;             // Resources already stored as they are.
  size_t deleted = 0;               // Resources removed (Bulk Data deletions).
  size_t failed = 0;                // Records that could not be taken (each has a message).
  size_t skipped = 0;               // Good resources not taken because their patient's data failed.
  size_t patients_touched = 0;      // Patients whose stored data changed.
  size_t patients_kept = 0;         // Patients left as they were because some of their data failed.
  size_t mrn_unmatched = 0;         // Patients whose MRN is missing or does not match the pattern.
  std::vector<std::string> errors;  // "FILE:LINE: problem", in input order; no record values.
  PhaseClock clock;                 // read+store, finish, commit.
};

// `portal-gen ingest`: reads the extracts into the record store under the config's state
// directory, in one transaction. Each patient's data is taken whole or not at all: a patient
// with any bad record keeps their previous state. A path that cannot be read stops the run with
// nothing changed.
// Size and modification time of an extract file, as the record store remembers them.
Status StatExtractFile(const std::filesystem::path& path, RecordStore::ExtractFile* out);

// The run is recorded as finished at `clock`'s time when it ends.
Status Ingest(const PortalConfig& config, const std::vector<std::filesystem::path>& paths,
              const Clock& clock, IngestReport* report);

}  // namespace portal
