#define BOOST_TEST_MODULE retry_after_test
// Retry-After (RFC 9110 10.2.3) and HTTP-dates (RFC 9110 5.6.7): delay-seconds, the three date
// forms, dates relative to the answer's own Date. Expected seconds are written out (checked with
// Python's calendar.timegm), never computed by the code under test.
#include "generator/ehr/retry_after.h"

#include <boost/test/unit_test.hpp>
#include <string>

namespace portal {
namespace {

constexpr int64_t k1994 = 784111777;  // 1994-11-06T08:49:37Z, RFC 9110's example.

int64_t Date(std::string_view text) {
  int64_t t = -1;
  BOOST_TEST_REQUIRE(ParseHttpDate(text, &t), "not read: " << text);
  return t;
}

BOOST_AUTO_TEST_CASE(all_three_date_forms_are_the_same_instant) {
  BOOST_TEST(Date("Sun, 06 Nov 1994 08:49:37 GMT") == k1994);   // IMF-fixdate.
  BOOST_TEST(Date("Sunday, 06-Nov-94 08:49:37 GMT") == k1994);  // RFC 850.
  BOOST_TEST(Date("Sun Nov  6 08:49:37 1994") == k1994);        // asctime.
}

BOOST_AUTO_TEST_CASE(dates_across_the_calendar) {
  BOOST_TEST(Date("Thu, 01 Jan 1970 00:00:00 GMT") == 0);
  BOOST_TEST(Date("Sat, 29 Feb 2020 23:59:59 GMT") == 1583020799);
  BOOST_TEST(Date("Thu, 01 Jan 2026 00:00:00 GMT") == 1767225600);
  BOOST_TEST(Date("Thursday, 01-Jan-26 00:00:00 GMT") == 1767225600);  // Two-digit year: 2026.
  BOOST_TEST(Date("Thu Jan  1 00:00:00 2026") == 1767225600);
}

BOOST_AUTO_TEST_CASE(what_is_not_an_http_date_is_refused) {
  int64_t t = 0;
  for (const char* bad : {
           "",
           "soon",
           "Sun, 06 Nov 1994 08:49:37",      // No GMT.
           "Sun, 06 Nov 1994 08:49:37 PST",  // Not GMT.
           "Sun, 06 Nov 1994 08:49:37 +0000",
           "Sun, 06 Nov 1994 08:49:37 GMT trailing",
           "Sun, 32 Nov 1994 08:49:37 GMT",
           "Sun, 06 Foo 1994 08:49:37 GMT",
           "Sun, 06 Nov 1994 25:49:37 GMT",
           "Sun, 06 Nov 99999 08:49:37 GMT",  // A five-digit year.
           "1994-11-06T08:49:37Z",            // ISO 8601 is not an HTTP-date.
           "784111777",
       }) {
    BOOST_TEST(!ParseHttpDate(bad, &t), "read: " << bad);
  }
  // Longer than any HTTP-date: refused before parsing.
  BOOST_TEST(!ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT" + std::string(64, ' '), &t));
}

BOOST_AUTO_TEST_CASE(delay_seconds) {
  int64_t s = -1;
  BOOST_TEST(ParseRetryAfter("120", k1994, &s));
  BOOST_TEST(s == 120);
  BOOST_TEST(ParseRetryAfter("0", k1994, &s));
  BOOST_TEST(s == 0);
  BOOST_TEST(ParseRetryAfter(" 7\t", k1994, &s));  // Optional whitespace around a field value.
  BOOST_TEST(s == 7);
  BOOST_TEST(ParseRetryAfter("999999999999", k1994, &s));  // Twelve digits: as written.
  BOOST_TEST(s == 999999999999);
}

BOOST_AUTO_TEST_CASE(a_huge_delay_is_a_long_wait_for_the_caller_to_clamp) {
  // Still delay-seconds by the grammar (1*DIGIT); not an overflow, not a refusal.
  int64_t s = -1;
  BOOST_TEST(ParseRetryAfter("99999999999999999999999999", k1994, &s));
  BOOST_TEST(s >= 999999999999);
}

BOOST_AUTO_TEST_CASE(a_date_is_taken_relative_to_now) {
  int64_t s = -1;
  BOOST_TEST(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", k1994 - 120, &s));
  BOOST_TEST(s == 120);
  BOOST_TEST(ParseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", k1994 - 1, &s));
  BOOST_TEST(s == 1);
  BOOST_TEST(ParseRetryAfter("Sun Nov  6 08:49:37 1994", k1994 - 3600, &s));
  BOOST_TEST(s == 3600);
}

BOOST_AUTO_TEST_CASE(a_date_now_or_in_the_past_is_zero_seconds) {
  int64_t s = -1;
  BOOST_TEST(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", k1994, &s));
  BOOST_TEST(s == 0);
  s = -1;
  BOOST_TEST(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", k1994 + 86400, &s));
  BOOST_TEST(s == 0);
  s = -1;
  BOOST_TEST(ParseRetryAfter("Thu, 01 Jan 1970 00:00:00 GMT", 1767225600, &s));
  BOOST_TEST(s == 0);
}

BOOST_AUTO_TEST_CASE(garbage_and_negative_values_are_refused) {
  for (const char* bad : {
           "",
           " ",
           "soon",
           "-1",
           "+5",
           "1.5",
           "5s",
           "0x10",
           "12 34",
           "Sun, 06 Nov 1994 08:49:37",  // A date without GMT.
           "Sun, 06 Nov 1994 08:49:37 UTC",
       }) {
    int64_t s = 12345;
    BOOST_TEST(!ParseRetryAfter(bad, k1994, &s), "read: '" << bad << "'");
  }
}

}  // namespace
}  // namespace portal
