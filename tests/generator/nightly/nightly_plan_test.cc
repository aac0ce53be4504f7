#define BOOST_TEST_MODULE nightly_plan_test
#include "generator/nightly/nightly_plan.h"

#include <boost/test/unit_test.hpp>
#include <ostream>

#include "core/sha256.h"
#include "core/state_layout.h"
#include "generator/nightly/summary_publisher.h"

namespace portal {

// For Boost.Test's messages (found by argument-dependent lookup).
std::ostream& operator<<(std::ostream& os, Everyone e) { return os << static_cast<int>(e); }
std::ostream& operator<<(std::ostream& os, Examine e) { return os << static_cast<int>(e); }

namespace {

constexpr int64_t kAsOf = 1748736000;  // 2025-06-01T00:00:00Z
const std::string kToken = "0123456789abcdef0123456789abcdef";
const std::string kKey = "AAAA0000AAAA0000AAAA0000AAAA0000AAAA0000";

// One enrolled patient whose published summary still holds: nothing to do.
NightlyPlanInputs Settled() {
  NightlyPlanInputs in;
  in.as_of = kAsOf;
  in.build_hash = "build-1";
  in.keys_dir = "/state/keys";
  Enrollment e;
  e.mrn = "M1";
  e.token = kToken;
  e.patient_id = "p1";
  e.keys.push_back({kKey, EnrolledKey::Role::kPatient, 0, 0});
  in.enrollments.push_back(e);
  in.patient_by_mrn = {{"M1", "p1"}};
  in.last_run = 7;
  SummaryState s;
  s.token = kToken;
  s.patient_id = "p1";
  s.patient.published = true;
  s.patient.summary_hash = "page-1";
  s.patient.keyset_hash = Sha256Hex(kKey + ",");
  s.build_hash = "build-1";
  in.previous[kToken] = s;
  in.published = {kToken};
  in.seen_run = 7;
  in.last_as_of = kAsOf;
  in.output_id = 42;
  in.last_output = 42;
  return in;
}

// The reason of the one patient examined.
Examine Only(const NightlyPlan& plan) {
  BOOST_REQUIRE_EQUAL(plan.examine.size(), 1u);
  return plan.examine[0].reason;
}

BOOST_AUTO_TEST_CASE(a_settled_patient_is_left_alone) {
  const NightlyPlanInputs in = Settled();
  const NightlyPlan plan = PlanNightly(in);
  BOOST_TEST(plan.everyone == Everyone::kNo);
  BOOST_TEST(plan.enrolled == 1u);
  BOOST_TEST(plan.examine.empty());
  BOOST_TEST(plan.unchanged == 1u);
  BOOST_TEST(plan.skipped.empty());
  BOOST_TEST(plan.failures.empty());
}

BOOST_AUTO_TEST_CASE(an_unpublished_settled_patient_counts_as_skipped_for_the_kept_reason) {
  NightlyPlanInputs in = Settled();
  in.previous[kToken].patient.published = false;
  in.previous[kToken].skip_reason = "deceased";
  in.published.clear();
  const NightlyPlan plan = PlanNightly(in);
  BOOST_TEST(plan.examine.empty());
  BOOST_TEST(plan.unchanged == 0u);
  BOOST_TEST(plan.skipped.at("deceased") == 1u);
}

BOOST_AUTO_TEST_CASE(a_patient_without_a_state_row_is_examined_with_its_keys) {
  NightlyPlanInputs in = Settled();
  in.previous.clear();
  in.enrollments[0].keys.push_back({"BBBB", EnrolledKey::Role::kProxy, kAsOf + 500, 0});
  in.enrollments[0].keys.push_back({"0000", EnrolledKey::Role::kProxy, kAsOf + 100, 0});
  const NightlyPlan plan = PlanNightly(in);
  BOOST_TEST(Only(plan) == Examine::kNoState);
  const PlannedPatient& p = plan.examine[0];
  BOOST_TEST(p.enrollment == &in.enrollments[0]);
  BOOST_TEST(p.previous == nullptr);
  BOOST_TEST(p.patient_id == "p1");
  BOOST_TEST(p.skip_reason.empty());
  // Each page is sealed to its own role's keys only.
  BOOST_TEST(
      p.patient_keys.files == (std::vector<std::filesystem::path>{KeyFileIn("/state/keys", kKey)}),
      boost::test_tools::per_element());
  BOOST_TEST(p.patient_keys.keyset_hash == Sha256Hex(kKey + ","));
  BOOST_TEST(
      p.proxy_keys.files == (std::vector<std::filesystem::path>{KeyFileIn("/state/keys", "BBBB"),
                                                                KeyFileIn("/state/keys", "0000")}),
      boost::test_tools::per_element());
  BOOST_TEST(p.proxy_keys.keyset_hash == Sha256Hex("0000,BBBB,"));  // Sorted.
  BOOST_TEST(p.keys_valid_until == kAsOf + 100);                    // The first expiry.
}

BOOST_AUTO_TEST_CASE(a_patient_without_proxies_has_no_proxy_keys) {
  NightlyPlanInputs in = Settled();
  in.previous.clear();
  const NightlyPlan plan = PlanNightly(in);  // Kept: p refers into it.
  const PlannedPatient& p = plan.examine.at(0);
  BOOST_TEST(p.proxy_keys.empty());
  BOOST_TEST(p.proxy_keys.keyset_hash == "");
  BOOST_TEST(!p.patient_keys.empty());
}

// A patient with a proxy whose two pages are out there as the state says.
NightlyPlanInputs SettledWithProxy() {
  NightlyPlanInputs in = Settled();
  in.enrollments[0].keys.push_back({"CCCC", EnrolledKey::Role::kProxy, 0, 0});
  SummaryState& s = in.previous[kToken];
  s.proxy.published = true;
  s.proxy.summary_hash = "proxy-page-1";
  s.proxy.keyset_hash = Sha256Hex("CCCC,");
  in.published_proxy = {kToken};
  return in;
}

BOOST_AUTO_TEST_CASE(both_pages_of_a_settled_patient_count_as_unchanged) {
  const NightlyPlan plan = PlanNightly(SettledWithProxy());
  BOOST_TEST(plan.examine.empty());
  BOOST_TEST(plan.unchanged == 2u);
  BOOST_TEST(plan.unchanged_proxy == 1u);
}

BOOST_AUTO_TEST_CASE(a_change_to_either_page_examines_the_patient) {
  {
    NightlyPlanInputs in = SettledWithProxy();
    in.enrollments[0].keys.push_back({"DDDD", EnrolledKey::Role::kProxy, 0, 0});
    BOOST_TEST(Only(PlanNightly(in)) == Examine::kKeysChanged);
  }
  {
    NightlyPlanInputs in = SettledWithProxy();
    in.enrollments[0].keys.pop_back();  // The proxy revoked: its page must go.
    BOOST_TEST(Only(PlanNightly(in)) == Examine::kKeysChanged);
  }
  {
    NightlyPlanInputs in = SettledWithProxy();
    in.enrollments[0].keys.back().expires = kAsOf;  // The proxy's key expired.
    BOOST_TEST(Only(PlanNightly(in)) == Examine::kKeysChanged);
  }
  {
    NightlyPlanInputs in = SettledWithProxy();
    in.published_proxy.clear();  // The proxies' page went missing.
    BOOST_TEST(Only(PlanNightly(in)) == Examine::kFileMismatch);
  }
  {
    NightlyPlanInputs in = Settled();
    in.published_proxy = {kToken};  // A proxies' page out there that should not be.
    BOOST_TEST(Only(PlanNightly(in)) == Examine::kFileMismatch);
  }
  {
    // A state written when one page was sealed to every key: the patient's keys alone differ.
    NightlyPlanInputs in = SettledWithProxy();
    in.previous[kToken].patient.keyset_hash = Sha256Hex(kKey + ",CCCC,");
    in.previous[kToken].proxy = PageState();
    in.published_proxy.clear();
    BOOST_TEST(Only(PlanNightly(in)) == Examine::kKeysChanged);
  }
}

BOOST_AUTO_TEST_CASE(a_proxy_with_a_usable_key_keeps_a_patient_whose_own_key_expired) {
  NightlyPlanInputs in = SettledWithProxy();
  in.enrollments[0].keys[0].expires = kAsOf;
  const NightlyPlan plan = PlanNightly(in);
  BOOST_REQUIRE_EQUAL(plan.examine.size(), 1u);
  const PlannedPatient& p = plan.examine[0];
  BOOST_TEST(p.reason == Examine::kKeysChanged);
  BOOST_TEST(p.skip_reason.empty());  // The proxies' page is still made.
  BOOST_TEST(p.patient_keys.empty());
  BOOST_TEST(p.proxy_keys.files.size() == 1u);
  // Every key expired: nothing can be published.
  in.enrollments[0].keys[1].expires = kAsOf;
  BOOST_TEST(PlanNightly(in).examine.at(0).skip_reason == "no usable key (expired)");
}

BOOST_AUTO_TEST_CASE(each_change_since_the_last_run_names_its_reason) {
  {
    NightlyPlanInputs in = Settled();
    in.touched = {"p1"};
    BOOST_TEST(Only(PlanNightly(in)) == Examine::kTouched);
  }
  {
    NightlyPlanInputs in = Settled();
    in.enrollments[0].keys.push_back({"BBBB", EnrolledKey::Role::kProxy, 0, 0});
    BOOST_TEST(Only(PlanNightly(in)) == Examine::kKeysChanged);
  }
  {
    NightlyPlanInputs in = Settled();
    in.build_hash = "build-2";
    BOOST_TEST(Only(PlanNightly(in)) == Examine::kBuildChanged);
  }
  {
    NightlyPlanInputs in = Settled();
    in.previous[kToken].valid_until = kAsOf;  // Reached: look again.
    BOOST_TEST(Only(PlanNightly(in)) == Examine::kValidUntil);
    in.previous[kToken].valid_until = kAsOf + 1;  // Not yet.
    BOOST_TEST(PlanNightly(in).unchanged == 1u);
  }
  {
    NightlyPlanInputs in = Settled();
    in.published.clear();  // The file went missing.
    BOOST_TEST(Only(PlanNightly(in)) == Examine::kFileMismatch);
  }
  {
    NightlyPlanInputs in = Settled();
    in.previous[kToken].patient_id = "p0";  // The state was made for another patient.
    BOOST_TEST(Only(PlanNightly(in)) == Examine::kOtherPatient);
  }
}

BOOST_AUTO_TEST_CASE(an_enrolment_that_cannot_be_summarized_is_examined_to_withdraw_it) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"ambiguous", "MRN held by more than one patient"},
      {"missing", "not in the record store"},
      {"moved", "MRN now names another patient"},
      {"expired", "no usable key (expired)"},
  };
  for (const auto& [what, reason] : cases) {
    NightlyPlanInputs in = Settled();
    if (what == "ambiguous") in.ambiguous_mrns = {"M1"};
    if (what == "missing") in.patient_by_mrn.clear();
    if (what == "moved") in.patient_by_mrn["M1"] = "p9";
    if (what == "expired") in.enrollments[0].keys[0].expires = kAsOf;
    const NightlyPlan plan = PlanNightly(in);
    BOOST_REQUIRE_EQUAL(plan.examine.size(), 1u);
    BOOST_TEST(plan.examine[0].skip_reason == reason, what);
    BOOST_TEST(plan.examine[0].patient_id == (what == "expired" ? "p1" : ""), what);
    // Without a patient the state no longer matches; otherwise the key set changed.
    BOOST_TEST((plan.examine[0].reason ==
                (what == "expired" ? Examine::kKeysChanged : Examine::kOtherPatient)),
               what);
  }
  // Even when everything else matches what was kept, a skip reason means: look again.
  NightlyPlanInputs in = Settled();
  in.patient_by_mrn.clear();
  in.previous[kToken].patient_id = "";
  in.previous[kToken].patient.published = false;
  in.published.clear();
  BOOST_TEST(Only(PlanNightly(in)) == Examine::kCannotSummarize);
}

BOOST_AUTO_TEST_CASE(everyone_is_examined_when_the_render_state_no_longer_holds) {
  struct Case {
    const char* what;
    Everyone expected;
    const char* words;
  };
  for (const Case& c :
       {Case{"--full", Everyone::kFullFlag, ""},
        Case{"earlier", Everyone::kEarlierAsOf, "--as-of earlier than the last run's"},
        Case{"output", Everyone::kOtherOutput,
             "a summaries folder the last run did not publish to"},
        Case{"rebuilt", Everyone::kStoreRebuilt, "the record store was rebuilt"}}) {
    NightlyPlanInputs in = Settled();
    const std::string what = c.what;
    if (what == "--full") in.full = true;
    if (what == "earlier") in.as_of = kAsOf - 1;
    if (what == "output") in.output_id = 43;
    if (what == "rebuilt") in.last_run = 2;
    BOOST_TEST((WhyEveryone(in) == c.expected), what);
    const NightlyPlan plan = PlanNightly(in);
    BOOST_TEST((plan.everyone == c.expected), what);
    BOOST_TEST(plan.full(), what);
    BOOST_TEST((Only(plan) == Examine::kEveryone), what);
    BOOST_TEST(std::string(EveryoneReason(c.expected)) == c.words, what);
  }
  // Another folder means nothing on the first run (there is no render state yet).
  NightlyPlanInputs in = Settled();
  in.previous.clear();
  in.output_id = 43;
  BOOST_TEST((WhyEveryone(in) == Everyone::kNo));
  BOOST_TEST(std::string(EveryoneReason(Everyone::kNo)).empty());
}

BOOST_AUTO_TEST_CASE(only_this_shards_enrolments_count_and_bad_tokens_are_left_alone) {
  NightlyPlanInputs in = Settled();
  Enrollment bad = in.enrollments[0];
  bad.token = "../not-a-token";
  in.enrollments.push_back(bad);
  Enrollment other = in.enrollments[0];
  other.token = "fedcba9876543210fedcba9876543210";
  in.enrollments.push_back(other);
  in.shard_count = 2;
  in.shard = ShardOfToken(kToken, 2);
  const bool bad_here = ShardOfToken(bad.token, 2) == in.shard;
  const bool other_here = ShardOfToken(other.token, 2) == in.shard;
  const NightlyPlan plan = PlanNightly(in);
  BOOST_TEST(plan.enrolled == 1u + (bad_here ? 1 : 0) + (other_here ? 1 : 0));
  BOOST_TEST(plan.unchanged == 1u);
  BOOST_TEST(plan.examine.size() == (other_here ? 1u : 0u));  // No state row for it.
  BOOST_TEST(plan.failures.size() == (bad_here ? 1u : 0u));
  if (bad_here) BOOST_TEST(plan.failures[0] == "an enrolment has an invalid token; left alone");
  // Both shards together see every enrolment once.
  in.shard = 1 - in.shard;
  BOOST_TEST(plan.enrolled + PlanNightly(in).enrolled == 3u);
}

BOOST_AUTO_TEST_CASE(earliest_of_treats_zero_as_never) {
  BOOST_TEST(EarliestOf(0, 5) == 5);
  BOOST_TEST(EarliestOf(5, 0) == 5);
  BOOST_TEST(EarliestOf(3, 5) == 3);
  BOOST_TEST(EarliestOf(0, 0) == 0);
}

}  // namespace
}  // namespace portal
