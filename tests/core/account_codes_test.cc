#define BOOST_TEST_MODULE account_codes_test
#include "core/account_codes.h"

#include <array>
#include <regex>
#include <set>

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

std::string Normalized(std::string_view typed) {
  std::string out = "untouched";
  return NormalizeActivationCode(typed, &out) ? out : "refused:" + out;
}

BOOST_AUTO_TEST_CASE(typed_codes_are_read_as_crockford_base32) {
  BOOST_TEST(Normalized("K7M2Q-8XW4T-R9D3B") == "K7M2Q8XW4TR9D3B");
  BOOST_TEST(Normalized("k7m2q8xw4tr9d3b") == "K7M2Q8XW4TR9D3B");
  BOOST_TEST(Normalized(" K7M2Q 8XW4T  R9D3B ") == "K7M2Q8XW4TR9D3B");
  BOOST_TEST(Normalized("K7M2Q--8XW4T-R9D3B-") == "K7M2Q8XW4TR9D3B");
  // O is read as 0, I and L as 1, in either case.
  BOOST_TEST(Normalized("OoIiL-lOOOO-00000") == "001111000000000");
  BOOST_TEST(Normalized("ABCDE-FGHJK-MNPQR") == "ABCDEFGHJKMNPQR");
  BOOST_TEST(Normalized("STVWX-YZ012-34567") == "STVWXYZ01234567");
}

BOOST_AUTO_TEST_CASE(wrong_symbols_or_lengths_are_refused_and_leave_out_alone) {
  for (const char* bad : {
           "K7M2Q-8XW4T-R9D3U",   // U is not a Crockford symbol.
           "K7M2Q-8XW4T-R9D3",    // 14 symbols.
           "K7M2Q-8XW4T-R9D3BB",  // 16.
           "", "-----", "K7M2Q_8XW4T_R9D3B", "K7M2Q.8XW4T.R9D3B", "K7M2Q-8XW4T-R9D3*",
           "K7M2Q-8XW4T-R9D3\xc3\xa9",  // Not ASCII.
       }) {
    BOOST_TEST(Normalized(bad) == "refused:untouched", bad);
  }
}

BOOST_AUTO_TEST_CASE(the_stored_hash_is_sha256_of_a_prefix_and_the_code) {
  // Expected: python3 hashlib.sha256(b"portal activation code v1\n" + code).hexdigest().
  BOOST_TEST(ActivationCodeHash("K7M2Q8XW4TR9D3B") ==
             "0d6390cc45d14f164c500f834c73ca0de48a22a76244776250996388e7f8f96b");
  BOOST_TEST(ActivationCodeHash("000000000000000") ==
             "ee4dfc70f67ee875ad827ab93f57b1cfce30f43ebc82afb8480e5470ba6a001a");
}

BOOST_AUTO_TEST_CASE(codes_are_grouped_in_fives) {
  BOOST_TEST(GroupActivationCode("K7M2Q8XW4TR9D3B") == "K7M2Q-8XW4T-R9D3B");
}

BOOST_AUTO_TEST_CASE(new_activation_codes_are_grouped_distinct_and_from_the_alphabet) {
  static const std::regex kForm(
      "[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}");
  std::set<std::string> seen;
  std::set<char> symbols;
  for (int i = 0; i < 1000; ++i) {
    const std::string code = NewActivationCode();
    BOOST_REQUIRE_MESSAGE(std::regex_match(code, kForm), code);
    std::string normalized;
    BOOST_REQUIRE(NormalizeActivationCode(code, &normalized));
    BOOST_TEST(GroupActivationCode(normalized) == code);
    seen.insert(code);
    symbols.insert(normalized.begin(), normalized.end());
  }
  BOOST_TEST(seen.size() == 1000u);
  // 15000 draws from 32 symbols: every one turns up (missing one has odds below 1e-200).
  BOOST_TEST(symbols.size() == 32u);
}

BOOST_AUTO_TEST_CASE(new_mailed_codes_are_eight_digits_roughly_uniform) {
  std::array<int, 10> counts{};
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string code = NewMailedCode();
    BOOST_REQUIRE_MESSAGE(IsMailedCode(code), code);
    seen.insert(code);
    for (char c : code) ++counts[c - '0'];
  }
  // 10^8 codes: 1000 draws repeat one with odds of about 0.5%; allow a few.
  BOOST_TEST(seen.size() >= 995u);
  // 8000 digits, 800 expected each (standard deviation about 27): a loose bound that a biased
  // or constant digit fails and chance never does.
  for (int d = 0; d < 10; ++d) {
    BOOST_TEST(counts[d] > 600, "digit " << d << ": " << counts[d]);
    BOOST_TEST(counts[d] < 1000, "digit " << d << ": " << counts[d]);
  }
}

BOOST_AUTO_TEST_CASE(mailed_codes_are_exactly_eight_ascii_digits) {
  BOOST_TEST(IsMailedCode("00000000"));
  BOOST_TEST(IsMailedCode("12345678"));
  for (const char* bad : {"1234567", "123456789", "", "1234 5678", "1234-567", "abcdefgh",
                          "1234567a", "\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4"}) {
    BOOST_TEST(!IsMailedCode(bad), bad);
  }
}

}  // namespace
}  // namespace portal
