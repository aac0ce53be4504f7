#define BOOST_TEST_MODULE enrollment_registry_test
#include "core/enrollment_registry.h"

#include <boost/test/unit_test.hpp>

#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::Slurp;
using testing::TempDir;

const std::string kA(40, 'A');
const std::string kB(40, 'B');
const std::string kC(40, 'C');
constexpr int64_t kNow = 1795700000;    // 2026-11-26T13:33:20Z: what the registry is told.
constexpr int64_t kLater = 1795786400;  // A day later.

struct Fixture {
  TempDir dir;
  std::unique_ptr<EnrollmentRegistry> reg;
  Fixture() {
    BOOST_REQUIRE(
        EnrollmentRegistry::Open(dir.path() / "registry.sqlite", dir.path() / "keys", &reg).ok());
  }
  EnrolledKey Key(const std::string& fpr, int64_t expires = 0) {
    EnrolledKey k;
    k.fingerprint = fpr;
    k.expires = expires;
    return k;
  }
};

BOOST_FIXTURE_TEST_CASE(enrol_pins_the_key_and_gives_an_opaque_token, Fixture) {
  std::string token;
  BOOST_REQUIRE(
      reg->Enroll("M100", "pid-M100", Key(kA, 99), "key-a-bytes", false, kNow, &token).ok());
  BOOST_TEST(token.size() == 32u);
  BOOST_TEST(token.find("M100") == std::string::npos);
  BOOST_TEST(Slurp(dir.path() / "keys" / (kA + ".asc")) == "key-a-bytes");
  Enrollment e;
  bool found = false;
  BOOST_REQUIRE(reg->Find("M100", &e, &found).ok());
  BOOST_REQUIRE(found);
  BOOST_TEST(e.token == token);
  BOOST_REQUIRE_EQUAL(e.keys.size(), 1u);
  BOOST_TEST(e.keys[0].fingerprint == kA);
  BOOST_TEST((e.keys[0].role == EnrolledKey::Role::kPatient));
  BOOST_TEST(e.keys[0].expires == 99);
  BOOST_TEST(e.keys[0].added_at == kNow);
  BOOST_TEST(e.enrolled_at == kNow);
  BOOST_TEST(e.patient_id == "pid-M100");

  std::string again;
  Status st = reg->Enroll("M100", "pid-M100", Key(kB), "b", false, kNow, &again);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("already enrolled") != std::string::npos);

  // Another patient gets another token.
  std::string other;
  BOOST_REQUIRE(reg->Enroll("M200", "pid-M200", Key(kC), "c", false, kNow, &other).ok());
  BOOST_TEST(other != token);
}

BOOST_FIXTURE_TEST_CASE(replacing_the_key_keeps_the_token_and_drops_the_old_file, Fixture) {
  std::string token, same;
  BOOST_REQUIRE(reg->Enroll("M100", "pid-M100", Key(kA), "a", false, kNow, &token).ok());
  BOOST_REQUIRE(reg->Enroll("M100", "pid-M100", Key(kB), "b", true, kLater, &same).ok());
  BOOST_TEST(same == token);
  BOOST_TEST(!fs::exists(dir.path() / "keys" / (kA + ".asc")));
  Enrollment e;
  bool found = false;
  BOOST_REQUIRE(reg->Find("M100", &e, &found).ok());
  BOOST_REQUIRE_EQUAL(e.keys.size(), 1u);
  BOOST_TEST(e.keys[0].fingerprint == kB);
  BOOST_TEST(e.keys[0].added_at == kLater);  // The new key's pin, the first enrolment's date.
  BOOST_TEST(e.enrolled_at == kNow);
}

BOOST_FIXTURE_TEST_CASE(proxies_are_granted_revoked_and_shared_key_files_kept, Fixture) {
  std::string t1, t2;
  BOOST_TEST(!reg->GrantProxy("M100", Key(kC), "c", kNow).ok());  // Not enrolled yet.
  BOOST_REQUIRE(reg->Enroll("M100", "pid-M100", Key(kA), "a", false, kNow, &t1).ok());
  BOOST_REQUIRE(reg->Enroll("M200", "pid-M200", Key(kB), "b", false, kNow, &t2).ok());
  BOOST_REQUIRE(reg->GrantProxy("M100", Key(kC), "c", kLater).ok());
  BOOST_REQUIRE(reg->GrantProxy("M200", Key(kC), "c", kLater).ok());  // One adult, proxy for two.
  BOOST_TEST(!reg->GrantProxy("M100", Key(kC), "c", kNow).ok());      // Already pinned.
  BOOST_TEST(!reg->GrantProxy("M100", Key(kA), "a", kNow).ok());      // The patient's own key.
  std::vector<Enrollment> all;
  BOOST_REQUIRE(reg->All(&all).ok());
  BOOST_REQUIRE_EQUAL(all.size(), 2u);
  BOOST_TEST(all[0].token < all[1].token);
  for (const auto& e : all) {
    BOOST_REQUIRE_EQUAL(e.keys.size(), 2u);
    BOOST_TEST((e.keys[0].role == EnrolledKey::Role::kPatient));
    BOOST_TEST(e.keys[1].fingerprint == kC);
    BOOST_TEST(e.keys[0].added_at == kNow);
    BOOST_TEST(e.keys[1].added_at == kLater);
    BOOST_TEST(e.enrolled_at == kNow);
  }
  BOOST_REQUIRE(reg->RevokeProxy("M100", kC).ok());
  BOOST_TEST(fs::exists(dir.path() / "keys" / (kC + ".asc")));  // Still M200's proxy.
  BOOST_TEST(!reg->RevokeProxy("M100", kC).ok());
  BOOST_TEST(!reg->RevokeProxy("M100", kA).ok());  // The patient's key is not a proxy.
  BOOST_REQUIRE(reg->Unenroll("M200").ok());
  BOOST_TEST(!fs::exists(dir.path() / "keys" / (kC + ".asc")));
  BOOST_TEST(!fs::exists(dir.path() / "keys" / (kB + ".asc")));
  BOOST_TEST(fs::exists(dir.path() / "keys" / (kA + ".asc")));
  Enrollment e;
  bool found = true;
  BOOST_REQUIRE(reg->Find("M200", &e, &found).ok());
  BOOST_TEST(!found);
  BOOST_TEST(!reg->Unenroll("M200").ok());
}

BOOST_FIXTURE_TEST_CASE(fingerprints_must_be_hex_so_key_files_stay_in_their_folder, Fixture) {
  std::string token;
  Status st = reg->Enroll("M100", "pid-M100", Key("../../etc/passwd"), "x", false, kNow, &token);
  BOOST_TEST(!st.ok());
  BOOST_TEST(!fs::exists(dir.path() / "etc"));
  Enrollment e;
  bool found = true;
  BOOST_REQUIRE(reg->Find("M100", &e, &found).ok());
  BOOST_TEST(!found);  // The failed enrolment left nothing behind.
}

BOOST_FIXTURE_TEST_CASE(settings_round_trip, Fixture) {
  std::string v;
  bool found = true;
  BOOST_REQUIRE(reg->GetSetting("signing_fingerprint", &v, &found).ok());
  BOOST_TEST(!found);
  BOOST_REQUIRE(reg->SetSetting("signing_fingerprint", kA).ok());
  BOOST_REQUIRE(reg->SetSetting("signing_fingerprint", kB).ok());
  BOOST_REQUIRE(reg->GetSetting("signing_fingerprint", &v, &found).ok());
  BOOST_TEST(found);
  BOOST_TEST(v == kB);
}

BOOST_FIXTURE_TEST_CASE(staff_keys_are_pinned_listed_and_removed, Fixture) {
  BOOST_REQUIRE(reg->AddStaffKey({kB, "rjones", 0, 0}, "staff-b-bytes", kNow).ok());
  BOOST_REQUIRE(reg->AddStaffKey({kA, "amiller", 77, 0}, "staff-a-bytes", kLater).ok());
  BOOST_TEST(!reg->AddStaffKey({kA, "amiller", 77, 0}, "again", kNow).ok());
  BOOST_TEST(!reg->AddStaffKey({"../x", "amiller", 0, 0}, "bytes", kNow).ok());
  std::vector<StaffKey> staff;
  BOOST_REQUIRE(reg->StaffKeys(&staff).ok());
  BOOST_REQUIRE(staff.size() == 2u);
  BOOST_TEST(staff[0].user == "amiller");
  BOOST_TEST(staff[0].fingerprint == kA);
  BOOST_TEST(staff[0].expires == 77);
  BOOST_TEST(staff[0].added_at == kLater);
  BOOST_TEST(staff[1].added_at == kNow);
  BOOST_TEST(staff[1].user == "rjones");
  BOOST_TEST(Slurp(dir.path() / "keys" / (kB + ".asc")) == "staff-b-bytes");
  BOOST_REQUIRE(reg->RemoveStaffKey(kB).ok());
  BOOST_TEST(!fs::exists(dir.path() / "keys" / (kB + ".asc")));
  BOOST_TEST(!reg->RemoveStaffKey(kB).ok());
  BOOST_REQUIRE(reg->StaffKeys(&staff).ok());
  BOOST_TEST(staff.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_key_file_shared_by_a_patient_and_staff_stays_until_both_unpin, Fixture) {
  std::string token;
  BOOST_REQUIRE(reg->Enroll("M100", "pid", Key(kC), "key-c-bytes", false, kNow, &token).ok());
  BOOST_REQUIRE(reg->AddStaffKey({kC, "amiller", 0, 0}, "key-c-bytes", kNow).ok());
  BOOST_REQUIRE(reg->Unenroll("M100").ok());
  BOOST_TEST(fs::exists(dir.path() / "keys" / (kC + ".asc")));
  BOOST_REQUIRE(reg->RemoveStaffKey(kC).ok());
  BOOST_TEST(!fs::exists(dir.path() / "keys" / (kC + ".asc")));
}

BOOST_FIXTURE_TEST_CASE(a_notice_address_is_kept_per_enrolment, Fixture) {
  std::string token;
  BOOST_REQUIRE(reg->Enroll("M100", "pid", Key(kA), "key", false, kNow, &token).ok());
  Enrollment e;
  bool found = false;
  BOOST_REQUIRE(reg->Find("M100", &e, &found).ok());
  BOOST_TEST(e.email.empty());
  BOOST_REQUIRE(reg->SetEmail("M100", "patient@example.org").ok());
  BOOST_REQUIRE(reg->Find("M100", &e, &found).ok());
  BOOST_TEST(e.email == "patient@example.org");
  BOOST_TEST(!reg->SetEmail("M999", "x@example.org").ok());
}

}  // namespace
}  // namespace portal
