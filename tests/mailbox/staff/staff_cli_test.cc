#define BOOST_TEST_MODULE staff_cli_test
#include <sys/stat.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <regex>

#include "tests/portal_fixture.h"
#include "tests/test_checks.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::FakePatient;
using testing::PatientLine;
using testing::PortalFixture;
using testing::Slurp;
using testing::Spit;

// Invented people, with names unusual enough that finding one in output cannot be chance.
// Today is 2026-11-26: 1970 births are adults, 2016 births are minors.
FakePatient Patient(const std::string& mrn, const std::string& given, const std::string& family,
                    const std::string& birth_date) {
  return {"pat-" + mrn, mrn, given, family, birth_date};
}
const FakePatient kAdult = Patient("M100001", "Annika", "Lindqvist", "1970-05-05");
const FakePatient kMinor = Patient("M100002", "Bartholomew", "Okonkwo", "2016-03-03");
const FakePatient kDeceased = [] {
  FakePatient p = Patient("M100003", "Cordelia", "Whitfield", "1970-05-05");
  p.deceased = true;
  return p;
}();
const FakePatient kEmancipated = [] {
  FakePatient p = Patient("M100004", "Desmond", "Farraday", "2016-03-03");
  p.emancipated = true;
  return p;
}();
const std::string kUnknownMrn = "M999999";
const std::string kError = "portal-staff: error: ";
const std::string kDownload =
    R"(https://www\.backushospital\.org/portal-help/patients/([0-9a-f]{32})/summary\.html\.pgp)";

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// `portal-staff init`, then the patients ingested with portal-gen.
void InitWithPatients(const PortalFixture& f, const std::vector<FakePatient>& patients) {
  f.Init();
  std::vector<std::string> lines;
  for (const auto& p : patients) lines.push_back(PatientLine(p));
  f.WriteExtract("patients.ndjson", lines);
  auto r = f.Gen({"ingest", f.extracts.string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
}

CommandResult Enroll(const PortalFixture& f, const std::string& mrn, const fs::path& key,
                     bool replace = false) {
  std::vector<std::string> args = {"enroll", "--mrn", mrn, "--key", key.string()};
  if (replace) args.push_back("--replace-key");
  return f.Staff(args);
}

CommandResult Grant(const PortalFixture& f, const std::string& mrn, const fs::path& key) {
  return f.Staff({"proxy", "grant", "--mrn", mrn, "--key", key.string()});
}

fs::path PinnedKey(const PortalFixture& f, const std::string& fingerprint) {
  return f.var / "keys" / (fingerprint + ".asc");
}

// The one-line error of a failed command: exit code, prefix, and `phrase` in it.
void ExpectError(const CommandResult& r, int exit_code, const std::string& phrase) {
  BOOST_TEST(r.exit_code == exit_code, r.out);
  BOOST_TEST(r.out.starts_with(kError), r.out);
  BOOST_TEST(std::count(r.out.begin(), r.out.end(), '\n') == 1, r.out);
  BOOST_TEST(Has(r.out, phrase), "'" << phrase << "' not in: " << r.out);
}

// The download token in an enrol command's output ("" if none).
std::string Token(const std::string& out) {
  std::smatch m;
  return std::regex_search(out, m, std::regex(kDownload)) ? m[1].str() : "";
}

BOOST_AUTO_TEST_CASE(init_is_idempotent_and_keeps_state_private) {
  PortalFixture f;
  const auto person = f.NewPerson("annika_lindqvist");
  ExpectError(Enroll(f, kAdult.mrn, person.key_file), 1, "portal-staff init");

  const std::regex signing("signing key: ([0-9A-F]{40})\n");
  std::smatch first, second;
  const auto r1 = f.Staff({"init"});
  BOOST_TEST(r1.exit_code == 0, r1.out);
  BOOST_TEST(Has(r1.out, "created signing key: "), r1.out);
  BOOST_REQUIRE_MESSAGE(std::regex_search(r1.out, first, signing), r1.out);
  const auto r2 = f.Staff({"init"});
  BOOST_TEST(r2.exit_code == 0, r2.out);
  BOOST_TEST(Has(r2.out, "existing signing key: "), r2.out);
  BOOST_REQUIRE_MESSAGE(std::regex_search(r2.out, second, signing), r2.out);
  BOOST_TEST(first[1].str() == second[1].str());
  BOOST_TEST(first[1].str() == f.PortalFingerprint());
  // The mailbox's service key: its own home and key, made once.
  const std::regex service("(created|existing) mailbox service key: ([0-9A-F]{40})\n");
  std::smatch m1, m2;
  BOOST_REQUIRE_MESSAGE(std::regex_search(r1.out, m1, service), r1.out);
  BOOST_REQUIRE_MESSAGE(std::regex_search(r2.out, m2, service), r2.out);
  BOOST_TEST(m1[1].str() == "created");
  BOOST_TEST(m2[1].str() == "existing");
  BOOST_TEST(m1[2].str() == m2[2].str());
  BOOST_TEST(m1[2].str() != first[1].str());
  BOOST_TEST(Slurp(f.var / "mailbox-service-key.asc").starts_with("-----BEGIN PGP PUBLIC KEY"));

  for (const fs::path& dir :
       {f.var, f.var / "keys", f.var / "gnupg" / "portal", f.var / "gnupg" / "inspect",
        f.var / "gnupg" / "mailbox", f.var / "gnupg" / "verify"}) {
    BOOST_TEST(::portal::testing::FileMode(dir) == 0700u, dir);
  }
  const std::string published = Slurp(f.var / "portal-signing-key.asc");
  BOOST_TEST(published.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"), published);
  BOOST_TEST(!Has(published, "PRIVATE"));
}

BOOST_AUTO_TEST_CASE(enroll_pins_the_key_and_prints_an_opaque_address) {
  PortalFixture f;
  InitWithPatients(f, {kAdult});
  const auto first = f.NewPerson("annika_lindqvist");
  const auto second = f.NewPerson("annika_lindqvist_new_phone");

  auto r = Enroll(f, kAdult.mrn, first.key_file);
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(Has(r.out, "patient enrolled\n"), r.out);
  BOOST_TEST(Has(r.out, "patient key pinned: " + first.fingerprint + " (does not expire)"), r.out);
  const std::string token = Token(r.out);
  BOOST_TEST(token.size() == 32u, r.out);
  BOOST_TEST(!Has(token, "100001"), token);  // The MRN's digits.
  BOOST_TEST(Slurp(PinnedKey(f, first.fingerprint)) == Slurp(first.key_file));

  ExpectError(Enroll(f, kAdult.mrn, first.key_file), 1, "already enrolled");
  ExpectError(Enroll(f, kAdult.mrn, second.key_file), 1, "already enrolled");

  r = Enroll(f, kAdult.mrn, second.key_file, /*replace=*/true);
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(Has(r.out, "patient key replaced\n"), r.out);
  BOOST_TEST(Has(r.out, "patient key pinned: " + second.fingerprint), r.out);
  BOOST_TEST(Token(r.out) == token, r.out);
  BOOST_TEST(Slurp(PinnedKey(f, second.fingerprint)) == Slurp(second.key_file));
  BOOST_TEST(!fs::exists(PinnedKey(f, first.fingerprint)));
}

// Every refusal exits 1 (2 for a malformed MRN) with one line that names the problem but not
// the patient (MRN, names) nor the key file, and stores nothing.
BOOST_AUTO_TEST_CASE(refusals_store_nothing_and_echo_no_phi) {
  PortalFixture f;
  InitWithPatients(f, {kAdult, kMinor, kDeceased, kEmancipated});
  auto& keys = f.keys;

  // Keys offered for the adult, each unusable in its own way, in its own home.
  const auto expired_home = keys.Home("annika_lindqvist_expired");
  const std::string expired =
      keys.Generate(expired_home, "Annika Lindqvist <annika.old@test.invalid>", "default",
                    "default", "1d", "20200101T000000");
  const auto revoked_home = keys.Home("annika_lindqvist_revoked");
  const std::string revoked =
      keys.GenerateEncryptionKey(revoked_home, "Annika Lindqvist <annika.rev@test.invalid>");
  keys.Revoke(revoked_home, revoked);
  const auto sign_home = keys.Home("annika_lindqvist_sign");
  const std::string sign_only =
      keys.Generate(sign_home, "Annika Lindqvist <annika.sign@test.invalid>", "ed25519", "sign");
  const auto adult = f.NewPerson("annika_lindqvist");
  const auto other = f.NewPerson("annika_lindqvist_other");
  const fs::path two_keys = keys.dir() / "annika_lindqvist_two.asc";
  Spit(two_keys, Slurp(adult.key_file) + Slurp(other.key_file));
  const fs::path garbage = keys.dir() / "annika_lindqvist_garbage.asc";
  Spit(garbage, "Annika's key, as she typed it\n");

  const auto proxy = f.NewPerson("proxy_quentin_marlowe");

  struct Refusal {
    FakePatient patient;
    fs::path key;
    int exit_code;
    std::string phrase;
  };
  FakePatient unknown = kAdult;
  unknown.mrn = kUnknownMrn;
  FakePatient malformed = kAdult;
  malformed.mrn = "M12";
  const std::vector<Refusal> refusals = {
      {unknown, adult.key_file, 1, "no patient"},
      {malformed, adult.key_file, 2, "MRN format"},
      {kMinor, f.NewPerson("bartholomew_okonkwo").key_file, 1, "minor"},
      {kDeceased, f.NewPerson("cordelia_whitfield").key_file, 1, "deceased"},
      {kAdult, keys.Export(expired_home, expired, "annika_lindqvist_expired.asc"), 1, "expired"},
      {kAdult, keys.Export(revoked_home, revoked, "annika_lindqvist_revoked.asc"), 1, "revoked"},
      {kAdult, keys.Export(sign_home, sign_only, "annika_lindqvist_sign.asc"), 1, "cannot encrypt"},
      {kAdult, keys.Export(adult.home, adult.fingerprint, "annika_lindqvist_secret.asc", true), 1,
       "PRIVATE"},
      {kAdult, two_keys, 1, "2 keys"},
      {kAdult, garbage, 1, "no OpenPGP key"},
  };
  for (const auto& c : refusals) {
    BOOST_TEST_CONTEXT(c.phrase) {
      const auto r = Enroll(f, c.patient.mrn, c.key);
      ExpectError(r, c.exit_code, c.phrase);
      for (const std::string& phi : {c.patient.mrn, c.patient.given, c.patient.family,
                                     c.key.filename().string(), c.key.stem().string()}) {
        BOOST_TEST(!Has(r.out, phi), "'" << phi << "' in: " << r.out);
      }
      BOOST_TEST(fs::is_empty(f.var / "keys"));
      if (c.exit_code == 1) ExpectError(Grant(f, c.patient.mrn, proxy.key_file), 1, "not enrolled");
      BOOST_TEST(fs::is_empty(f.var / "keys"));
    }
  }

  // The same adult with a good key, and an emancipated minor, are accepted.
  auto r = Enroll(f, kAdult.mrn, adult.key_file);
  BOOST_TEST(r.exit_code == 0, r.out);
  const auto desmond = f.NewPerson("desmond_farraday");
  r = Enroll(f, kEmancipated.mrn, desmond.key_file);
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(Has(r.out, "patient key pinned: " + desmond.fingerprint), r.out);
  BOOST_TEST(fs::exists(PinnedKey(f, desmond.fingerprint)));
}

BOOST_AUTO_TEST_CASE(proxy_grant_revoke_and_unenroll) {
  PortalFixture f;
  InitWithPatients(f, {kAdult});
  const auto patient = f.NewPerson("annika_lindqvist");
  const auto proxy = f.NewPerson("proxy_quentin_marlowe");
  f.Enroll(kAdult.mrn, patient);

  auto r = Grant(f, kAdult.mrn, proxy.key_file);
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(Has(r.out, "proxy access granted\n"), r.out);
  BOOST_TEST(Has(r.out, "proxy key pinned: " + proxy.fingerprint), r.out);
  BOOST_TEST(Slurp(PinnedKey(f, proxy.fingerprint)) == Slurp(proxy.key_file));
  ExpectError(Grant(f, kAdult.mrn, proxy.key_file), 1, "already pinned");
  ExpectError(Grant(f, kAdult.mrn, patient.key_file), 1, "already pinned");

  const std::vector<std::string> revoke = {"proxy",    "revoke",        "--mrn",
                                           kAdult.mrn, "--fingerprint", proxy.fingerprint};
  r = f.Staff(revoke);
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(Has(r.out, "proxy access revoked: " + proxy.fingerprint), r.out);
  BOOST_TEST(!fs::exists(PinnedKey(f, proxy.fingerprint)));
  BOOST_TEST(fs::exists(PinnedKey(f, patient.fingerprint)));
  ExpectError(f.Staff(revoke), 1, "no proxy");
  // The patient's own key is not a proxy's.
  ExpectError(
      f.Staff({"proxy", "revoke", "--mrn", kAdult.mrn, "--fingerprint", patient.fingerprint}), 1,
      "no proxy");
  BOOST_TEST(fs::exists(PinnedKey(f, patient.fingerprint)));

  // Unenrolment removes the patient's key and any proxy's.
  BOOST_TEST(Grant(f, kAdult.mrn, proxy.key_file).exit_code == 0);
  r = f.Staff({"unenroll", "--mrn", kAdult.mrn});
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(Has(r.out, "patient unenrolled"), r.out);
  BOOST_TEST(!fs::exists(PinnedKey(f, patient.fingerprint)));
  BOOST_TEST(!fs::exists(PinnedKey(f, proxy.fingerprint)));
  BOOST_TEST(fs::is_empty(f.var / "keys"));
  ExpectError(f.Staff({"unenroll", "--mrn", kAdult.mrn}), 1, "not enrolled");
}

BOOST_AUTO_TEST_CASE(config_before_the_subcommand_is_honoured_by_every_command) {
  PortalFixture f;
  f.Init();
  const std::string bin = (testing::BinaryDir() / "bin" / "portal-staff").string();
  for (const std::vector<std::string>& tail :
       std::vector<std::vector<std::string>>{{"staff", "list", "--json"},
                                             {"queue", "list", "--json"},
                                             {"audit", "verify", "--json"}}) {
    std::vector<std::string> args = {bin, "--config", f.config.string()};
    args.insert(args.end(), tail.begin(), tail.end());
    const auto r = testing::RunCommand(args);
    BOOST_TEST(r.exit_code == 0, tail[0] << ": " << r.out);
  }
}

}  // namespace
}  // namespace portal
