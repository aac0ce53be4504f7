#define BOOST_TEST_MODULE base64_test
#include "core/base64.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

// RFC 4648 section 10 test vectors.
BOOST_AUTO_TEST_CASE(rfc4648_vectors_round_trip) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    BOOST_TEST(Base64Encode(plain) == encoded);
    std::string back;
    BOOST_TEST(Base64Decode(encoded, &back), encoded);
    BOOST_TEST(back == plain);
  }
}

BOOST_AUTO_TEST_CASE(binary_bytes_survive) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string back;
  BOOST_REQUIRE(Base64Decode(Base64Encode(all), &back));
  BOOST_TEST(back == all);
}

BOOST_AUTO_TEST_CASE(non_canonical_text_is_refused) {
  std::string out;
  for (const char* bad : {"Zg", "Zg=", "Z===", "Zm9v\n", "Zm 9", "Zm9v!A==", "=Zm9", "Zg==Zg=="}) {
    BOOST_TEST(!Base64Decode(bad, &out), bad);
  }
}

}  // namespace
}  // namespace portal
