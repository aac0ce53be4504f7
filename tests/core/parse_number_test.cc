#define BOOST_TEST_MODULE parse_number_test
#include "core/parse_number.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

BOOST_AUTO_TEST_CASE(whole_decimal_strings_parse) {
  int64_t v = 0;
  BOOST_TEST(ParseInt64("0", &v));
  BOOST_TEST(v == 0);
  BOOST_TEST(ParseInt64("-42", &v));
  BOOST_TEST(v == -42);
  BOOST_TEST(ParseInt64("9223372036854775807", &v));
  BOOST_TEST(v == INT64_MAX);
  int i = 0;
  BOOST_TEST(ParseInt("65535", &i));
  BOOST_TEST(i == 65535);
}

BOOST_AUTO_TEST_CASE(anything_else_is_refused_and_leaves_the_value) {
  int64_t v = 7;
  for (const char* bad : {"", " 1", "1 ", "+1", "1x", "0x10", "9223372036854775808", "-", "1.5"}) {
    BOOST_TEST(!ParseInt64(bad, &v), bad);
    BOOST_TEST(v == 7);
  }
  int i = 7;
  BOOST_TEST(!ParseInt("2147483648", &i));
  BOOST_TEST(i == 7);
}

BOOST_AUTO_TEST_CASE(hex_parses_without_prefix) {
  uint64_t v = 0;
  BOOST_TEST(ParseHex64("ff", &v));
  BOOST_TEST(v == 255u);
  BOOST_TEST(ParseHex64("DEADbeef", &v));
  BOOST_TEST(v == 0xdeadbeefu);
  BOOST_TEST(!ParseHex64("0xff", &v));
  BOOST_TEST(!ParseHex64("-1", &v));
  BOOST_TEST(!ParseHex64("", &v));
}

}  // namespace
}  // namespace portal
