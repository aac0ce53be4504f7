#define BOOST_TEST_MODULE clock_test
#include "core/clock.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

BOOST_AUTO_TEST_CASE(a_fixed_clock_says_what_it_is_told) {
  FixedClock clock(1748779200);
  const Clock& c = clock;
  BOOST_TEST(c.Now() == 1748779200);
  clock.Advance(90);
  BOOST_TEST(c.Now() == 1748779290);
  clock.Set(5);
  BOOST_TEST(c.Now() == 5);
}

BOOST_AUTO_TEST_CASE(the_system_clock_is_after_this_code_was_written) {
  BOOST_TEST(SystemClock().Now() > 1764547200);  // 2025-12-01.
}

}  // namespace
}  // namespace portal
