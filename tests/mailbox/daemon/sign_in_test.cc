#define BOOST_TEST_MODULE sign_in_test
// POST /v1/prelogin and /v1/sessions on the real daemon: known and unknown Logon IDs answered
// alike, the key blob and records after the right auth key, one 401 for every wrong detail,
// lockout with Retry-After (unknown IDs too), staff locks, strict bodies, and no Logon ID or
// key material in the log. Accounts are made through the account store, as an activation makes
// them; invented people only.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <random>

#include "core/account_secrets.h"
#include "core/account_store.h"
#include "core/base64.h"
#include "core/enrollment_registry.h"
#include "core/parse_number.h"
#include "tests/account_client.h"
#include "tests/mailbox_fixture.h"
#include "tests/test_checks.h"

namespace portal::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr char kWrongDetail[] = "the Logon ID or password is not right";
constexpr int64_t kSetUpAt = 1'700'000'000;  // When the test's codes and accounts were made.

// Three wrong sign-ins before a Logon ID waits a minute; the per-address buckets out of the way
// (every request here comes from 127.0.0.1).
const std::vector<std::pair<std::string, std::string>> kEdits = {
    {"per_address_per_minute = 120", "per_address_per_minute = 100000"},
    {"per_address_burst = 60", "per_address_burst = 100000"},
    {"per_address_per_minute = 20 ", "per_address_per_minute = 100000 "},
    {"per_address_burst = 10\n", "per_address_burst = 100000\n"},
    {"lockout_failures = 5 ", "lockout_failures = 3 "},
};

std::string RandomBytes(size_t n) {
  static std::mt19937_64 rng(std::random_device{}());
  std::string out;
  for (size_t i = 0; i < n; ++i) out += static_cast<char>(rng() & 0xff);
  return out;
}

json Json(const HttpResult& r) { return json::parse(r.body, nullptr, false); }
std::string Header(const HttpResult& r, const std::string& name) {
  const auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

// The fixture's two desk-enrolled patients, each given an account here.
class SignInFixture : public MailboxFixture {
 public:
  SignInFixture() : MailboxFixture(kEdits) {
    REQUIRE_OK(EnrollmentRegistry::Open(var / "registry.sqlite", var / "keys", &registry_));
    REQUIRE_OK(AccountStore::Open(registry_.get(), &store_));
    REQUIRE_OK(AccountSecrets::Load(var / "accounts.pepper", &secrets_));
  }

  uint16_t port() const { return daemon->port(); }
  AccountStore& store() { return *store_; }
  EnrollmentRegistry& registry() { return *registry_; }

  // A self account on `mrn` (enrolled at the desk with `who`'s key, which stays), opened with a
  // staff code in one CreateAccount like an activation. Returns its id.
  int64_t MakeAccount(const std::string& mrn, const std::string& patient_id, const Person& who,
                      const std::string& logon_id, const std::string& auth_key,
                      const KdfSettings& kdf, const std::string& blob) {
    ActivationCode code;
    code.code_hash = "test-code-" + logon_id;
    code.mrn = mrn;
    code.created_at = kSetUpAt;
    code.expires_at = kSetUpAt + 86400;
    REQUIRE_OK(store_->AddActivationCode(code));
    NewAccount a;
    a.logon_id = logon_id;
    a.kdf = kdf;
    a.auth_verifier = secrets_.AuthVerifier(auth_key);
    a.key_blob = blob;
    a.key.fingerprint = who.fingerprint;
    a.key_data = Slurp(who.key_file);
    a.mrn = mrn;
    a.patient_id = patient_id;
    a.activation_code_hash = code.code_hash;
    AccountOutcome outcome = AccountOutcome::kCodeSpent;
    std::string token;
    REQUIRE_OK(store_->CreateAccount(a, kSetUpAt + 1, 5, &outcome, &token));
    BOOST_REQUIRE(outcome == AccountOutcome::kDone);
    return Find(logon_id).id;
  }

  // Links account `id` to `mrn` as a proxy named `label` (a proxy code, as proxy-links uses).
  void LinkProxy(int64_t id, const std::string& mrn, const std::string& label) {
    ActivationCode code;
    code.code_hash = "test-proxy-code-" + std::to_string(id);
    code.mrn = mrn;
    code.kind = CodeKind::kProxy;
    code.label = label;
    code.created_at = kSetUpAt;
    code.expires_at = kSetUpAt + 86400;
    REQUIRE_OK(store_->AddActivationCode(code));
    AccountOutcome outcome = AccountOutcome::kCodeSpent;
    std::string linked, token;
    REQUIRE_OK(store_->LinkProxy(id, code.code_hash, kSetUpAt + 2, &outcome, &linked, &token));
    BOOST_REQUIRE(outcome == AccountOutcome::kDone);
  }

  Account Find(const std::string& logon_id) {
    Account a;
    bool found = false;
    REQUIRE_OK(store_->FindByLogonId(logon_id, &a, &found));
    BOOST_REQUIRE(found);
    return a;
  }
  std::string TokenOf(const std::string& mrn) {
    Enrollment e;
    bool found = false;
    REQUIRE_OK(registry_->Find(mrn, &e, &found));
    BOOST_REQUIRE(found);
    return e.token;
  }

  HttpResult Call(const std::string& path, const std::string& body,
                  const std::string& content_type = "application/json") {
    return HttpCall(port(), "POST", path, {{"Content-Type", content_type}}, body);
  }
  HttpResult Prelogin(const std::string& logon_id) {
    return Call("/v1/prelogin", PreloginBody(logon_id));
  }
  HttpResult Session(const std::string& logon_id, const std::string& auth_key) {
    return Call("/v1/sessions", SessionBody(logon_id, auth_key));
  }

  // None of `values` is in the daemon's log.
  void ExpectNotLogged(const std::vector<std::string>& values) {
    const std::string log = daemon->Log();
    BOOST_TEST(!log.empty());
    for (const auto& v : values) {
      BOOST_TEST(log.find(v) == std::string::npos, "a sealed value is in the daemon's log");
    }
  }

 private:
  std::unique_ptr<EnrollmentRegistry> registry_;
  std::unique_ptr<AccountStore> store_;
  AccountSecrets secrets_;
};

// The kdf settings a test account keeps: not the defaults, so an answer shows where it came from.
KdfSettings StoredKdf() {
  KdfSettings k;
  k.t = 2;
  k.m_kib = 19456;
  k.p = 1;
  k.salt = std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16);
  return k;
}

const char kBlob[] =
    "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nopaque-blob-of-otto\n-----END PGP PRIVATE KEY "
    "BLOCK-----\n";

// The fake salt worked out apart from the daemon: the first 16 bytes of HMAC-SHA256 keyed with
// HMAC-SHA256(pepper, "portal accounts v1 fake-salt") over the lower-case Logon ID (Python).
std::string FakeSaltByPython(const fs::path& pepper, const std::string& logon_id) {
  const std::string program =
      "import base64, hashlib, hmac, sys\n"
      "pepper = open(sys.argv[1], 'rb').read()\n"
      "key = hmac.new(pepper, b'portal accounts v1 fake-salt', hashlib.sha256).digest()\n"
      "mac = hmac.new(key, sys.argv[2].encode(), hashlib.sha256).digest()\n"
      "print(base64.b64encode(mac[:16]).decode(), end='')\n";
  const CommandResult r =
      RunCommand({"/usr/bin/python3", "-c", program, pepper.string(), logon_id});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  return r.out;
}

BOOST_FIXTURE_TEST_CASE(prelogin_answers_known_and_unknown_ids_alike, SignInFixture) {
  const std::string auth_key = RandomBytes(32);
  MakeAccount(kMrnA, "pat-a", alice, "otto.vaske", auth_key, StoredKdf(), kBlob);
  StartDaemon();

  // A known ID gets its own settings, in any letter case.
  const json stored = {
      {"alg", "argon2id"}, {"t", 2}, {"m", 19456}, {"p", 1}, {"salt", "AAECAwQFBgcICQoLDA0ODw=="}};
  for (const std::string id : {"otto.vaske", "Otto.Vaske", "OTTO.VASKE"}) {
    const HttpResult r = Prelogin(id);
    BOOST_TEST(r.status == 200, r.body);
    BOOST_TEST(Json(r) == json({{"kdf", stored}}));
  }

  // An unknown ID: the defaults and a salt made from the ID, the same every time.
  const HttpResult unknown = Prelogin("nobody.here");
  BOOST_TEST(unknown.status == 200, unknown.body);
  const json fake = Json(unknown);
  BOOST_REQUIRE(fake.is_object() && fake.contains("kdf") && fake["kdf"].is_object());
  BOOST_TEST(fake.size() == 1u);
  BOOST_TEST(fake["kdf"]["alg"] == "argon2id");
  BOOST_TEST(fake["kdf"]["t"] == 3);
  BOOST_TEST(fake["kdf"]["m"] == 65536);
  BOOST_TEST(fake["kdf"]["p"] == 4);
  const std::string salt = fake["kdf"]["salt"].get<std::string>();
  std::string raw;
  BOOST_TEST(Base64Decode(salt, &raw));
  BOOST_TEST(raw.size() == 16u);
  BOOST_TEST(salt == FakeSaltByPython(var / "accounts.pepper", "nobody.here"));
  // The same shape as a known ID's answer: the same keys, in the same order.
  std::vector<std::string> known_keys, fake_keys;
  const json known = Json(Prelogin("otto.vaske"));
  for (const auto& [k, v] : known["kdf"].items()) known_keys.push_back(k);
  for (const auto& [k, v] : fake["kdf"].items()) fake_keys.push_back(k);
  BOOST_TEST(known_keys == fake_keys, boost::test_tools::per_element());
  BOOST_TEST(Prelogin("nobody.here").body == unknown.body);
  BOOST_TEST(Prelogin("Nobody.Here").body == unknown.body);
  const HttpResult other = Prelogin("someone.else");
  BOOST_TEST(other.status == 200);
  BOOST_TEST(Json(other)["kdf"]["salt"] != salt);
  BOOST_TEST(Json(other)["kdf"]["salt"] ==
             FakeSaltByPython(var / "accounts.pepper", "someone.else"));

  // Strict bodies: each refusal names the field (or the body), never the value.
  struct Bad {
    std::string body;
    int status;
    std::string field;  // "" = the body as a whole.
  };
  const std::vector<Bad> bads = {
      {"{\"logon_id\": ", 400, ""},
      {"[\"otto.vaske\"]", 400, ""},
      // A key sent twice is refused by name (the strict parser, issue 15).
      {"{\"logon_id\":\"otto.vaske\",\"logon_id\":\"nobody.here\"}", 422, "logon_id"},
      {"{\"logon_id\":\"otto.vaske\",\"password\":\"hunter2hunter2\"}", 400, ""},
      {"{}", 422, "logon_id"},
      {"{\"logon_id\":42}", 422, "logon_id"},
      {"{\"logon_id\":\"ab\"}", 422, "logon_id"},
      {"{\"logon_id\":\"otto\\u0007vaske\"}", 422, "logon_id"},
      {"{\"logon_id\":\"M100001\"}", 422, "logon_id"},
  };
  for (const Bad& b : bads) {
    const HttpResult r = Call("/v1/prelogin", b.body);
    BOOST_TEST(r.status == b.status, b.body << " -> " << r.status << " " << r.body);
    BOOST_TEST(Header(r, "content-type") == "application/problem+json");
    BOOST_TEST(Json(r).value("field", "") == b.field, r.body);
    BOOST_TEST(r.body.find("otto") == std::string::npos, r.body);
    BOOST_TEST(r.body.find("hunter2") == std::string::npos, r.body);
  }
  BOOST_TEST(Call("/v1/prelogin", PreloginBody("otto.vaske"), "text/plain").status == 415);
  BOOST_TEST(HttpCall(port(), "GET", "/v1/prelogin", {}, "").status == 405);

  ExpectNotLogged({"otto.vaske", "Otto.Vaske", "OTTO.VASKE", "nobody.here", "Nobody.Here",
                   "someone.else", kMrnA, "hunter2", salt});
}

BOOST_FIXTURE_TEST_CASE(sessions_sign_in_refuse_alike_and_lock_out, SignInFixture) {
  const std::string otto_key = RandomBytes(32);
  const int64_t otto =
      MakeAccount(kMrnA, "pat-a", alice, "otto.vaske", otto_key, StoredKdf(), kBlob);
  LinkProxy(otto, kMrnB, "Percival Q.");
  const std::string wrong_key = RandomBytes(32);
  StartDaemon();

  // The right auth key: the key blob, the fingerprint and each record with its token.
  const HttpResult good = Session("Otto.Vaske", otto_key);
  BOOST_REQUIRE_MESSAGE(good.status == 200, good.status << " " << good.body);
  BOOST_TEST(Header(good, "cache-control") == "no-store");
  const json expected = {
      {"fingerprint", alice.fingerprint},
      {"key_blob", kBlob},
      {"records",
       {{{"mrn", kMrnA}, {"token", TokenOf(kMrnA)}, {"role", "self"}, {"label", ""}},
        {{"mrn", kMrnB}, {"token", TokenOf(kMrnB)}, {"role", "proxy"}, {"label", "Percival Q."}}}}};
  BOOST_TEST(Json(good) == expected, good.body);
  BOOST_TEST(Find("otto.vaske").last_sign_in_at > kSetUpAt);

  // A wrong key and an unknown ID: the same 401, byte for byte.
  const HttpResult unknown = Session("nobody.here", wrong_key);
  BOOST_TEST(unknown.status == 401);
  BOOST_TEST(Json(unknown).value("detail", "") == kWrongDetail);
  BOOST_TEST(Header(unknown, "content-type") == "application/problem+json");
  const HttpResult wrong = Session("otto.vaske", wrong_key);
  BOOST_TEST(wrong.status == 401);
  BOOST_TEST(wrong.body == unknown.body);
  // Two wrong ones, then the right one clears them: two more are still not the third.
  BOOST_TEST(Session("otto.vaske", wrong_key).status == 401);
  BOOST_TEST(Session("otto.vaske", otto_key).status == 200);
  BOOST_TEST(Session("otto.vaske", wrong_key).status == 401);
  BOOST_TEST(Session("otto.vaske", wrong_key).status == 401);
  BOOST_TEST(Session("otto.vaske", otto_key).status == 200);

  // Three in a row: the ID waits, even with the right key, told how long.
  for (int i = 0; i < 3; ++i) {
    const HttpResult r = Session("otto.vaske", wrong_key);
    BOOST_TEST(r.status == 401);
    BOOST_TEST(r.body == unknown.body);
  }
  auto expect_waiting = [](const HttpResult& r) {
    BOOST_TEST(r.status == 429, r.body);
    BOOST_TEST(r.body.find("\"detail\"") != std::string::npos);
    const auto it = r.headers.find("retry-after");
    BOOST_REQUIRE(it != r.headers.end());
    int64_t wait = 0;
    BOOST_TEST(ParseInt64(it->second, &wait));
    BOOST_TEST(wait > 0);
    BOOST_TEST(wait <= 60);  // lockout_initial_seconds after the third failure.
  };
  const HttpResult waiting = Session("otto.vaske", otto_key);
  expect_waiting(waiting);
  expect_waiting(Session("OTTO.VASKE", wrong_key));
  // An unknown ID waits the same way, with the same answer.
  for (int i = 0; i < 2; ++i) BOOST_TEST(Session("nobody.here", wrong_key).body == unknown.body);
  const HttpResult unknown_waiting = Session("nobody.here", wrong_key);
  expect_waiting(unknown_waiting);
  BOOST_TEST(Json(unknown_waiting) == Json(waiting));
  // Another ID is not held up by them.
  BOOST_TEST(Session("someone.else", wrong_key).body == unknown.body);

  // Staff locked Percival's account: only the right key learns it.
  const std::string percy_key = RandomBytes(32);
  const int64_t percy = MakeAccount(kMrnB, "pat-b", bob, "percy.q", percy_key, StoredKdf(),
                                    "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\np\n");
  BOOST_TEST(Session("percy.q", percy_key).status == 200);
  REQUIRE_OK(store().SetLocked(percy, true, kSetUpAt + 3));
  const HttpResult locked = Session("percy.q", percy_key);
  BOOST_TEST(locked.status == 403);
  BOOST_TEST(Json(locked).value("detail", "") == "this account is locked; call 860 823-6363");
  BOOST_TEST(locked.body.find("key_blob") == std::string::npos);
  BOOST_TEST(Session("percy.q", wrong_key).body == unknown.body);
  REQUIRE_OK(store().SetLocked(percy, false, kSetUpAt + 4));
  BOOST_TEST(Session("percy.q", percy_key).status == 200);

  // Strict bodies; none counts as a wrong sign-in.
  const std::string key64 = Base64Encode(wrong_key);
  struct Bad {
    std::string body;
    int status;
    std::string field;
  };
  const std::vector<Bad> bads = {
      {"not json", 400, ""},
      {"{\"logon_id\":\"percy.q\",\"auth_key\":\"" + key64 + "\",\"mfa\":\"123456\"}", 400, ""},
      {"{\"logon_id\":\"percy.q\",\"auth_key\":\"" + key64 + "\",\"auth_key\":\"" + key64 + "\"}",
       422, "auth_key"},
      {"{\"auth_key\":\"" + key64 + "\"}", 422, "logon_id"},
      {"{\"logon_id\":\"percy.q\"}", 422, "auth_key"},
      {"{\"logon_id\":\"percy.q\",\"auth_key\":7}", 422, "auth_key"},
      {"{\"logon_id\":\"percy.q\",\"auth_key\":\"" + Base64Encode(RandomBytes(31)) + "\"}", 422,
       "auth_key"},
      {"{\"logon_id\":\"percy.q\",\"auth_key\":\"" + key64.substr(0, 43) + "\"}", 422, "auth_key"},
      {"{\"logon_id\":[\"percy.q\"],\"auth_key\":\"" + key64 + "\"}", 422, "logon_id"},
  };
  for (int round = 0; round < 2; ++round) {
    for (const Bad& b : bads) {
      const HttpResult r = Call("/v1/sessions", b.body);
      BOOST_TEST(r.status == b.status, b.body << " -> " << r.status << " " << r.body);
      BOOST_TEST(Json(r).value("field", "") == b.field, r.body);
      BOOST_TEST(r.body.find("percy") == std::string::npos, r.body);
      BOOST_TEST(r.body.find(key64.substr(0, 20)) == std::string::npos, r.body);
    }
  }
  BOOST_TEST(Session("percy.q", percy_key).status == 200);
  BOOST_TEST(Call("/v1/sessions", SessionBody("percy.q", percy_key), "text/plain").status == 415);
  // Over the body limit (max_body_kib = 64): refused before anything is read.
  const std::string huge =
      "{\"logon_id\":\"percy.q\",\"auth_key\":\"" + std::string(70000, 'A') + "\"}";
  BOOST_TEST(Call("/v1/sessions", huge).status == 413);

  ExpectNotLogged({"otto.vaske", "Otto.Vaske", "OTTO.VASKE", "nobody.here", "someone.else",
                   "percy.q", kMrnA, kMrnB, Base64Encode(otto_key), Base64Encode(percy_key), key64,
                   "opaque-blob-of-otto", TokenOf(kMrnA), TokenOf(kMrnB), "Percival Q."});
}

}  // namespace
}  // namespace portal::testing
