#define BOOST_TEST_MODULE time_zone_test
#include "core/time_zone.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

TimeZone Zone(const char* name) {
  TimeZone z;
  BOOST_REQUIRE_MESSAGE(TimeZone::Load(name, &z).ok(), name);
  return z;
}

// Epoch seconds written out: 2017-01-01T00:00:00Z = 1483228800.
BOOST_AUTO_TEST_CASE(local_dates_follow_the_zone) {
  const TimeZone ny = Zone("America/New_York");
  BOOST_TEST(ny.LocalDate(1483228800) == "2016-12-31");             // 19:00 the day before.
  BOOST_TEST(ny.LocalDate(1483228800 + 5 * 3600) == "2017-01-01");  // 00:00 EST.
  BOOST_TEST(ny.LocalDate(1483228800 + 5 * 3600 - 1) == "2016-12-31");
  BOOST_TEST(TimeZone().LocalDate(1483228800) == "2017-01-01");
  BOOST_TEST(Zone("Pacific/Kiritimati").LocalDate(1483228800 - 3600) == "2017-01-01");  // +14
}

BOOST_AUTO_TEST_CASE(local_times_follow_the_zone_and_its_summer_time) {
  const TimeZone ny = Zone("America/New_York");
  BOOST_TEST(ny.LocalDateTime(1483228800) == "2016-12-31 19:00");         // EST, UTC-5.
  BOOST_TEST(ny.LocalDateTime(1483228800 + 3599) == "2016-12-31 19:59");  // To the minute.
  BOOST_TEST(ny.LocalDateTime(1498867200) == "2017-06-30 20:00");         // EDT, UTC-4.
  BOOST_TEST(TimeZone().LocalDateTime(1483228800 + 61) == "2017-01-01 00:01");
}

BOOST_AUTO_TEST_CASE(start_of_day_is_local_midnight) {
  const TimeZone ny = Zone("America/New_York");
  BOOST_TEST(ny.StartOfDay(2017, 1, 1) == 1483228800 + 5 * 3600);  // EST, UTC-5.
  BOOST_TEST(ny.StartOfDay(2017, 7, 1) == 1498867200 + 4 * 3600);  // EDT, UTC-4.
  BOOST_TEST(TimeZone().StartOfDay(2017, 1, 1) == 1483228800);
  // Where midnight does not exist (Havana springs forward at 00:00), the day begins at 01:00.
  const TimeZone havana = Zone("America/Havana");
  BOOST_TEST(havana.StartOfDay(2017, 3, 12) == 1489276800 + 5 * 3600);  // 01:00 CDT = 05:00Z
}

BOOST_AUTO_TEST_CASE(unknown_zones_are_refused_by_name) {
  TimeZone z;
  const Status st = TimeZone::Load("Mars/Olympus_Mons", &z);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("Mars/Olympus_Mons") != std::string::npos);
  BOOST_TEST(z.name() == "UTC");
}

}  // namespace
}  // namespace portal
