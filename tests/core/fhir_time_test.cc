#define BOOST_TEST_MODULE fhir_time_test
#include "core/fhir_time.h"

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
}

BOOST_AUTO_TEST_CASE(refuses_malformed_dates) {
  int64_t t = 0;
  for (const char* bad : {"", "25", "2025-13", "2025-06-01T24:00:00Z", "2025-06-01T00:00",
                          "June 1 2025", "2025-06-01T00:00:00", "2025-00", "2025-06-32",
                          "2025-06-01T00:00:00+15:00", "2025-06-01T00:00:00.1234567890Z"}) {
    BOOST_TEST(!ParseFhirInstant(bad, &t), bad);
  }
}

BOOST_AUTO_TEST_CASE(formats_and_adds_years) {
  BOOST_TEST(FormatInstant(1748736000) == "2025-06-01T00:00:00Z");
  BOOST_TEST(FormatInstant(AddYears(At("2007-06-01"), 18)) == "2025-06-01T00:00:00Z");
  BOOST_TEST(FormatInstant(AddYears(At("2008-02-29"), 1)) == "2009-03-01T00:00:00Z");
}

}  // namespace
}  // namespace portal
