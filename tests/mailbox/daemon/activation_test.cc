#define BOOST_TEST_MODULE activation_test
// The signed account endpoints against the real daemon: activations (staff and e-mailed codes),
// the key checks, key resets, key-blob, proxy-links and GET /v1/me. portal-gen writes the patient
// directory, gpg makes the keys, the test client (tests/account_client.h) does what the app
// does. Invented people only.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "core/account_codes.h"
#include "core/account_secrets.h"
#include "core/account_store.h"
#include "core/base64.h"
#include "core/enrollment_registry.h"
#include "core/patient_directory.h"
#include "core/sqlite_db.h"
#include "tests/account_client.h"
#include "tests/mailbox_fixture.h"
#include "tests/test_checks.h"

namespace portal::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Edits = std::vector<std::pair<std::string, std::string>>;

// The wire format's one answer for any wrong detail of a code (docs/architecture.md).
constexpr char kNoMatch[] =
    "the code, MRN or date of birth does not match, or the code has expired or was used";
constexpr char kHospital[] = "Backus Hospital";  // content/portal.toml, written out.
constexpr char kHelpLine[] = "860 823-6363";

// Beyond MailboxFixture's two enrolled patients (kMrnA born 1970-05-05).
const FakePatient kOttoline{"pat-ot", "M200001", "Ottoline", "Vaskebrekke", "1961-03-14"};
const FakePatient kThaddeus{"pat-th", "M200002", "Thaddeus", "Ombrevielle", "1979-11-02"};
const FakePatient kMinor{"pat-mi", "M200003", "Wilhelmina", "Dravendorff", "2016-06-30"};
const FakePatient kPartial{"pat-pa", "M200004", "Evander", "Quarrington", "1975"};
constexpr int64_t kLongAgo = 1577836800;          // 2020-01-01T00:00:00Z.
constexpr int64_t kFarFuture = 4102444800;        // 2100-01-01T00:00:00Z.
const std::string kMrnA = MailboxFixture::kMrnA;  // Annika, enrolled at the desk (alice's key).
constexpr char kAliceBirthDate[] = "1970-05-05";

json Json(const HttpResult& r) { return json::parse(r.body, nullptr, /*allow_exceptions=*/false); }

// An armored block the server keeps without reading (the client's encrypted key).
const std::string kOpaqueBlob =
    "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nbm90IHJlYWQgYnkgdGhlIHNlcnZlcg==\n"
    "-----END PGP PRIVATE KEY BLOCK-----\n";

ActivationFields Fields(const std::string& code, std::optional<std::string> mrn,
                        const std::string& birth_date, const std::string& logon_id) {
  ActivationFields f;
  f.code = code;
  f.mrn = std::move(mrn);
  f.birth_date = birth_date;
  f.logon_id = logon_id;
  return f;
}

// The portal with the invented patients ingested, the directory built by a nightly run and the
// daemon up; request limits out of the way (every request comes from 127.0.0.1).
class ActivationFixture : public MailboxFixture {
 public:
  explicit ActivationFixture(const Edits& extra = {}) : MailboxFixture(WithLimits(extra)) {
    WriteExtract("accounts.ndjson", {PatientLine(kOttoline), PatientLine(kThaddeus),
                                     PatientLine(kMinor), PatientLine(kPartial)});
    auto r = Gen({"ingest", extracts.string()});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    r = Gen({"nightly"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    BOOST_REQUIRE_MESSAGE(fs::exists(var / "directory.sqlite"),
                          "the nightly run wrote no directory");
    REQUIRE_OK(AccountSecrets::Load(var / "accounts.pepper", &secrets));
    fs::create_directory(clients);
    StartDaemon();
    for (const FakePatient* p : {&kOttoline, &kThaddeus, &kMinor, &kPartial}) {
      Sealed(p->mrn);
      Sealed(p->given);
      Sealed(p->family);
    }
    for (const char* s : {kMrnA, kMrnB, "Annika", "Lindqvist", "Percival", "Quenneville"}) {
      Sealed(s);
    }
    for (const Person* p : {&alice, &bob, &stranger}) Sealed(p->fingerprint);
  }

  static Edits WithLimits(Edits edits) {
    edits.insert(edits.begin(), {{"per_address_per_minute = 120", "per_address_per_minute = 99999"},
                                 {"per_address_burst = 60", "per_address_burst = 99999"},
                                 {"per_key_per_minute = 20", "per_key_per_minute = 99999"},
                                 {"per_key_burst = 10", "per_key_burst = 99999"}});
    return edits;
  }

  uint16_t port() const { return daemon->port(); }

  // The registry and account store, opened for one use beside the running daemon (WAL).
  void WithStore(const std::function<void(EnrollmentRegistry&, AccountStore&)>& f) {
    std::unique_ptr<EnrollmentRegistry> registry;
    REQUIRE_OK(EnrollmentRegistry::Open(var / "registry.sqlite", var / "keys", &registry));
    std::unique_ptr<AccountStore> store;
    REQUIRE_OK(AccountStore::Open(registry.get(), &store));
    f(*registry, *store);
  }

  // A staff activation code for `mrn`, as portal-staff stores it: valid until 2100, or expired
  // since 2020 (the test reads no clock; the daemon's is real).
  std::string StaffCode(const std::string& mrn, CodeKind kind, const std::string& label = "",
                        bool expired = false) {
    const std::string code = NewActivationCode();
    std::string normalized;
    BOOST_REQUIRE(NormalizeActivationCode(code, &normalized));
    ActivationCode c;
    c.code_hash = ActivationCodeHash(normalized);
    c.mrn = mrn;
    c.kind = kind;
    c.label = label;
    c.created_at = kLongAgo - 86400;
    c.expires_at = expired ? kLongAgo : kFarFuture;
    WithStore(
        [&](EnrollmentRegistry&, AccountStore& store) { REQUIRE_OK(store.AddActivationCode(c)); });
    Sealed(code);
    Sealed(normalized);
    return code;
  }

  // An e-mailed code for `mrn`, as the code mailer stores it (live until 2100; the newest counts).
  std::string MailedCodeFor(const std::string& mrn, MailedPurpose purpose,
                            const std::string& email) {
    const std::string code = NewMailedCode();
    MailedCode c;
    c.mrn = mrn;
    c.purpose = purpose;
    c.code_hash = secrets.MailedCodeHash(mrn, code);
    c.email = email;
    c.created_at = kLongAgo + static_cast<int64_t>(++mailed_);  // Later than the one before.
    c.expires_at = kFarFuture;
    WithStore(
        [&](EnrollmentRegistry&, AccountStore& store) { REQUIRE_OK(store.AddMailedCode(c)); });
    Sealed(code);
    Sealed(email);
    return code;
  }

  Enrollment EnrollmentOf(const std::string& mrn, bool* found) {
    Enrollment e;
    WithStore([&](EnrollmentRegistry& registry, AccountStore&) {
      REQUIRE_OK(registry.Find(mrn, &e, found));
    });
    return e;
  }
  std::vector<std::string> PinnedKeys(const std::string& mrn) {
    bool found = false;
    const Enrollment e = EnrollmentOf(mrn, &found);
    std::vector<std::string> out;
    for (const auto& k : e.keys) {
      out.push_back(std::string(k.role == EnrolledKey::Role::kPatient ? "patient " : "proxy ") +
                    k.fingerprint);
    }
    return out;
  }

  // A sign-up on a new device; *r is the answer.
  AccountSession SignUpAs(const std::string& device, const std::string& password,
                          ActivationFields fields, bool reset, HttpResult* r) {
    AccountSession s;
    Sealed(fields.logon_id);
    REQUIRE_OK(SignUp(port(), clients, device, password, fields, reset, &s, r));
    if (s.device) Sealed(s.device->fingerprint());
    if (s.answer.is_object()) Sealed(s.answer.value("token", ""));
    return s;
  }
  AccountSession SignUpOk(const std::string& device, const std::string& password,
                          ActivationFields fields, bool reset = false) {
    HttpResult r;
    AccountSession s = SignUpAs(device, password, std::move(fields), reset, &r);
    BOOST_REQUIRE_MESSAGE(r.status == (reset ? 200 : 201), r.status << " " << r.body);
    return s;
  }

  // A body POSTed (or PUT) with `signature` (binary) as Portal-Signature.
  HttpResult Send(const std::string& method, const std::string& path, const std::string& body,
                  const std::string& signature) {
    return HttpCall(
        port(), method, path,
        {{"Content-Type", "application/json"}, {"Portal-Signature", Base64Encode(signature)}},
        body);
  }
  // Signed by one of the fixture's people (their key has no account).
  HttpResult SendSignedBy(const Person& who, const std::string& method, const std::string& path,
                          const std::string& body) {
    return Send(method, path, body, keys.SignDetached(who.home, who.fingerprint, body));
  }

  // A message to the hospital about `mrn`, signed by `device`: 202 if its key is pinned there.
  int MessageStatus(const std::string& mrn, const AccountDevice& device) {
    const std::string body =
        MessageBody(mrn, "conncare", "A question", "Is my appointment still on?", Nonce());
    return SendJson(port(), "POST", "/v1/messages", body, &device).status;
  }

  // A value that must never be in the daemon's log.
  void Sealed(const std::string& value) {
    if (!value.empty()) sealed_.insert(value);
  }
  void CheckNothingLeaked() {
    const std::string log = daemon->Log();
    BOOST_TEST(!log.empty());
    for (const auto& s : sealed_) {
      BOOST_TEST(log.find(s) == std::string::npos, "a sealed value is in the daemon's log");
    }
  }

  AccountSecrets secrets;
  fs::path clients = root() / "clients";

 private:
  std::set<std::string> sealed_;
  int mailed_ = 0;
};

BOOST_AUTO_TEST_CASE(a_staff_code_opens_one_account_and_pins_its_key) {
  ActivationFixture f;
  const std::string password = "lantern orchard 1961 blue";
  const std::string code = f.StaffCode(kOttoline.mrn, CodeKind::kPatient);

  // Every wrong detail: the same 422, byte for byte, and nothing stored.
  const auto refused = [&](const std::string& device, ActivationFields fields) {
    HttpResult r;
    f.SignUpAs(device, password, std::move(fields), false, &r);
    BOOST_TEST(r.status == 422);
    return r;
  };
  const HttpResult wrong_date =
      refused("wrong-date", Fields(code, std::nullopt, "1961-03-15", "otto.vaske"));
  BOOST_TEST(Json(wrong_date)["detail"] == kNoMatch);
  BOOST_TEST(Json(wrong_date)["field"] == "code");
  BOOST_TEST(
      refused("other-mrn", Fields(code, kThaddeus.mrn, kOttoline.birth_date, "otto.vaske")).body ==
      wrong_date.body);
  BOOST_TEST(refused("unknown-code",
                     Fields(NewActivationCode(), std::nullopt, kOttoline.birth_date, "otto.vaske"))
                 .body == wrong_date.body);
  const std::string expired = f.StaffCode(kOttoline.mrn, CodeKind::kPatient, "", /*expired=*/true);
  BOOST_TEST(
      refused("expired", Fields(expired, std::nullopt, kOttoline.birth_date, "otto.vaske")).body ==
      wrong_date.body);
  // A record the FAQ allows no summary (a minor), and a partial birth date on the record.
  const std::string minor = f.StaffCode(kMinor.mrn, CodeKind::kPatient);
  BOOST_TEST(
      refused("minor", Fields(minor, std::nullopt, kMinor.birth_date, "wilhelmina.d")).body ==
      wrong_date.body);
  const std::string partial = f.StaffCode(kPartial.mrn, CodeKind::kPatient);
  BOOST_TEST(refused("partial", Fields(partial, std::nullopt, "1975-01-01", "evander.q")).body ==
             wrong_date.body);
  bool enrolled = true;
  f.EnrollmentOf(kOttoline.mrn, &enrolled);
  BOOST_TEST(!enrolled);

  // The right details, the code typed in lower case without dashes.
  std::string typed = std::regex_replace(code, std::regex("-"), "");
  for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  f.Sealed(typed);
  AccountSession s = f.SignUpOk("ottoline-phone", password,
                                Fields(typed, std::nullopt, kOttoline.birth_date, "Otto.Vaske"));
  BOOST_TEST(s.answer["mrn"] == kOttoline.mrn);
  BOOST_TEST(s.answer["role"] == "self");
  BOOST_TEST(s.answer["fingerprint"] == s.device->fingerprint());
  const Enrollment e = f.EnrollmentOf(kOttoline.mrn, &enrolled);
  BOOST_REQUIRE(enrolled);
  BOOST_TEST(s.answer["token"] == e.token);
  BOOST_TEST(e.patient_id == kOttoline.id);
  BOOST_TEST(
      f.PinnedKeys(kOttoline.mrn) == std::vector<std::string>{"patient " + s.device->fingerprint()},
      boost::test_tools::per_element());
  f.WithStore([&](EnrollmentRegistry&, AccountStore& store) {
    Account a;
    bool found = false;
    REQUIRE_OK(store.FindByLogonId("otto.vaske", &a, &found));
    BOOST_REQUIRE(found);
    BOOST_TEST(a.fingerprint == s.device->fingerprint());
    BOOST_TEST(a.key_blob.starts_with("-----BEGIN PGP PRIVATE KEY BLOCK-----"));
    BOOST_TEST(a.auth_verifier == f.secrets.AuthVerifier(s.keys.auth_key));
    BOOST_TEST(a.kdf.salt == s.kdf.salt);
  });
  // The key signs messages like any enrolled key.
  BOOST_TEST(f.MessageStatus(kOttoline.mrn, *s.device) == 202);

  // Single use.
  BOOST_TEST(
      refused("again", Fields(code, std::nullopt, kOttoline.birth_date, "someone.else")).body ==
      wrong_date.body);
  // Another patient code for the same record: the record has an account.
  {
    HttpResult r;
    f.SignUpAs("second-account", password,
               Fields(f.StaffCode(kOttoline.mrn, CodeKind::kPatient), std::nullopt,
                      kOttoline.birth_date, "otto.second"),
               false, &r);
    BOOST_TEST(r.status == 409);
    BOOST_TEST(Json(r)["detail"] == "this record already has an account; use Forgot Password");
  }
  // A taken Logon ID is said only to a holder of a valid code.
  const std::string thaddeus = f.StaffCode(kThaddeus.mrn, CodeKind::kPatient);
  BOOST_TEST(refused("taken-no-code",
                     Fields(NewActivationCode(), std::nullopt, kThaddeus.birth_date, "otto.vaske"))
                 .body == wrong_date.body);
  {
    HttpResult r;
    f.SignUpAs("taken", password,
               Fields(thaddeus, std::nullopt, kThaddeus.birth_date, "OTTO.vaske"), false, &r);
    BOOST_TEST(r.status == 409);
    BOOST_TEST(Json(r)["field"] == "logon_id");
    BOOST_TEST(Json(r)["detail"] == "this Logon ID is taken; choose another");
  }
  // ... and that code was not used up by the refusal.
  f.SignUpOk("thaddeus-phone", password,
             Fields(thaddeus, kThaddeus.mrn, kThaddeus.birth_date, "thaddeus.o"));
  f.CheckNothingLeaked();
}

BOOST_AUTO_TEST_CASE(the_new_key_must_be_one_usable_public_key_and_sign_the_request) {
  ActivationFixture f;
  const std::string code = f.StaffCode(kOttoline.mrn, CodeKind::kPatient);
  auto& keys = f.keys;
  const fs::path home = keys.Home("odd_keys");
  const std::string good = keys.GenerateEncryptionKey(home, "Portal key <good@test.invalid>");
  const std::string other = keys.GenerateEncryptionKey(home, "Portal key <other@test.invalid>");
  const std::string expired = keys.Generate(home, "Portal key <old@test.invalid>", "default",
                                            "default", "1d", "20200101T000000");
  const std::string revoked = keys.GenerateEncryptionKey(home, "Portal key <rev@test.invalid>");
  keys.Revoke(home, revoked);
  const std::string sign_only =
      keys.Generate(home, "Portal key <sign@test.invalid>", "ed25519", "sign");
  for (const std::string* fpr : {&good, &other, &expired, &revoked, &sign_only}) f.Sealed(*fpr);
  const std::string good_key = Slurp(keys.Export(home, good, "good.asc"));

  // A body with `public_key` and `key_blob`, signed by `signer` (of `home`).
  const auto send = [&](const std::string& public_key, const std::string& signer,
                        const std::string& blob = kOpaqueBlob, const std::string& nonce = "") {
    ActivationFields a = Fields(code, std::nullopt, kOttoline.birth_date, "otto.vaske");
    a.public_key = public_key;
    a.key_blob = blob;
    a.kdf = NewKdfSettings();
    a.auth_key = std::string(32, 'k');
    a.nonce = nonce.empty() ? AccountNonce() : nonce;
    a.timestamp = InstantFromNow();
    const std::string body = ActivationBody(a);
    return f.Send("POST", "/v1/activations", body, keys.SignDetached(home, signer, body));
  };
  const auto refused_key = [&](const std::string& public_key) {
    const HttpResult r = send(public_key, good);
    BOOST_TEST(r.status == 422, r.body);
    BOOST_TEST(Json(r)["field"] == "public_key");
    return Json(r)["detail"].get<std::string>();
  };
  const std::string kOneKey =
      "public_key: must be one OpenPGP public key that can sign and encrypt (v4, not expired or "
      "revoked)";
  BOOST_TEST(refused_key(Slurp(keys.Export(home, good, "secret.asc", /*secret=*/true))) == kOneKey);
  BOOST_TEST(refused_key(Slurp(keys.Export(home, expired, "expired.asc"))) == kOneKey);
  BOOST_TEST(refused_key(Slurp(keys.Export(home, revoked, "revoked.asc"))) == kOneKey);
  BOOST_TEST(refused_key(Slurp(keys.Export(home, sign_only, "sign.asc"))) == kOneKey);
  BOOST_TEST(refused_key(good_key + Slurp(keys.Export(home, other, "other.asc"))) == kOneKey);
  BOOST_TEST(refused_key("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n"
                         "-----END PGP PUBLIC KEY BLOCK-----\n") == kOneKey);
  // Not armored (the key's bytes in base64, as a confused client might send them): refused by
  // its form, before gpg.
  const fs::path binary = keys.dir() / "good.gpg";
  BOOST_REQUIRE(RunCommand({"/usr/bin/gpg", "--homedir", home.string(), "--batch", "--output",
                            binary.string(), "--export", good})
                    .exit_code == 0);
  BOOST_TEST(refused_key(Base64Encode(Slurp(binary))) ==
             "public_key: must be one ASCII-armored OpenPGP block");
  BOOST_TEST(refused_key(std::string(17 * 1024, 'A')) ==
             "public_key: is over the limit of 16384 bytes");

  // The blob has its limit too.
  HttpResult r =
      send(good_key, good, "-----BEGIN PGP MESSAGE-----\n" + std::string(17 * 1024, 'B'));
  BOOST_TEST(r.status == 422);
  BOOST_TEST(Json(r)["field"] == "key_blob");
  // A good key, but another key signed: 401.
  r = send(good_key, other);
  BOOST_TEST(r.status == 401, r.body);
  // No signature at all: 401.
  {
    ActivationFields a = Fields(code, std::nullopt, kOttoline.birth_date, "otto.vaske");
    a.public_key = good_key;
    a.key_blob = kOpaqueBlob;
    a.kdf = NewKdfSettings();
    a.auth_key = std::string(32, 'k');
    a.nonce = AccountNonce();
    a.timestamp = InstantFromNow();
    r = HttpCall(f.port(), "POST", "/v1/activations", {{"Content-Type", "application/json"}},
                 ActivationBody(a));
    BOOST_TEST(r.status == 401);
  }
  // Nothing was stored, and no intake home was left behind.
  bool enrolled = true;
  f.EnrollmentOf(kOttoline.mrn, &enrolled);
  BOOST_TEST(!enrolled);
  BOOST_TEST(!fs::exists(f.var / "keys" / (good + ".asc")));
  BOOST_TEST(fs::is_empty(f.var / "gnupg" / "intake"));

  // The same code still opens the account with the good key; the very request again is a
  // replay.
  const std::string nonce = AccountNonce();
  ActivationFields a = Fields(code, std::nullopt, kOttoline.birth_date, "otto.vaske");
  a.public_key = good_key;
  a.key_blob = kOpaqueBlob;
  a.kdf = NewKdfSettings();
  a.auth_key = std::string(32, 'k');
  a.nonce = nonce;
  a.timestamp = InstantFromNow();
  const std::string body = ActivationBody(a);
  const std::string signature = keys.SignDetached(home, good, body);
  r = f.Send("POST", "/v1/activations", body, signature);
  BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
  f.Sealed(Json(r).value("token", ""));
  BOOST_TEST(Json(r)["fingerprint"] == good);
  r = f.Send("POST", "/v1/activations", body, signature);
  BOOST_TEST(r.status == 409);
  BOOST_TEST(Json(r)["field"] == "nonce");
  BOOST_TEST(fs::is_empty(f.var / "gnupg" / "intake"));
  f.CheckNothingLeaked();
}

BOOST_AUTO_TEST_CASE(an_emailed_code_works_once_and_is_void_after_five_wrong_tries) {
  ActivationFixture f;
  const std::string password = "kettle harbour 1979 plum";
  const std::string address = "t.ombrevielle@example.net";
  std::string code = f.MailedCodeFor(kThaddeus.mrn, MailedPurpose::kRegister, address);
  const auto attempt = [&](const std::string& device, const std::string& typed,
                           std::optional<std::string> mrn, const std::string& birth_date) {
    HttpResult r;
    f.SignUpAs(device, password, Fields(typed, std::move(mrn), birth_date, "thaddeus.o"), false,
               &r);
    return r;
  };
  // The MRN is required with an e-mailed code: a form error, which counts no try.
  HttpResult r = attempt("no-mrn", code, std::nullopt, kThaddeus.birth_date);
  BOOST_TEST(r.status == 422);
  BOOST_TEST(Json(r)["field"] == "mrn");
  // A right code with a wrong birth date counts no try either.
  r = attempt("wrong-date", code, kThaddeus.mrn, "1979-11-03");
  BOOST_TEST(Json(r)["detail"] == kNoMatch);
  // Five wrong codes, then the right one is void.
  for (int i = 0; i < 5; ++i) {
    std::string wrong = NewMailedCode();
    while (wrong == code) wrong = NewMailedCode();
    r = attempt("wrong-" + std::to_string(i), wrong, kThaddeus.mrn, kThaddeus.birth_date);
    BOOST_TEST(r.status == 422);
    BOOST_TEST(Json(r)["detail"] == kNoMatch);
  }
  r = attempt("void", code, kThaddeus.mrn, kThaddeus.birth_date);
  BOOST_TEST(r.status == 422);
  BOOST_TEST(Json(r)["detail"] == kNoMatch);
  bool enrolled = true;
  f.EnrollmentOf(kThaddeus.mrn, &enrolled);
  BOOST_TEST(!enrolled);

  // A new code opens the account once; the record's notices go to the address it was sent to.
  code = f.MailedCodeFor(kThaddeus.mrn, MailedPurpose::kRegister, address);
  r = attempt("thaddeus-phone", code, kThaddeus.mrn, kThaddeus.birth_date);
  BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
  f.Sealed(Json(r).value("token", ""));
  BOOST_TEST(Json(r)["role"] == "self");
  const Enrollment e = f.EnrollmentOf(kThaddeus.mrn, &enrolled);
  BOOST_REQUIRE(enrolled);
  BOOST_TEST(e.email == address);
  BOOST_TEST(e.patient_id == kThaddeus.id);
  r = attempt("again", code, kThaddeus.mrn, kThaddeus.birth_date);
  BOOST_TEST(r.status == 422);
  BOOST_TEST(Json(r)["detail"] == kNoMatch);
  // A recover code does not register.
  const std::string recover = f.MailedCodeFor(kOttoline.mrn, MailedPurpose::kRecover, address);
  HttpResult other;
  f.SignUpAs("recover-code", password,
             Fields(recover, kOttoline.mrn, kOttoline.birth_date, "otto.vaske"), false, &other);
  BOOST_TEST(other.status == 422);
  BOOST_TEST(Json(other)["detail"] == kNoMatch);
  f.CheckNothingLeaked();
}

// The outbox's unsent mail: recipient -> body (read straight from outbox.sqlite).
std::map<std::string, std::string> QueuedMail(const fs::path& outbox, const std::string& subject) {
  std::map<std::string, std::string> out;
  std::unique_ptr<SqliteDb> db;
  REQUIRE_OK(SqliteDb::Open(outbox, SqliteDb::Journal::kWal, &db));
  std::unique_ptr<SqliteStatement> q;
  REQUIRE_OK(db->Prepare("SELECT recipient, body FROM mail WHERE subject = ?1", &q));
  q->Bind(1, subject);
  for (bool row = false;;) {
    REQUIRE_OK(q->Step(&row));
    if (!row) break;
    out[q->Text(0)] = q->Text(1);
  }
  return out;
}

// The local time in New York now, as the notice writes it ("2026-12-02 09:41").
std::string NewYorkNow() {
  const auto r = RunCommand({"/usr/bin/env", "TZ=America/New_York", "/usr/bin/date", "+%F %H:%M"});
  BOOST_REQUIRE(r.exit_code == 0);
  return r.out.substr(0, 16);
}

BOOST_AUTO_TEST_CASE(a_key_reset_repins_the_account_key_and_leaves_other_proxies) {
  // Mail on (to a port where nobody listens: the notice waits in the outbox).
  ActivationFixture f(
      {{"# smtp_url = \"smtp://mail.backushospital.org:587\"", "smtp_url = \"smtp://127.0.0.1:9\""},
       {"starttls = \"required\"", "starttls = \"off\""},
       {"# from = ", "from = "}});
  const std::string password = "lantern orchard 1961 blue";
  AccountSession before = f.SignUpOk("old-phone", password,
                                     Fields(f.StaffCode(kOttoline.mrn, CodeKind::kPatient),
                                            std::nullopt, kOttoline.birth_date, "otto.vaske"));
  // Ottoline is also Annika's proxy (through a proxy code), and a stranger is Ottoline's proxy
  // (pinned at the desk).
  const std::string link =
      ProxyLinkBody(before.device->fingerprint(), f.StaffCode(kMrnA, CodeKind::kProxy, "O. V."),
                    kAliceBirthDate, AccountNonce(), InstantFromNow());
  HttpResult r = SendJson(f.port(), "POST", "/v1/proxy-links", link, before.device.get());
  BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
  auto staff =
      f.Staff({"proxy", "grant", "--mrn", kOttoline.mrn, "--key", f.stranger.key_file.string()});
  BOOST_REQUIRE_MESSAGE(staff.exit_code == 0, staff.out);
  const std::string notices = "ottoline.notices@example.org";
  f.Sealed(notices);
  f.WithStore([&](EnrollmentRegistry& registry, AccountStore&) {
    REQUIRE_OK(registry.SetEmail(kOttoline.mrn, notices));
  });
  bool enrolled = false;
  const std::string token = f.EnrollmentOf(kOttoline.mrn, &enrolled).token;

  // Forgot Password: a recover code, a wrong one first.
  const std::string address = "ottoline.v@example.org";
  const std::string code = f.MailedCodeFor(kOttoline.mrn, MailedPurpose::kRecover, address);
  const std::string new_password = "quarry lantern 2026 teal";
  {
    HttpResult wrong;
    std::string other = NewMailedCode();
    while (other == code) other = NewMailedCode();
    f.SignUpAs("wrong-code", new_password, Fields(other, kOttoline.mrn, kOttoline.birth_date, ""),
               true, &wrong);
    BOOST_TEST(wrong.status == 422);
    BOOST_TEST(Json(wrong)["detail"] == kNoMatch);
  }
  const std::string earliest = NewYorkNow();
  AccountSession after = f.SignUpOk("new-phone", new_password,
                                    Fields(code, kOttoline.mrn, kOttoline.birth_date, ""), true);
  const std::string latest = NewYorkNow();
  BOOST_TEST(after.answer["token"] == token);
  BOOST_TEST(after.answer["mrn"] == kOttoline.mrn);
  BOOST_TEST(after.answer["logon_id"] == "otto.vaske");
  BOOST_TEST(after.answer["fingerprint"] == after.device->fingerprint());

  // The old key is shut out everywhere at once; the new one signs for both records.
  BOOST_TEST(GetMe(f.port(), *before.device).status == 401);
  BOOST_TEST(f.MessageStatus(kOttoline.mrn, *before.device) == 401);
  BOOST_TEST(f.MessageStatus(kMrnA, *before.device) == 401);
  BOOST_TEST(f.MessageStatus(kOttoline.mrn, *after.device) == 202);
  BOOST_TEST(f.MessageStatus(kMrnA, *after.device) == 202);
  const std::string new_fpr = after.device->fingerprint();
  BOOST_TEST(
      f.PinnedKeys(kOttoline.mrn) ==
          (std::vector<std::string>{"patient " + new_fpr, "proxy " + f.stranger.fingerprint}),
      boost::test_tools::per_element());
  BOOST_TEST(f.PinnedKeys(kMrnA) ==
                 (std::vector<std::string>{"patient " + f.alice.fingerprint, "proxy " + new_fpr}),
             boost::test_tools::per_element());
  // The desk's proxy still signs for Ottoline's record.
  const std::string message = MailboxFixture::MessageBody(kOttoline.mrn, "conncare", "Proxy",
                                                          "For my friend", MailboxFixture::Nonce());
  BOOST_TEST(f.Post("/v1/messages", message, &f.stranger).status == 202);

  // A recover code for a record without an account resets nothing: the one 422.
  {
    HttpResult none;
    f.SignUpAs("no-account", new_password,
               Fields(f.MailedCodeFor(kThaddeus.mrn, MailedPurpose::kRecover, "t.o@example.net"),
                      kThaddeus.mrn, kThaddeus.birth_date, ""),
               true, &none);
    BOOST_TEST(none.status == 422);
    BOOST_TEST(Json(none)["detail"] == kNoMatch);
  }
  // The code is spent.
  {
    HttpResult again;
    f.SignUpAs("again", new_password, Fields(code, kOttoline.mrn, kOttoline.birth_date, ""), true,
               &again);
    BOOST_TEST(again.status == 422);
  }
  // The notice, to the address the code went to and the record's notice address.
  const auto mail = QueuedMail(f.var / "outbox.sqlite", "Your Patient Portal password was reset");
  BOOST_REQUIRE_EQUAL(mail.size(), 2u);
  BOOST_REQUIRE(mail.count(address) == 1u);
  BOOST_REQUIRE(mail.count(notices) == 1u);
  BOOST_TEST(mail.at(address) == mail.at(notices));
  std::smatch m;
  const std::string body = mail.at(address);
  BOOST_REQUIRE_MESSAGE(
      std::regex_match(body, m,
                       std::regex(std::string("The password of your ") + kHospital +
                                  " Patient Portal account was reset on "
                                  "([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2})\\. Not you\\? "
                                  "Call " +
                                  kHelpLine + "\\.\n")),
      body);
  BOOST_TEST(earliest <= m[1].str());
  BOOST_TEST(m[1].str() <= latest);
  f.CheckNothingLeaked();
}

BOOST_AUTO_TEST_CASE(a_password_change_needs_the_account_key_and_the_old_auth_key) {
  ActivationFixture f;
  const std::string password = "lantern orchard 1961 blue";
  AccountSession s = f.SignUpOk("phone", password,
                                Fields(f.StaffCode(kOttoline.mrn, CodeKind::kPatient), std::nullopt,
                                       kOttoline.birth_date, "otto.vaske"));
  const std::string new_password = "copper meadow 2027 green";
  const KdfSettings kdf = NewKdfSettings();
  AccountKeys fresh, wrong;
  REQUIRE_OK(DeriveAccountKeys(new_password, kdf, &fresh));
  REQUIRE_OK(DeriveAccountKeys("not the password at all", s.kdf, &wrong));
  REQUIRE_OK(s.device->ChangePassphrase(fresh.key_passphrase));
  std::string blob;
  REQUIRE_OK(s.device->ExportKeyBlob(&blob));
  const std::string fpr = s.device->fingerprint();
  const auto body = [&](const std::string& old_auth_key, const std::string& key_blob) {
    return KeyBlobBody(fpr, old_auth_key, fresh.auth_key, kdf, key_blob, AccountNonce(),
                       InstantFromNow());
  };

  // The old auth key must be right.
  HttpResult r =
      SendJson(f.port(), "PUT", "/v1/key-blob", body(wrong.auth_key, blob), s.device.get());
  BOOST_TEST(r.status == 401);
  BOOST_TEST(Json(r)["field"] == "old_auth_key");
  // Another key than the account's (here one with no account) signed: 401.
  r = f.SendSignedBy(f.stranger, "PUT", "/v1/key-blob", body(s.keys.auth_key, blob));
  BOOST_TEST(r.status == 401);
  BOOST_TEST(Json(r)["field"] == "Portal-Signature");
  // An oversize blob is refused by its form.
  r = SendJson(f.port(), "PUT", "/v1/key-blob",
               body(s.keys.auth_key, "-----BEGIN PGP MESSAGE-----\n" + std::string(17 * 1024, 'B')),
               s.device.get());
  BOOST_TEST(r.status == 422);
  BOOST_TEST(Json(r)["field"] == "key_blob");
  // POST is not the method.
  r = SendJson(f.port(), "POST", "/v1/key-blob", body(s.keys.auth_key, blob), s.device.get());
  BOOST_TEST(r.status == 405);

  const std::string good = body(s.keys.auth_key, blob);
  r = SendJson(f.port(), "PUT", "/v1/key-blob", good, s.device.get());
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_TEST(Json(r)["fingerprint"] == fpr);
  BOOST_TEST(
      std::regex_match(Json(r)["updated_at"].get<std::string>(),
                       std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")));
  r = SendJson(f.port(), "PUT", "/v1/key-blob", good, s.device.get());  // Replayed.
  BOOST_TEST(r.status == 409);
  f.WithStore([&](EnrollmentRegistry&, AccountStore& store) {
    Account a;
    bool found = false;
    REQUIRE_OK(store.FindByFingerprint(fpr, &a, &found));
    BOOST_REQUIRE(found);
    BOOST_TEST(a.key_blob == blob);
    BOOST_TEST(a.kdf.salt == kdf.salt);
    BOOST_TEST(a.auth_verifier == f.secrets.AuthVerifier(fresh.auth_key));
  });

  // A new device signs in with the new password and opens the same key; the old one is wrong.
  AccountSession elsewhere;
  REQUIRE_OK(SignIn(f.port(), f.clients, "laptop", "otto.vaske", new_password, &elsewhere, &r));
  BOOST_TEST(elsewhere.device->fingerprint() == fpr);
  AccountSession old;
  BOOST_TEST(!SignIn(f.port(), f.clients, "old-laptop", "otto.vaske", password, &old, &r).ok());
  BOOST_TEST(r.status == 401);
  f.CheckNothingLeaked();
}

BOOST_AUTO_TEST_CASE(a_proxy_link_adds_a_record_and_me_states_each_summary) {
  ActivationFixture f;
  AccountSession s = f.SignUpOk("phone", "lantern orchard 1961 blue",
                                Fields(f.StaffCode(kOttoline.mrn, CodeKind::kPatient), std::nullopt,
                                       kOttoline.birth_date, "otto.vaske"));
  const std::string own_token = s.answer["token"].get<std::string>();
  bool enrolled = false;
  const std::string annika_token = f.EnrollmentOf(kMrnA, &enrolled).token;
  f.Sealed(annika_token);

  json me = Json(GetMe(f.port(), *s.device));
  BOOST_TEST(me["fingerprint"] == s.device->fingerprint());
  BOOST_REQUIRE_EQUAL(me["records"].size(), 1u);
  BOOST_TEST(me["records"][0] ==
             json({{"mrn", kOttoline.mrn},
                   {"token", own_token},
                   {"role", "self"},
                   {"label", ""},
                   {"summary", "pending"},
                   {"summary_path", "patients/" + own_token + "/summary.html.pgp"},
                   {"replies", json::array()},
                   {"requests", json::array()}}));
  BOOST_TEST(me["last_nightly_run"].is_string());

  // Proxy codes: a wrong birth date, a patient's own code and an unknown code are all the one
  // 422.
  const std::string fpr = s.device->fingerprint();
  const std::string code = f.StaffCode(kMrnA, CodeKind::kProxy, "Ottoline V.");
  const auto link = [&](const std::string& c, const std::string& birth_date) {
    return SendJson(f.port(), "POST", "/v1/proxy-links",
                    ProxyLinkBody(fpr, c, birth_date, AccountNonce(), InstantFromNow()),
                    s.device.get());
  };
  HttpResult r = link(code, "1970-05-06");
  BOOST_TEST(r.status == 422);
  BOOST_TEST(Json(r)["detail"] == kNoMatch);
  const std::string mismatch = r.body;
  BOOST_TEST(link(f.StaffCode(kMrnA, CodeKind::kPatient), kAliceBirthDate).body == mismatch);
  BOOST_TEST(link(NewActivationCode(), kAliceBirthDate).body == mismatch);
  // An 8-digit code is not a proxy code at all.
  r = link("12345678", kAliceBirthDate);
  BOOST_TEST(r.status == 422);
  BOOST_TEST(Json(r)["detail"] != kNoMatch);
  // Signed by a key without an account: 401.
  r = f.SendSignedBy(f.stranger, "POST", "/v1/proxy-links",
                     ProxyLinkBody(fpr, code, kAliceBirthDate, AccountNonce(), InstantFromNow()));
  BOOST_TEST(r.status == 401);

  r = link(code, kAliceBirthDate);
  BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
  BOOST_TEST(
      Json(r) ==
      json({{"mrn", kMrnA}, {"token", annika_token}, {"role", "proxy"}, {"label", "Ottoline V."}}));
  BOOST_TEST(link(code, kAliceBirthDate).body == mismatch);  // Used.
  BOOST_TEST(f.MessageStatus(kMrnA, *s.device) == 202);

  // A proxy code also opens a new account of its own, whose one record is the proxy's.
  AccountSession neighbour = f.SignUpOk("neighbour-phone", "harbour copper 1988 red",
                                        Fields(f.StaffCode(kMrnA, CodeKind::kProxy, "Neighbour K."),
                                               std::nullopt, kAliceBirthDate, "neighbour.k"));
  BOOST_TEST(neighbour.answer["role"] == "proxy");
  BOOST_TEST(neighbour.answer["mrn"] == kMrnA);
  BOOST_TEST(neighbour.answer["token"] == annika_token);
  const json neighbour_me = Json(GetMe(f.port(), *neighbour.device));
  BOOST_REQUIRE_EQUAL(neighbour_me["records"].size(), 1u);
  BOOST_TEST(neighbour_me["records"][0]["role"] == "proxy");
  BOOST_TEST(neighbour_me["records"][0]["label"] == "Neighbour K.");
  BOOST_TEST(f.MessageStatus(kMrnA, *neighbour.device) == 202);
  BOOST_TEST(f.PinnedKeys(kMrnA).size() == 3u);  // Annika's own, and two proxies.

  // GET me: both records. Annika's own page was published by the fixture's nightly run, but a
  // proxy reads the proxies' page, which no run has made yet (her proxies came after it); a
  // reply waits beside them (only reply files are listed).
  const fs::path folder = f.patients_out / annika_token;
  BOOST_REQUIRE(fs::exists(folder / "summary.html.pgp"));
  const fs::path replies = folder / "replies";
  fs::create_directories(replies);
  Spit(replies / "reply-2026-01-01-ab12cd.html.pgp", "sealed");
  Spit(replies / "notes.txt", "not a reply");
  me = Json(GetMe(f.port(), *s.device));
  BOOST_REQUIRE_EQUAL(me["records"].size(), 2u);
  BOOST_TEST(me["records"][0]["mrn"] == kOttoline.mrn);
  BOOST_TEST(me["records"][0]["summary"] == "pending");
  json proxied = me["records"][1];
  // The message this account's key sent for Annika (above) is its one request there.
  BOOST_REQUIRE_EQUAL(proxied["requests"].size(), 1u);
  BOOST_TEST(proxied["requests"][0]["kind"] == "message");
  BOOST_TEST(proxied["requests"][0]["state"] == "received");
  proxied.erase("requests");
  BOOST_TEST(proxied ==
             json({{"mrn", kMrnA},
                   {"token", annika_token},
                   {"role", "proxy"},
                   {"label", "Ottoline V."},
                   {"summary", "pending"},
                   {"summary_path", "patients/" + annika_token + "/summary-proxy.html.pgp"},
                   {"replies", json::array({"patients/" + annika_token +
                                            "/replies/reply-2026-01-01-ab12cd.html.pgp"})}}));
  // Once the proxies' page is there (written here as the nightly run would), it is published.
  Spit(folder / "summary-proxy.html.pgp", "sealed");
  me = Json(GetMe(f.port(), *s.device));
  BOOST_TEST(me["records"][1]["summary"] == "published");

  // A directory that says Ottoline may have no summary (written here as the nightly would).
  DirectoryStamp stamp;
  stamp.ingest_run = 99;
  stamp.as_of_date = "2026-01-01";
  stamp.built_at = 1767225600;
  stamp.last_nightly_at = 1767225600;  // 2026-01-01T00:00:00Z.
  DirectoryEntry ottoline{
      kOttoline.mrn, kOttoline.id, kOttoline.birth_date, Eligibility::kDeceased, {}};
  DirectoryEntry annika{kMrnA, "pat-a", kAliceBirthDate, Eligibility::kEligible, {}};
  REQUIRE_OK(WritePatientDirectory(f.var / "directory.sqlite", {ottoline, annika}, stamp));
  me = Json(GetMe(f.port(), *s.device));
  BOOST_TEST(me["records"][0]["summary"] == "unavailable");
  BOOST_TEST(me["records"][1]["summary"] == "published");
  BOOST_TEST(me["last_nightly_run"] == "2026-01-01T00:00:00Z");

  // The query's own checks: a replayed nonce, a malformed key header, a stale timestamp, a key
  // without an account.
  const std::string nonce = AccountNonce();
  BOOST_TEST(GetMe(f.port(), *s.device, nonce).status == 200);
  r = GetMe(f.port(), *s.device, nonce);
  BOOST_TEST(r.status == 409);
  BOOST_TEST(Json(r)["field"] == "Portal-Nonce");
  r = HttpCall(f.port(), "GET", "/v1/me",
               {{"Portal-Key", "ABC"},
                {"Portal-Timestamp", InstantFromNow()},
                {"Portal-Nonce", AccountNonce()},
                {"Portal-Signature", "AAAA"}},
               "");
  BOOST_TEST(r.status == 422);
  BOOST_TEST(Json(r)["field"] == "Portal-Key");
  r = GetMe(f.port(), *s.device, "", InstantFromNow(-3600));
  BOOST_TEST(r.status == 422);
  BOOST_TEST(Json(r)["field"] == "Portal-Timestamp");
  const std::string ts = InstantFromNow(), n = AccountNonce();
  const std::string text = "GET /v1/me\n" + f.stranger.fingerprint + "\n" + ts + "\n" + n + "\n";
  r = HttpCall(f.port(), "GET", "/v1/me",
               {{"Portal-Key", f.stranger.fingerprint},
                {"Portal-Timestamp", ts},
                {"Portal-Nonce", n},
                {"Portal-Signature",
                 Base64Encode(f.keys.SignDetached(f.stranger.home, f.stranger.fingerprint, text))}},
               "");
  BOOST_TEST(r.status == 401);
  f.CheckNothingLeaked();
}

// "My requests": each account's key sees what it sent for a record, newest first, with the
// queue's state as staff work on it; a proxy sees only its own, and reads the proxies' page.
BOOST_AUTO_TEST_CASE(me_lists_what_each_key_sent_and_gives_a_proxy_the_proxies_page) {
  ActivationFixture f;
  AccountSession patient = f.SignUpOk("phone", "lantern orchard 1961 blue",
                                      Fields(f.StaffCode(kOttoline.mrn, CodeKind::kPatient),
                                             std::nullopt, kOttoline.birth_date, "otto.vaske"));
  AccountSession proxy =
      f.SignUpOk("neighbour-phone", "harbour copper 1988 red",
                 Fields(f.StaffCode(kOttoline.mrn, CodeKind::kProxy, "Neighbour K."), std::nullopt,
                        kOttoline.birth_date, "neighbour.k"));
  const std::string token = patient.answer["token"].get<std::string>();
  BOOST_REQUIRE(proxy.answer["token"] == token);
  const auto sent = [&](const std::string& path, const std::string& body,
                        const AccountSession& by) {
    const HttpResult r = SendJson(f.port(), "POST", path, body, by.device.get());
    BOOST_REQUIRE_MESSAGE(r.status == 202, r.status << " " << r.body);
    return Json(r)["receipt"].get<std::string>();
  };
  const auto change = [&](const json& changes) {
    return json({{"version", 1},
                 {"mrn", kOttoline.mrn},
                 {"changes", changes},
                 {"nonce", MailboxFixture::Nonce()},
                 {"timestamp", InstantFromNow()}})
        .dump();
  };
  // The one record's requests in GET me, each sent_at checked to be a UTC instant between
  // `earliest` and `latest`, then left out (the rest is compared whole).
  const auto requests = [&](const AccountSession& s, const std::string& earliest,
                            const std::string& latest) {
    const json me = Json(GetMe(f.port(), *s.device));
    BOOST_REQUIRE_EQUAL(me["records"].size(), 1u);
    json out = me["records"][0]["requests"];
    for (json& item : out) {
      const std::string at = item.value("sent_at", "");
      BOOST_TEST(std::regex_match(at, std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z")), at);
      BOOST_TEST(earliest <= at);
      BOOST_TEST(at <= latest);
      item.erase("sent_at");
    }
    return out;
  };
  const auto item = [](const std::string& receipt, const char* kind, const char* state) {
    return json({{"receipt", receipt}, {"kind", kind}, {"state", state}});
  };

  const std::string earliest = InstantFromNow();
  const std::string message =
      sent("/v1/messages",
           MailboxFixture::MessageBody(kOttoline.mrn, "conncare", "A question", "Is it still on?",
                                       MailboxFixture::Nonce()),
           patient);
  const std::string accepted =
      sent("/v1/profile-changes", change({{"religion", "Quakerly"}}), patient);
  const std::string rejected =
      sent("/v1/profile-changes", change({{"email", "otto.v@example.net"}}), patient);
  const std::string from_proxy =
      sent("/v1/messages",
           MailboxFixture::MessageBody(kOttoline.mrn, "conncare", "For my friend", "Call her?",
                                       MailboxFixture::Nonce()),
           proxy);
  const std::string latest = InstantFromNow();
  for (const std::string* r : {&message, &accepted, &rejected, &from_proxy}) f.Sealed(*r);
  f.Sealed("otto.v@example.net");
  f.Sealed("Quakerly");

  // Newest first; nothing of the content; neither sees the other's.
  BOOST_TEST(requests(patient, earliest, latest) ==
             json::array({item(rejected, "profile-change", "received"),
                          item(accepted, "profile-change", "received"),
                          item(message, "message", "received")}));
  BOOST_TEST(requests(proxy, earliest, latest) ==
             json::array({item(from_proxy, "message", "received")}));

  // Staff decide: an accept whose export could not be written stays accepted, then completes
  // when run again; a rejection completes at once (the queue's words, as receipts give them).
  BOOST_REQUIRE(f.StaffAs(f.staff, {"claim", accepted}).exit_code == 0);
  Spit(f.var / "exports", "a file where the exports folder should be");
  BOOST_TEST(f.StaffAs(f.staff, {"accept", accepted}).exit_code != 0);
  BOOST_TEST(requests(patient, earliest, latest)[1] ==
             item(accepted, "profile-change", "accepted"));
  fs::remove(f.var / "exports");
  auto r = f.StaffAs(f.staff, {"accept", accepted});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  BOOST_REQUIRE(f.StaffAs(f.staff, {"claim", rejected}).exit_code == 0);
  r = f.StaffAs(f.staff, {"reject", rejected, "--reason", "duplicate"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  BOOST_TEST(requests(patient, earliest, latest) ==
             json::array({item(rejected, "profile-change", "completed"),
                          item(accepted, "profile-change", "completed"),
                          item(message, "message", "received")}));
  BOOST_TEST(requests(proxy, earliest, latest) ==
             json::array({item(from_proxy, "message", "received")}));

  // A row queued before the queue kept the sender (as an old queue upgraded holds it): the
  // patient's own record lists it, a proxy's never does.
  {
    std::unique_ptr<SqliteDb> db;
    REQUIRE_OK(SqliteDb::Open(f.var / "mailbox.sqlite", SqliteDb::Journal::kWal, &db));
    REQUIRE_OK(db->Exec("UPDATE documents SET sender = '' WHERE receipt = '" + from_proxy + "'"));
  }
  BOOST_TEST(requests(patient, earliest, latest)[0] == item(from_proxy, "message", "received"));
  BOOST_TEST(requests(proxy, earliest, latest) == json::array());

  // Each reads its own page: the patient's, and the proxies' (sealed to proxy keys only).
  const fs::path folder = f.patients_out / token;
  const auto summary = [&](const AccountSession& s) {
    const json me = Json(GetMe(f.port(), *s.device));
    return std::make_pair(me["records"][0]["summary_path"].get<std::string>(),
                          me["records"][0]["summary"].get<std::string>());
  };
  const std::string own_page = "patients/" + token + "/summary.html.pgp";
  const std::string proxies_page = "patients/" + token + "/summary-proxy.html.pgp";
  BOOST_TEST((summary(patient) == std::make_pair(own_page, std::string("pending"))));
  BOOST_TEST((summary(proxy) == std::make_pair(proxies_page, std::string("pending"))));
  // Written here as the nightly run would publish them: the patient's page first.
  fs::create_directories(folder);
  Spit(folder / "summary.html.pgp", "sealed");
  BOOST_TEST((summary(patient) == std::make_pair(own_page, std::string("published"))));
  BOOST_TEST((summary(proxy) == std::make_pair(proxies_page, std::string("pending"))));
  Spit(folder / "summary-proxy.html.pgp", "sealed");
  BOOST_TEST((summary(proxy) == std::make_pair(proxies_page, std::string("published"))));
  f.CheckNothingLeaked();
}

BOOST_AUTO_TEST_CASE(a_restarted_daemon_clears_the_intake_homes_a_killed_one_left) {
  MailboxFixture f;
  // What a daemon killed while checking a new key leaves: a half-made home with a key in it.
  const fs::path leftover = f.var / "gnupg" / "intake" / "check-0123456789abcdef";
  fs::create_directories(leftover);
  Spit(leftover / "pubring.kbx", "not a keyring");
  f.StartDaemon();
  BOOST_TEST(!fs::exists(leftover));
  BOOST_TEST(fs::is_empty(f.var / "gnupg" / "intake"));
}

}  // namespace
}  // namespace portal::testing
