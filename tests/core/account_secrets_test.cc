#define BOOST_TEST_MODULE account_secrets_test
#include "core/account_secrets.h"

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>

#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// The pepper 00 01 02 ... 1f, mode 0600.
fs::path KnownPepper(const TempDir& dir) {
  std::string pepper;
  for (int i = 0; i < 32; ++i) pepper += static_cast<char>(i);
  const fs::path path = dir.path() / "accounts.pepper";
  testing::Spit(path, pepper);
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  return path;
}

mode_t ModeOf(const fs::path& path) {
  struct stat st;
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

BOOST_AUTO_TEST_CASE(ensure_makes_a_private_32_byte_pepper_once) {
  TempDir dir;
  const fs::path path = dir.path() / "accounts.pepper";
  BOOST_REQUIRE(EnsureAccountPepper(path).ok());
  const std::string first = testing::Slurp(path);
  BOOST_TEST(first.size() == 32u);
  BOOST_TEST(ModeOf(path) == 0600u);
  BOOST_REQUIRE(EnsureAccountPepper(path).ok());
  BOOST_TEST(testing::Slurp(path) == first);  // An existing pepper stays.
  BOOST_TEST(!fs::exists(path.string() + ".tmp"));
  TempDir other;
  BOOST_REQUIRE(EnsureAccountPepper(other.path() / "p").ok());
  BOOST_TEST(testing::Slurp(other.path() / "p") != first);  // Random, not a constant.
  AccountSecrets secrets;
  BOOST_TEST(AccountSecrets::Load(path, &secrets).ok());
}

BOOST_AUTO_TEST_CASE(load_refuses_a_missing_shared_or_damaged_pepper_naming_only_the_file) {
  TempDir dir;
  AccountSecrets secrets;
  Status st = AccountSecrets::Load(dir.path() / "absent", &secrets);
  BOOST_TEST((st.code() == Status::Code::kIoError));
  BOOST_TEST(st.message().find("absent") != std::string::npos, st.message());
  BOOST_TEST(st.message().find("portal-staff init") != std::string::npos, st.message());

  const fs::path shared = dir.path() / "shared";
  testing::Spit(shared, std::string(32, 'S'));
  for (fs::perms extra : {fs::perms::group_read, fs::perms::others_read}) {
    fs::permissions(shared, fs::perms::owner_read | fs::perms::owner_write | extra);
    st = AccountSecrets::Load(shared, &secrets);
    BOOST_TEST((st.code() == Status::Code::kIoError));
    BOOST_TEST(st.message().find("shared") != std::string::npos, st.message());
    BOOST_TEST(st.message().find("SSSS") == std::string::npos, st.message());
  }
  for (size_t size : {31u, 33u, 0u}) {
    const fs::path damaged = dir.path() / ("damaged" + std::to_string(size));
    testing::Spit(damaged, std::string(size, 'D'));
    fs::permissions(damaged, fs::perms::owner_read | fs::perms::owner_write);
    st = AccountSecrets::Load(damaged, &secrets);
    BOOST_TEST((st.code() == Status::Code::kIoError));
    BOOST_TEST(st.message().find("damaged") != std::string::npos, st.message());
    BOOST_TEST(st.message().find("DDDD") == std::string::npos, st.message());
  }
}

BOOST_AUTO_TEST_CASE(derived_values_match_hmac_sha256_worked_out_in_python) {
  // Expected values from Python's hmac/hashlib with the same pepper:
  //   key = HMAC-SHA256(pepper, "portal accounts v1 " + purpose); value = HMAC-SHA256(key, data)
  TempDir dir;
  AccountSecrets secrets;
  BOOST_REQUIRE(AccountSecrets::Load(KnownPepper(dir), &secrets).ok());
  BOOST_TEST(Hex(secrets.AuthVerifier(std::string(32, '\x11'))) ==
             "3276a9ff241f349a9d00974db982cdd55c206f4cacc456e8ea964694bbc6b2fe");
  BOOST_TEST(Hex(secrets.FakeSalt("jane.doe")) == "62b68b3648e9a54fda8b6013cbe22c81");
  BOOST_TEST(secrets.LogonKey("jane.doe") ==
             "3bbe14d24ce36429ebab112c27ef56d28de7a09edc6bb03d3f2907b64d86dea5");
  BOOST_TEST(secrets.MailedCodeHash("M000123", "12345678") ==
             "d308d0935bacc2eff64bbff792645b487e6376e9d9cd42f113d75ad3fd4c33d6");
}

BOOST_AUTO_TEST_CASE(each_purpose_and_each_input_gives_its_own_value) {
  TempDir dir;
  AccountSecrets secrets;
  BOOST_REQUIRE(AccountSecrets::Load(KnownPepper(dir), &secrets).ok());
  BOOST_TEST(secrets.AuthVerifier("x").size() == 32u);
  BOOST_TEST(secrets.FakeSalt("x").size() == 16u);
  BOOST_TEST(secrets.FakeSalt("x") == secrets.FakeSalt("x"));  // Asking twice tells nothing.
  BOOST_TEST(secrets.FakeSalt("x") != secrets.FakeSalt("y"));
  BOOST_TEST(secrets.LogonKey("x") != Hex(secrets.AuthVerifier("x")));
  BOOST_TEST(secrets.LogonKey("x") != secrets.LogonKey("y"));
  // The MRN and the code are separated: "M1" + "\n" + "23" is not "M12" + "\n" + "3".
  BOOST_TEST(secrets.MailedCodeHash("M1", "23") != secrets.MailedCodeHash("M12", "3"));
  // Another pepper, other values.
  TempDir other;
  BOOST_REQUIRE(EnsureAccountPepper(other.path() / "p").ok());
  AccountSecrets random;
  BOOST_REQUIRE(AccountSecrets::Load(other.path() / "p", &random).ok());
  BOOST_TEST(random.LogonKey("x") != secrets.LogonKey("x"));
}

BOOST_AUTO_TEST_CASE(constant_time_equals_compares_bytes_and_lengths) {
  BOOST_TEST(ConstantTimeEquals("", ""));
  BOOST_TEST(ConstantTimeEquals("abc", "abc"));
  BOOST_TEST(!ConstantTimeEquals("abc", "abd"));
  BOOST_TEST(!ConstantTimeEquals("abc", "abcd"));
  BOOST_TEST(!ConstantTimeEquals("", "a"));
  BOOST_TEST(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  BOOST_TEST(!ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace portal
