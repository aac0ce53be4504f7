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

// The hash of a key set: of its sorted fingerprints, "" for none.
std::string KeysetHash(std::vector<std::string> fprs) {
  if (fprs.empty()) return "";
  std::sort(fprs.begin(), fprs.end());
  std::string joined;
  for (const auto& f : fprs) joined += f + ",";
  return Sha256Hex(joined);
}

// The keys each page is sealed to now: those of its role not expired at as_of. A proxy's key
// never opens the patient's page, nor the patient's the proxies' page.
void UsableKeys(const NightlyPlanInputs& in, const Enrollment& e, PlannedPatient* p) {
  std::vector<std::string> patient_fprs, proxy_fprs;
  for (const auto& k : e.keys) {
    if (k.expires != 0 && k.expires <= in.as_of) continue;
    const bool proxy = k.role == EnrolledKey::Role::kProxy;
    (proxy ? proxy_fprs : patient_fprs).push_back(k.fingerprint);
    (proxy ? p->proxy_keys : p->patient_keys)
        .files.push_back(KeyFileIn(in.keys_dir, k.fingerprint));
    p->keys_valid_until = EarliestOf(p->keys_valid_until, k.expires);
  }
  p->patient_keys.keyset_hash = KeysetHash(std::move(patient_fprs));
  p->proxy_keys.keyset_hash = KeysetHash(std::move(proxy_fprs));
  if (p->skip_reason.empty() && p->patient_keys.empty() && p->proxy_keys.empty()) {
    p->skip_reason = "no usable key (expired)";
  }
}

// Why the patient must be looked at again; false if what was done last time still holds.
bool Stale(const NightlyPlanInputs& in, bool everyone, const PlannedPatient& p, Examine* why) {
  const SummaryState* s = p.previous;
  const std::string& token = p.enrollment->token;
  const bool published = in.published.count(token) > 0;
  const bool published_proxy = in.published_proxy.count(token) > 0;
  if (everyone) {
    *why = Examine::kEveryone;
  } else if (s == nullptr) {
    *why = Examine::kNoState;
  } else if (s->patient_id != p.patient_id) {
    *why = Examine::kOtherPatient;
  } else if (in.touched.count(p.patient_id) > 0) {
    *why = Examine::kTouched;
  } else if (s->patient.keyset_hash != p.patient_keys.keyset_hash ||
             s->proxy.keyset_hash != p.proxy_keys.keyset_hash) {
    *why = Examine::kKeysChanged;
  } else if (s->build_hash != in.build_hash) {
    *why = Examine::kBuildChanged;
  } else if (s->valid_until != 0 && s->valid_until <= in.as_of) {
    *why = Examine::kValidUntil;
  } else if (s->patient.published != published || s->proxy.published != published_proxy) {
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
    } else if (p.previous->published()) {
      plan.unchanged +=
          (p.previous->patient.published ? 1 : 0) + (p.previous->proxy.published ? 1 : 0);
      plan.unchanged_proxy += p.previous->proxy.published ? 1 : 0;
    } else {
      ++plan.skipped[p.previous->skip_reason];
    }
  }
  return plan;
}

}  // namespace portal
