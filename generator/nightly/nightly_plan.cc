#include "generator/nightly/nightly_plan.h"

#include <algorithm>

#include "core/sha256.h"
#include "core/state_layout.h"
#include "generator/nightly/summary_publisher.h"

namespace portal {

namespace {

// The patient the enrolment's MRN names, or why there is none.
void MatchPatient(const NightlyPlanInputs& in, const Enrollment& e, PlannedPatient* p) {
  auto id = in.patient_by_mrn.find(e.mrn);
  if (in.ambiguous_mrns.count(e.mrn)) {
    p->skip_reason = "MRN held by more than one patient";
  } else if (id == in.patient_by_mrn.end()) {
    p->skip_reason = "not in the record store";
  } else if (!e.patient_id.empty() && id->second != e.patient_id) {
    p->skip_reason = "MRN now names another patient";  // Staff must enrol again.
  } else {
    p->patient_id = id->second;
  }
}

// The keys a summary is encrypted to now: those not expired at as_of.
void UsableKeys(const NightlyPlanInputs& in, const Enrollment& e, PlannedPatient* p) {
  std::vector<std::string> fprs;
  for (const auto& k : e.keys) {
    if (k.expires != 0 && k.expires <= in.as_of) continue;
    fprs.push_back(k.fingerprint);
    p->key_files.push_back(KeyFileIn(in.keys_dir, k.fingerprint));
    p->keys_valid_until = EarliestOf(p->keys_valid_until, k.expires);
  }
  std::sort(fprs.begin(), fprs.end());
  std::string joined;
  for (const auto& f : fprs) joined += f + ",";
  p->keyset_hash = Sha256Hex(joined);
  if (p->skip_reason.empty() && fprs.empty()) p->skip_reason = "no usable key (expired)";
}

// Why the patient must be looked at again; false if what was done last time still holds.
bool Stale(const NightlyPlanInputs& in, bool everyone, const PlannedPatient& p, Examine* why) {
  const SummaryState* s = p.previous;
  const bool published = in.published.count(p.enrollment->token) > 0;
  if (everyone) {
    *why = Examine::kEveryone;
  } else if (s == nullptr) {
    *why = Examine::kNoState;
  } else if (s->patient_id != p.patient_id) {
    *why = Examine::kOtherPatient;
  } else if (in.touched.count(p.patient_id) > 0) {
    *why = Examine::kTouched;
  } else if (s->keyset_hash != p.keyset_hash) {
    *why = Examine::kKeysChanged;
  } else if (s->build_hash != in.build_hash) {
    *why = Examine::kBuildChanged;
  } else if (s->valid_until != 0 && s->valid_until <= in.as_of) {
    *why = Examine::kValidUntil;
  } else if (s->published != published) {
    *why = Examine::kFileMismatch;
  } else if (!p.skip_reason.empty()) {
    *why = Examine::kCannotSummarize;
  } else {
    return false;
  }
  return true;
}

}  // namespace

// The render state describes what the last run published, where, from which records. Look at
// everyone again when that no longer holds.
Everyone WhyEveryone(const NightlyPlanInputs& in) {
  if (in.full) return Everyone::kFullFlag;
  if (in.as_of < in.last_as_of) return Everyone::kEarlierAsOf;
  if (in.output_id != in.last_output && !in.previous.empty()) return Everyone::kOtherOutput;
  if (in.last_run < in.seen_run) return Everyone::kStoreRebuilt;
  return Everyone::kNo;
}

int64_t EarliestOf(int64_t a, int64_t b) {
  if (a == 0) return b;
  if (b == 0) return a;
  return std::min(a, b);
}

const char* EveryoneReason(Everyone everyone) {
  switch (everyone) {
    case Everyone::kEarlierAsOf:
      return "--as-of earlier than the last run's";
    case Everyone::kOtherOutput:
      return "a summaries folder the last run did not publish to";
    case Everyone::kStoreRebuilt:
      return "the record store was rebuilt";
    case Everyone::kNo:
    case Everyone::kFullFlag:
      break;
  }
  return "";
}

NightlyPlan PlanNightly(const NightlyPlanInputs& in) {
  NightlyPlan plan;
  plan.everyone = WhyEveryone(in);
  for (const auto& e : in.enrollments) {
    if (ShardOfToken(e.token, in.shard_count) != in.shard) continue;
    ++plan.enrolled;
    if (!IsTokenName(e.token)) {  // Never a path from the registry that is not a token.
      plan.failures.push_back("an enrolment has an invalid token; left alone");
      continue;
    }
    PlannedPatient p;
    p.enrollment = &e;
    auto prev = in.previous.find(e.token);
    if (prev != in.previous.end()) p.previous = &prev->second;
    MatchPatient(in, e, &p);
    UsableKeys(in, e, &p);
    if (Stale(in, plan.full(), p, &p.reason)) {
      plan.examine.push_back(std::move(p));
    } else if (p.previous->published) {
      ++plan.unchanged;
    } else {
      ++plan.skipped[p.previous->skip_reason];
    }
  }
  return plan;
}

}  // namespace portal
