#define BOOST_TEST_MODULE sha256_test
#include "core/sha256.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

// Test vectors from FIPS 180-2.
BOOST_AUTO_TEST_CASE(matches_published_vectors) {
  BOOST_TEST(Sha256Hex("abc") ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

BOOST_AUTO_TEST_CASE(random_hex_is_hex_of_the_asked_length_and_differs) {
  const std::string a = RandomHex(16);
  const std::string b = RandomHex(16);
  BOOST_TEST(a.size() == 32u);
  BOOST_TEST(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  BOOST_TEST(a != b);
}

}  // namespace
}  // namespace portal
