#define BOOST_TEST_MODULE patient_eligibility_test
#include "core/patient_eligibility.h"

#include <boost/test/unit_test.hpp>
#include <ostream>

#include "core/time_zone.h"

namespace portal {

std::ostream& operator<<(std::ostream& os, Eligibility e) { return os << EligibilityTag(e); }

namespace {

PatientFacts Born(const char* birth_date) {
  PatientFacts facts;
  const std::string json =
      std::string(R"({"resourceType":"Patient","id":"p","birthDate":")") + birth_date + "\"}";
  BOOST_REQUIRE(ReadPatientFacts(json, "", &facts).ok());
  BOOST_REQUIRE(facts.has_birth_date);
  return facts;
}

TimeZone NewYork() {
  TimeZone z;
  BOOST_REQUIRE(TimeZone::Load("America/New_York", &z).ok());
  return z;
}

PortalConfig::Release Adults() {
  PortalConfig::Release r;
  r.minimum_age_years = 18;
  return r;
}

// Epoch seconds written out. 2026-12-31T05:00:00Z (midnight in New York, EST) = 1798693200.
constexpr int64_t kDec31NewYork = 1798693200;

// "2008" could be any day of 2008: the patient may be an adult only once even a December 31
// birthday has passed, at midnight in the hospital's zone.
BOOST_AUTO_TEST_CASE(a_birth_year_counts_from_its_last_day) {
  const TimeZone ny = NewYork();
  int64_t adult = 0;
  BOOST_TEST(LatestAnniversary(Born("2008").birth, 18, ny) == kDec31NewYork);
  BOOST_TEST(DecideEligibility(Adults(), ny, Born("2008"), kDec31NewYork - 1, &adult) ==
             Eligibility::kMinor);
  BOOST_TEST(adult == kDec31NewYork);
  BOOST_TEST(DecideEligibility(Adults(), ny, Born("2008"), kDec31NewYork, &adult) ==
             Eligibility::kEligible);
  // Without the rule, "2008" meant 2008-01-01: an adult from 2026-01-01, a year too early.
  BOOST_TEST(DecideEligibility(Adults(), ny, Born("2008"), 1767243600 /* 2026-01-01 EST */,
                               nullptr) == Eligibility::kMinor);
}

BOOST_AUTO_TEST_CASE(a_birth_month_counts_from_its_last_day) {
  const TimeZone ny = NewYork();
  BOOST_TEST(LatestAnniversary(Born("2008-12").birth, 18, ny) == kDec31NewYork);
  // February 2008 had 29 days; 2026 is a common year, so that birthday comes on March 1.
  // 2026-03-01T05:00:00Z = 1772341200.
  BOOST_TEST(LatestAnniversary(Born("2008-02").birth, 18, ny) == 1772341200);
  BOOST_TEST(LatestAnniversary(Born("2008-02-29").birth, 18, ny) == 1772341200);
  // A full date is its own day: 2008-06-15 -> 2026-06-15T04:00:00Z (EDT) = 1781496000.
  BOOST_TEST(LatestAnniversary(Born("2008-06-15").birth, 18, ny) == 1781496000);
}

// The 18th birthday begins at midnight where the hospital is, not at midnight UTC (19:00 the
// evening before in New York).
BOOST_AUTO_TEST_CASE(birthdays_begin_at_local_midnight) {
  const TimeZone ny = NewYork();
  const int64_t utc_midnight = kDec31NewYork - 5 * 3600;
  BOOST_TEST(DecideEligibility(Adults(), ny, Born("2008-12-31"), utc_midnight, nullptr) ==
             Eligibility::kMinor);
  BOOST_TEST(DecideEligibility(Adults(), TimeZone(), Born("2008-12-31"), utc_midnight, nullptr) ==
             Eligibility::kEligible);
}

BOOST_AUTO_TEST_CASE(deceased_and_emancipated_as_before) {
  const TimeZone ny = NewYork();
  PatientFacts facts = Born("2010");
  facts.emancipation_extension = true;
  BOOST_TEST(DecideEligibility(Adults(), ny, facts, kDec31NewYork - 86400 * 365, nullptr) ==
             Eligibility::kEligible);
  facts.deceased = true;
  BOOST_TEST(DecideEligibility(Adults(), ny, facts, kDec31NewYork, nullptr) ==
             Eligibility::kDeceased);
}

}  // namespace
}  // namespace portal
