#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/enrollment_registry.h"
#include "generator/nightly/nightly_state.h"

namespace portal {

// Everything the plan looks at, read beforehand from the registry, the record store, the render
// state and the output folder: the plan itself reads nothing.
struct NightlyPlanInputs {
  int64_t as_of = 0;
  bool full = false;  // --full.
  int shard = 0;
  int shard_count = 1;
  std::string build_hash;          // Of what every page is made with (templates, config, ...).
  std::filesystem::path keys_dir;  // Where the pinned keys' files are (KeyFileIn).

  std::vector<Enrollment> enrollments;                // Every enrolment (all shards).
  std::map<std::string, std::string> patient_by_mrn;  // The record store's MRN index.
  std::set<std::string> ambiguous_mrns;               // MRNs held by several patients.
  std::set<std::string> touched;  // Patients changed by an ingest run after seen_run.
  int64_t last_run = 0;           // The record store's newest ingest run.

  std::map<std::string, SummaryState> previous;  // The render state, by token.
  std::set<std::string> published;               // Tokens whose patient's page is out there now.
  std::set<std::string> published_proxy;         // Tokens whose proxies' page is out there now.
  int64_t seen_run = 0;     // The last ingest run this shard's summaries reflect.
  int64_t last_as_of = 0;   // The last finished run's --as-of.
  int64_t output_id = 0;    // This run's summaries folder (a hash of its path).
  int64_t last_output = 0;  // The folder this shard last published to (0 before).
};

// Why the plan looks at every patient.
enum class Everyone {
  kNo,
  kFullFlag,      // --full.
  kEarlierAsOf,   // What the last run released could stay published.
  kOtherOutput,   // The render state describes another summaries folder.
  kStoreRebuilt,  // The record store's run numbers started again.
};

// Why one patient is looked at again (the first reason that holds, in this order).
enum class Examine {
  kEveryone,
  kNoState,         // No render-state row: never looked at, or failed last time.
  kOtherPatient,    // The MRN now names another patient (or none).
  kTouched,         // An ingest run changed the patient's records.
  kKeysChanged,     // The usable keys of a page are not those it was sealed to.
  kBuildChanged,    // Templates, config, program or signing key changed.
  kValidUntil,      // Its valid-until passed.
  kFileMismatch,    // A page's file is missing (or there when none should be).
  kCannotSummarize  // Nothing can be published (skip_reason): looked at to withdraw it.
};

// What one page is sealed to: the usable (unexpired) keys of one role, the patient's own for
// the patient's page, the proxies' for theirs. No keys: no such page.
struct PageKeys {
  std::vector<std::filesystem::path> files;
  std::string keyset_hash;  // Of their sorted fingerprints; "" when there are none.

  bool empty() const { return files.empty(); }
};

// One enrolled patient of this shard the run must look at.
struct PlannedPatient {
  const Enrollment* enrollment = nullptr;  // Points into the inputs' enrollments.
  std::string patient_id;                  // "" when the MRN is not (or ambiguously) in the store.
  std::string skip_reason;       // Set when no summary can be made before reading records.
  PageKeys patient_keys;         // Role patient: summary.html.pgp.
  PageKeys proxy_keys;           // Role proxy: summary-proxy.html.pgp.
  int64_t keys_valid_until = 0;  // First expiry of a usable key; 0 = none.
  const SummaryState* previous = nullptr;  // Points into the inputs' previous; or null.
  Examine reason = Examine::kEveryone;

  const PageKeys& keys(Audience a) const {
    return a == Audience::kProxy ? proxy_keys : patient_keys;
  }
};

struct NightlyPlan {
  Everyone everyone = Everyone::kNo;
  size_t enrolled = 0;                  // Enrolments in this shard.
  std::vector<PlannedPatient> examine;  // In enrolment order.
  // Pages (files) of the patients left alone: published, and nothing they depend on changed.
  size_t unchanged = 0;
  size_t unchanged_proxy = 0;             // Of them, proxies' pages.
  std::map<std::string, size_t> skipped;  // Unchanged and unpublished, by the reason kept.
  std::vector<std::string> failures;      // Enrolments left alone (invalid tokens); no PHI.

  bool full() const { return everyone != Everyone::kNo; }
};

// Whether (and why) the plan looks at every patient; pure.
Everyone WhyEveryone(const NightlyPlanInputs& in);

// Decides which enrolled patients of this shard need work and why; pure. The plan points into
// `in`, which must outlive it.
NightlyPlan PlanNightly(const NightlyPlanInputs& in);

// The operator's words for why everyone is looked at ("" for kNo and kFullFlag: asked for).
const char* EveryoneReason(Everyone everyone);

// First of two expiry instants, 0 meaning never.
int64_t EarliestOf(int64_t a, int64_t b);

}  // namespace portal
