#define BOOST_TEST_MODULE request_verifier_test
#include "mailbox/common/request_verifier.h"

#include <boost/test/unit_test.hpp>

#include "tests/test_keys.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::Slurp;
using testing::TempDir;
using testing::TestKeys;

constexpr int64_t kEnrolledAt = 1'700'000'000;  // When the registry is told enrolments happen.

// A registry with one patient (and later a proxy), keys made at run time.
struct Fixture {
  TempDir dir;
  TestKeys keys;
  fs::path patient_home = keys.Home("patient");
  std::string patient_fpr = keys.GenerateEncryptionKey(patient_home, "Patient <p@example.org>");
  fs::path proxy_home = keys.Home("proxy");
  std::string proxy_fpr = keys.GenerateEncryptionKey(proxy_home, "Proxy <x@example.org>");
  fs::path stranger_home = keys.Home("stranger");
  std::string stranger_fpr = keys.GenerateEncryptionKey(stranger_home, "S <s@example.org>");
  std::unique_ptr<EnrollmentRegistry> reg;
  fs::path verify_dir = dir.path() / "verify";

  Fixture() {
    fs::create_directories(verify_dir);
    BOOST_REQUIRE(
        EnrollmentRegistry::Open(dir.path() / "registry.sqlite", dir.path() / "keys", &reg).ok());
    std::string token;
    BOOST_REQUIRE(reg->Enroll("M100", "p1", Key(patient_fpr),
                              Slurp(keys.Export(patient_home, patient_fpr, "patient.asc")), false,
                              kEnrolledAt, &token)
                      .ok());
  }
  static EnrolledKey Key(const std::string& fpr) {
    EnrolledKey k;
    k.fingerprint = fpr;
    return k;
  }
  Enrollment Current() {
    Enrollment e;
    bool found = false;
    BOOST_REQUIRE(reg->Find("M100", &e, &found).ok() && found);
    return e;
  }
  bool Check(RequestVerifier& v, const std::string& data, const std::string& sig,
             std::string* fpr) {
    bool good = false;
    const Status st = v.Verify(*reg, Current(), data, sig, &good, fpr);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    return good;
  }
  size_t Homes() {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(verify_dir)) ++n;
    return n;
  }
};

BOOST_FIXTURE_TEST_CASE(only_a_pinned_key_over_the_exact_bytes_is_good, Fixture) {
  RequestVerifier v(verify_dir);
  const std::string body = R"({"version":1,"mrn":"M100"})";
  std::string fpr;
  BOOST_TEST(Check(v, body, keys.SignDetached(patient_home, patient_fpr, body), &fpr));
  BOOST_TEST(fpr == patient_fpr);
  // One byte changed, a stranger's key, garbage, nothing: all refused.
  BOOST_TEST(!Check(v, body + " ", keys.SignDetached(patient_home, patient_fpr, body), &fpr));
  BOOST_TEST(fpr.empty());
  BOOST_TEST(!Check(v, body, keys.SignDetached(stranger_home, stranger_fpr, body), &fpr));
  BOOST_TEST(!Check(v, body, "not a signature at all", &fpr));
  BOOST_TEST(!Check(v, body, "", &fpr));
  BOOST_TEST(Homes() == 1u);  // Built once, reused.
  BOOST_TEST(fs::is_directory(verify_dir / RequestVerifier::HomeName(Current())));
}

BOOST_FIXTURE_TEST_CASE(a_new_key_set_gets_a_new_home_and_the_old_one_goes, Fixture) {
  RequestVerifier v(verify_dir);
  const std::string body = "request";
  const std::string by_proxy = keys.SignDetached(proxy_home, proxy_fpr, body);
  std::string fpr;
  BOOST_TEST(!Check(v, body, by_proxy, &fpr));
  const std::string old_home = RequestVerifier::HomeName(Current());
  BOOST_REQUIRE(reg->GrantProxy("M100", Key(proxy_fpr),
                                Slurp(keys.Export(proxy_home, proxy_fpr, "x.asc")), kEnrolledAt)
                    .ok());
  BOOST_TEST(RequestVerifier::HomeName(Current()) != old_home);
  BOOST_TEST(Check(v, body, by_proxy, &fpr));
  BOOST_TEST(fpr == proxy_fpr);
  BOOST_TEST(Homes() == 1u);
  BOOST_TEST(!fs::exists(verify_dir / old_home));
  // Revoked again: the proxy's signature stops counting at once.
  BOOST_REQUIRE(reg->RevokeProxy("M100", proxy_fpr).ok());
  BOOST_TEST(!Check(v, body, by_proxy, &fpr));
  BOOST_TEST(Check(v, body, keys.SignDetached(patient_home, patient_fpr, body), &fpr));
}

BOOST_FIXTURE_TEST_CASE(leftovers_go_and_current_homes_stay, Fixture) {
  RequestVerifier v(verify_dir);
  std::string fpr;
  BOOST_TEST(Check(v, "x", keys.SignDetached(patient_home, patient_fpr, "x"), &fpr));
  const Enrollment alive = Current();
  fs::create_directories(verify_dir / ".building-0123abcd" / "private-keys-v1.d");
  // A home of a patient unenrolled since.
  fs::create_directories(verify_dir / (std::string(32, 'f') + "-0123456789abcdef"));
  v.RemoveLeftovers({alive});
  BOOST_TEST(!fs::exists(verify_dir / ".building-0123abcd"));
  BOOST_TEST(!fs::exists(verify_dir / (std::string(32, 'f') + "-0123456789abcdef")));
  BOOST_TEST(fs::is_directory(verify_dir / RequestVerifier::HomeName(alive)));
  BOOST_TEST(Homes() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_revoked_key_no_longer_signs, Fixture) {
  RequestVerifier v(verify_dir);
  const std::string body = "request";
  const std::string sig = keys.SignDetached(patient_home, patient_fpr, body);
  keys.Revoke(patient_home, patient_fpr);
  // Staff pin the revoked key's new copy (a patient who revoked re-enrols with it replaced).
  std::string token;
  BOOST_REQUIRE(reg->Unenroll("M100").ok());
  BOOST_REQUIRE(reg->Enroll("M100", "p1", Key(patient_fpr),
                            Slurp(keys.Export(patient_home, patient_fpr, "revoked.asc")), false,
                            kEnrolledAt, &token)
                    .ok());
  std::string fpr;
  BOOST_TEST(!Check(v, body, sig, &fpr));
}

}  // namespace
}  // namespace portal
