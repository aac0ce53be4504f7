#define BOOST_TEST_MODULE fhir_time_test
#include "core/fhir_time.h"

#include "core/time_zone.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

int64_t At(const char* text) {
  int64_t t = 0;
  BOOST_REQUIRE_MESSAGE(ParseFhirInstant(text, &t), text);
  return t;
}

// Epoch seconds written out: 2025-06-01T00:00:00Z = 1748736000.
BOOST_AUTO_TEST_CASE(parses_every_precision) {
  BOOST_TEST(At("2025-06-01T00:00:00Z") == 1748736000);
  BOOST_TEST(At("2025-06-01") == 1748736000);
  BOOST_TEST(At("2025-06") == 1748736000);
  BOOST_TEST(At("2025-05") == 1748736000 - 31 * 86400);
  BOOST_TEST(At("2025") == 1735689600);
  BOOST_TEST(At("2025-06-01T02:30:00+02:30") == 1748736000);
  BOOST_TEST(At("2025-05-31T19:00:00.123-05:00") == 1748736000);
  BOOST_TEST(At("2025-06-01T14:00:00+14:00") == 1748736000);
  BOOST_TEST(At("2025-06-01T00:00:00.123456789Z") == 1748736000);
  BOOST_TEST(At("2025-05-31T10:01:00-13:59") == 1748736000);
  BOOST_TEST(At("1970-01-01T00:00:00Z") == 0);
  BOOST_TEST(At("1969-12-31T23:59:59Z") == -1);
}

BOOST_AUTO_TEST_CASE(refuses_malformed_dates) {
  int64_t t = 0;
  for (const char* bad : {"",
                          "25",
                          "2025-13",
                          "2025-06-01T24:00:00Z",
                          "2025-06-01T00:00",
                          "June 1 2025",
                          "2025-06-01T00:00:00",
                          "2025-00",
                          "2025-06-32",
                          "2025-06-01T00:00:00+15:00",
                          "2025-06-01T00:00:00.1234567890Z",
                          "2025-06-01T00:00:00+14:01",
                          "2025-06-01T00:00:00.Z",
                          "2025-6-01",
                          "2025-06-01T00:00:00Zx",
                          "2025-06-01T00:00:00+0500",
                          "+2025",
                          "2025-06-01T00:60:00Z",
                          "2025-06-01T00:00:61Z",
                          "2025-06-01 00:00:00Z",
                          "2025-06-01T00:00:00-05",
                          "2025-",
                          "2025-06-",
                          "0000",  // FHIR's years start at 0001 (found by the fhir_time fuzzer).
                          "0000-01-01",
                          "0000-12-31T23:59:59-01:00"}) {
    BOOST_TEST(!ParseFhirInstant(bad, &t), bad);
  }
}

BOOST_AUTO_TEST_CASE(formats_and_adds_years) {
  BOOST_TEST(FormatInstant(1748736000) == "2025-06-01T00:00:00Z");
  BOOST_TEST(FormatInstant(AddYears(At("2007-06-01"), 18)) == "2025-06-01T00:00:00Z");
  BOOST_TEST(FormatInstant(AddYears(At("2008-02-29"), 1)) == "2009-03-01T00:00:00Z");
}

// Found by the fhir_time fuzz target (tests/fuzz/regressions/fhir_time/): strftime wrote year 1
// as "1-01-01...", which is no FHIR instant, and an instant past 9999 as a five-digit year.
BOOST_AUTO_TEST_CASE(formats_every_instant_as_a_valid_fhir_instant) {
  BOOST_TEST(FormatInstant(At("0001-01-01")) == "0001-01-01T00:00:00Z");
  BOOST_TEST(FormatInstant(At("0999-12-31T23:59:59Z")) == "0999-12-31T23:59:59Z");
  BOOST_TEST(FormatInstant(-1) == "1969-12-31T23:59:59Z");
  BOOST_TEST(FormatInstant(At("1900-03-01T12:34:56+01:00")) == "1900-03-01T11:34:56Z");
  // 9999-12-31T23:59:59-14:00 is 10000-01-01T13:59:59Z: shown as the last FHIR second.
  BOOST_TEST(FormatInstant(At("9999-12-31T23:59:59-14:00")) == "9999-12-31T23:59:59Z");
  BOOST_TEST(FormatInstant(At("0001-01-01T00:00:00+14:00")) == "0001-01-01T00:00:00Z");
}

// The calendar, not only the grammar: months have their own lengths, February 29 only in leap
// years (2000 was one, 1900 was not).
BOOST_AUTO_TEST_CASE(refuses_impossible_calendar_days) {
  int64_t t = 0;
  for (const char* bad : {"2026-02-31", "2026-02-29", "1900-02-29", "2025-04-31", "2025-06-31",
                          "2025-09-31", "2025-11-31", "2026-02-30T10:00:00Z"}) {
    BOOST_TEST(!ParseFhirInstant(bad, &t), bad);
  }
  for (const char* good : {"2024-02-29", "2000-02-29", "2025-01-31", "2025-12-31"}) {
    BOOST_TEST(ParseFhirInstant(good, &t), good);
  }
}

BOOST_AUTO_TEST_CASE(keeps_the_parts_written) {
  FhirDateTime d;
  BOOST_REQUIRE(ParseFhirDateTime("2008-12", &d));
  BOOST_TEST(d.year == 2008);
  BOOST_TEST(d.month == 12u);
  BOOST_TEST(d.day == 0u);
  BOOST_TEST(!d.has_time);
  BOOST_REQUIRE(ParseFhirDateTime("2016-12-31T22:58:00-05:00", &d));
  BOOST_TEST(d.has_time);
  BOOST_TEST(d.instant == 1483243080);  // 2017-01-01T03:58:00Z
}

BOOST_AUTO_TEST_CASE(latest_day_of_a_partial_date) {
  FhirDateTime d;
  int y = 0;
  unsigned m = 0, day = 0;
  BOOST_REQUIRE(ParseFhirDateTime("2008", &d));
  LatestDay(d, &y, &m, &day);
  BOOST_TEST(y == 2008);
  BOOST_TEST(m == 12u);
  BOOST_TEST(day == 31u);
  BOOST_REQUIRE(ParseFhirDateTime("2008-02", &d));
  LatestDay(d, &y, &m, &day);
  BOOST_TEST(day == 29u);
  BOOST_REQUIRE(ParseFhirDateTime("2007-02", &d));
  LatestDay(d, &y, &m, &day);
  BOOST_TEST(day == 28u);
  BOOST_REQUIRE(ParseFhirDateTime("2008-04-15", &d));
  LatestDay(d, &y, &m, &day);
  BOOST_TEST(m == 4u);
  BOOST_TEST(day == 15u);
}

// A record made at 22:58 in New York on New Year's Eve is 03:58 UTC on January 1: the patient
// reads December 31. A date without a time is shown as written, never shifted.
BOOST_AUTO_TEST_CASE(patient_dates_are_the_hospitals_dates) {
  TimeZone ny;
  BOOST_REQUIRE(TimeZone::Load("America/New_York", &ny).ok());
  BOOST_TEST(PatientDate("2016-12-31T22:58:00-05:00", ny) == "2016-12-31");
  BOOST_TEST(PatientDate("2017-01-01T03:58:00Z", ny) == "2016-12-31");
  BOOST_TEST(PatientDate("2017-01-01T03:58:00+00:00", ny) == "2016-12-31");
  BOOST_TEST(PatientDate("2017-01-01T06:00:00Z", ny) == "2017-01-01");
  BOOST_TEST(PatientDate("2016-12-31", ny) == "2016-12-31");
  BOOST_TEST(PatientDate("2008-12", ny) == "2008-12");
  BOOST_TEST(PatientDate("2008", ny) == "2008");
  BOOST_TEST(PatientDate("2026-02-31", ny) == "");
  TimeZone utc;
  BOOST_TEST(PatientDate("2016-12-31T22:58:00-05:00", utc) == "2017-01-01");
}

}  // namespace
}  // namespace portal
