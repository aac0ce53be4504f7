#define BOOST_TEST_MODULE account_store_test
#include "core/account_store.h"

#include <boost/test/unit_test.hpp>

#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::Slurp;
using testing::TempDir;

constexpr int64_t kNow = 1795700000;  // 2026-11-26T13:33:20Z.
constexpr int64_t kTries = 5;

std::string Fpr(char c) { return std::string(40, c); }

// Stands in for the codes' hashes: the store compares them, never makes them.
std::string CodeHash(const std::string& name) { return "hash-of-" + name; }

struct Fixture {
  TempDir dir;
  std::unique_ptr<EnrollmentRegistry> reg;
  std::unique_ptr<AccountStore> store;

  Fixture() { Reopen(); }
  void Reopen() {
    store.reset();
    reg.reset();
    BOOST_REQUIRE(
        EnrollmentRegistry::Open(dir.path() / "registry.sqlite", dir.path() / "keys", &reg).ok());
    BOOST_REQUIRE(AccountStore::Open(reg.get(), &store).ok());
  }
  fs::path KeyFile(const std::string& fpr) { return reg->KeyFile(fpr); }

  void AddCode(const std::string& name, const std::string& mrn, CodeKind kind,
               int64_t expires_at = kNow + 3600, const std::string& label = "") {
    ActivationCode c;
    c.code_hash = CodeHash(name);
    c.mrn = mrn;
    c.kind = kind;
    c.label = label;
    c.created_by = Fpr('5');
    c.created_at = kNow - 60;
    c.expires_at = expires_at;
    BOOST_REQUIRE(store->AddActivationCode(c).ok());
  }
  void AddMailed(const std::string& mrn, MailedPurpose purpose, const std::string& code,
                 int64_t created_at = kNow - 60, int64_t expires_at = kNow + 1800) {
    MailedCode m;
    m.mrn = mrn;
    m.purpose = purpose;
    m.code_hash = CodeHash(code);
    m.email = "someone@example.org";
    m.created_at = created_at;
    m.expires_at = expires_at;
    BOOST_REQUIRE(store->AddMailedCode(m).ok());
  }

  static NewAccount Request(const std::string& logon, char key, const std::string& mrn,
                            const std::string& code) {
    NewAccount a;
    a.logon_id = logon;
    a.kdf.t = 3;
    a.kdf.m_kib = 65536;
    a.kdf.p = 4;
    a.kdf.salt = std::string("salt\0bytes-16...", 16);
    a.auth_verifier = std::string(31, 'v') + '\0';
    a.key_blob = "blob of " + logon;
    a.key.fingerprint = Fpr(key);
    a.key.expires = kNow + 86400 * 365;
    a.key_data = "public key " + std::string(1, key);
    a.mrn = mrn;
    a.patient_id = "pid-" + mrn;
    a.activation_code_hash = CodeHash(code);
    return a;
  }

  AccountOutcome Create(const NewAccount& a, std::string* token = nullptr) {
    AccountOutcome outcome = AccountOutcome::kDone;
    std::string t;
    Status st = store->CreateAccount(a, kNow, kTries, &outcome, &t);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    if (token != nullptr) *token = t;
    return outcome;
  }

  // A self account for `mrn` with key `key`, made through a fresh patient code.
  Account SelfAccount(const std::string& logon, char key, const std::string& mrn) {
    AddCode("patient-" + logon, mrn, CodeKind::kPatient);
    BOOST_REQUIRE(Create(Request(logon, key, mrn, "patient-" + logon)) == AccountOutcome::kDone);
    return Get(logon);
  }

  Account Get(const std::string& logon) {
    Account a;
    bool found = false;
    BOOST_REQUIRE(store->FindByLogonId(logon, &a, &found).ok());
    BOOST_REQUIRE(found);
    return a;
  }
  bool HasAccount(const std::string& logon) {
    Account a;
    bool found = true;
    BOOST_REQUIRE(store->FindByLogonId(logon, &a, &found).ok());
    return found;
  }
  Enrollment Enrolled(const std::string& mrn, bool* found) {
    Enrollment e;
    BOOST_REQUIRE(reg->Find(mrn, &e, found).ok());
    return e;
  }
  bool IsEnrolled(const std::string& mrn) {
    bool found = false;
    Enrolled(mrn, &found);
    return found;
  }
  // "FPR:role" of every key pinned on `mrn`, in the registry's order.
  std::vector<std::string> Keys(const std::string& mrn) {
    bool found = false;
    std::vector<std::string> out;
    for (const auto& k : Enrolled(mrn, &found).keys) {
      out.push_back(k.fingerprint.substr(0, 1) + ":" +
                    (k.role == EnrolledKey::Role::kPatient ? "patient" : "proxy"));
    }
    return out;
  }
  int64_t UsedAt(const std::string& code) {
    ActivationCode c;
    bool found = false;
    BOOST_REQUIRE(store->FindActivationCode(CodeHash(code), &c, &found).ok());
    BOOST_REQUIRE(found);
    return c.used_at;
  }
  std::vector<std::string> Events(int64_t id) {
    std::vector<AccountEvent> events;
    BOOST_REQUIRE(store->EventsOf(id, &events).ok());
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.event + "@" + std::to_string(e.at - kNow));
    return out;
  }
  void Desk(const std::string& mrn, char key, std::string* token) {
    EnrolledKey k;
    k.fingerprint = Fpr(key);
    BOOST_REQUIRE(reg->Enroll(mrn, "pid-" + mrn, k, "desk key " + std::string(1, key), false,
                              kNow - 86400, token)
                      .ok());
  }
  // Makes the last write of CreateAccount/ResetKey/LinkProxy (the history line) fail.
  void BreakHistory() {
    BOOST_REQUIRE(reg->db()
                      ->Exec("CREATE TRIGGER broken BEFORE INSERT ON account_events "
                             "BEGIN SELECT RAISE(ABORT, 'history is broken'); END")
                      .ok());
  }
  void MendHistory() { BOOST_REQUIRE(reg->db()->Exec("DROP TRIGGER broken").ok()); }
};

using V = std::vector<std::string>;

BOOST_FIXTURE_TEST_CASE(a_staff_code_opens_an_account_that_pins_its_key_on_the_record, Fixture) {
  AddCode("c1", "M1", CodeKind::kPatient);
  std::string token;
  BOOST_TEST((Create(Request("jane", 'A', "M1", "c1"), &token) == AccountOutcome::kDone));
  bool found = false;
  const Enrollment e = Enrolled("M1", &found);
  BOOST_REQUIRE(found);
  BOOST_TEST(token == e.token);
  BOOST_TEST(token.size() == 32u);
  BOOST_TEST(e.patient_id == "pid-M1");
  BOOST_TEST((Keys("M1") == V{"A:patient"}));
  BOOST_TEST(e.keys[0].expires == kNow + 86400 * 365);
  BOOST_TEST(Slurp(KeyFile(Fpr('A'))) == "public key A");
  BOOST_TEST(UsedAt("c1") == kNow);

  const Account a = Get("jane");
  BOOST_TEST(a.fingerprint == Fpr('A'));
  BOOST_TEST(a.kdf.t == 3);
  BOOST_TEST(a.kdf.m_kib == 65536);
  BOOST_TEST(a.kdf.p == 4);
  BOOST_TEST(a.kdf.salt == std::string("salt\0bytes-16...", 16));  // Bytes, not text.
  BOOST_TEST(a.auth_verifier == std::string(31, 'v') + '\0');
  BOOST_TEST(a.key_blob == "blob of jane");
  BOOST_TEST(a.created_at == kNow);
  BOOST_TEST(a.updated_at == kNow);
  BOOST_TEST(a.last_sign_in_at == 0);
  BOOST_TEST(!a.locked);
  BOOST_REQUIRE_EQUAL(a.records.size(), 1u);
  BOOST_TEST(a.records[0].mrn == "M1");
  BOOST_TEST((a.records[0].role == RecordRole::kSelf));
  BOOST_TEST((Events(a.id) == V{"created@0"}));

  Account by;
  BOOST_REQUIRE(store->FindByFingerprint(Fpr('A'), &by, &found).ok());
  BOOST_TEST((found && by.id == a.id));
  BOOST_REQUIRE(store->FindByRecord("M1", RecordRole::kSelf, &by, &found).ok());
  BOOST_TEST((found && by.id == a.id));
  BOOST_REQUIRE(store->FindByRecord("M1", RecordRole::kProxy, &by, &found).ok());
  BOOST_TEST(!found);
  bool taken = false;
  BOOST_REQUIRE(store->LogonIdTaken("jane", &taken).ok());
  BOOST_TEST(taken);
  BOOST_REQUIRE(store->LogonIdTaken("john", &taken).ok());
  BOOST_TEST(!taken);

  // Kept across a reopen (the tables are created only if missing).
  Reopen();
  BOOST_TEST(Get("jane").id == a.id);
}

BOOST_FIXTURE_TEST_CASE(a_bad_code_is_one_outcome_and_writes_nothing, Fixture) {
  AddCode("expired", "M1", CodeKind::kPatient, /*expires_at=*/kNow);
  AddCode("other-record", "M2", CodeKind::kPatient);
  AddCode("proxy-code", "M1", CodeKind::kProxy);
  for (const char* code : {"unknown", "expired", "other-record", "proxy-code"}) {
    BOOST_TEST((Create(Request("jane", 'A', "M1", code)) == AccountOutcome::kCodeSpent), code);
  }
  // A patient code does not open a proxy link either.
  AddCode("patient-code", "M1", CodeKind::kPatient);
  NewAccount proxy = Request("jane", 'A', "M1", "patient-code");
  proxy.role = RecordRole::kProxy;
  BOOST_TEST((Create(proxy) == AccountOutcome::kCodeSpent));
  BOOST_TEST(!HasAccount("jane"));
  BOOST_TEST(!IsEnrolled("M1"));
  BOOST_TEST(!fs::exists(KeyFile(Fpr('A'))));
  for (const char* code : {"expired", "other-record", "proxy-code", "patient-code"}) {
    BOOST_TEST(UsedAt(code) == 0, code);
  }
}

BOOST_FIXTURE_TEST_CASE(a_code_used_twice_opens_one_account, Fixture) {
  AddCode("c1", "M1", CodeKind::kPatient);
  BOOST_TEST((Create(Request("jane", 'A', "M1", "c1")) == AccountOutcome::kDone));
  // The second request checked the code before the first used it: the store says no.
  BOOST_TEST((Create(Request("jim", 'B', "M1", "c1")) == AccountOutcome::kCodeSpent));
  BOOST_TEST(!HasAccount("jim"));
  BOOST_TEST((Keys("M1") == V{"A:patient"}));
}

BOOST_FIXTURE_TEST_CASE(a_taken_logon_id_a_record_with_an_account_and_a_used_key_are_refused,
                        Fixture) {
  SelfAccount("jane", 'A', "M1");
  AddCode("c2", "M2", CodeKind::kPatient);
  // Another request took "jane" after this one looked.
  BOOST_TEST((Create(Request("jane", 'B', "M2", "c2")) == AccountOutcome::kLogonIdTaken));
  // M1 has its self account.
  AddCode("c1b", "M1", CodeKind::kPatient);
  BOOST_TEST((Create(Request("jill", 'C', "M1", "c1b")) == AccountOutcome::kHasAccount));
  // A is jane's key.
  BOOST_TEST((Create(Request("jim", 'A', "M2", "c2")) == AccountOutcome::kKeyInUse));
  // None used its code or pinned anything.
  BOOST_TEST(UsedAt("c2") == 0);
  BOOST_TEST(UsedAt("c1b") == 0);
  BOOST_TEST(!IsEnrolled("M2"));
  BOOST_TEST((Keys("M1") == V{"A:patient"}));
  BOOST_TEST(!HasAccount("jill"));
  BOOST_TEST(!HasAccount("jim"));
  BOOST_TEST(Get("jane").records.size() == 1u);
  // The code still works for a good request.
  BOOST_TEST((Create(Request("jim", 'B', "M2", "c2")) == AccountOutcome::kDone));
}

BOOST_FIXTURE_TEST_CASE(a_desk_enrolled_record_gets_the_accounts_key_and_keeps_its_token, Fixture) {
  std::string desk_token;
  Desk("M3", 'D', &desk_token);
  AddCode("c3", "M3", CodeKind::kPatient);
  std::string token;
  BOOST_TEST((Create(Request("dora", 'E', "M3", "c3"), &token) == AccountOutcome::kDone));
  BOOST_TEST(token == desk_token);
  BOOST_TEST((Keys("M3") == V{"E:patient"}));
  BOOST_TEST(!fs::exists(KeyFile(Fpr('D'))));  // The replaced key's file goes after the commit.
  BOOST_TEST(Slurp(KeyFile(Fpr('E'))) == "public key E");

  // Staff pinned the very key the account brings: it stays as it is.
  std::string token4, desk4;
  Desk("M4", 'F', &desk4);
  AddCode("c4", "M4", CodeKind::kPatient);
  BOOST_TEST((Create(Request("fred", 'F', "M4", "c4"), &token4) == AccountOutcome::kDone));
  BOOST_TEST(token4 == desk4);
  BOOST_TEST((Keys("M4") == V{"F:patient"}));
  BOOST_TEST(Slurp(KeyFile(Fpr('F'))) == "desk key F");
}

BOOST_FIXTURE_TEST_CASE(a_failing_last_step_leaves_no_account_no_pinned_key_and_an_unused_code,
                        Fixture) {
  std::string desk_token;
  Desk("M3", 'D', &desk_token);
  AddCode("c3", "M3", CodeKind::kPatient);
  AddCode("c5", "M5", CodeKind::kPatient);
  BreakHistory();
  AccountOutcome outcome = AccountOutcome::kCodeSpent;
  std::string token;
  Status st =
      store->CreateAccount(Request("dora", 'E', "M3", "c3"), kNow, kTries, &outcome, &token);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("history is broken") != std::string::npos, st.message());
  st = store->CreateAccount(Request("mo", '6', "M5", "c5"), kNow, kTries, &outcome, &token);
  BOOST_TEST(!st.ok());
  BOOST_TEST(!reg->db()->InTransaction());
  BOOST_TEST(!HasAccount("dora"));
  BOOST_TEST(!HasAccount("mo"));
  BOOST_TEST(UsedAt("c3") == 0);
  BOOST_TEST(UsedAt("c5") == 0);
  BOOST_TEST(!IsEnrolled("M5"));
  // The desk's key is pinned as before, and its file is still there (the replacement's removal
  // waited for the commit that never came). E's file, written before the rows, is left unused:
  // harmless, as after a crash.
  BOOST_TEST((Keys("M3") == V{"D:patient"}));
  BOOST_TEST(Slurp(KeyFile(Fpr('D'))) == "desk key D");
  bool found = false;
  BOOST_TEST(Enrolled("M3", &found).token == desk_token);

  MendHistory();
  BOOST_TEST((Create(Request("dora", 'E', "M3", "c3")) == AccountOutcome::kDone));
}

BOOST_FIXTURE_TEST_CASE(a_proxy_code_opens_a_proxy_account_on_an_enrolled_record, Fixture) {
  const Account jane = SelfAccount("jane", 'A', "M1");
  AddCode("p1", "M1", CodeKind::kProxy, kNow + 3600, "Pat Parent");
  NewAccount a = Request("pat", '7', "M1", "p1");
  a.role = RecordRole::kProxy;
  std::string token;
  BOOST_TEST((Create(a, &token) == AccountOutcome::kDone));
  bool found = false;
  BOOST_TEST(token == Enrolled("M1", &found).token);
  BOOST_TEST((Keys("M1") == V{"A:patient", "7:proxy"}));
  const Account pat = Get("pat");
  BOOST_REQUIRE_EQUAL(pat.records.size(), 1u);
  BOOST_TEST((pat.records[0].role == RecordRole::kProxy));
  BOOST_TEST(pat.records[0].label == "Pat Parent");  // The code's label.
  Account by;
  BOOST_REQUIRE(store->FindByRecord("M1", RecordRole::kProxy, &by, &found).ok());
  BOOST_TEST((found && by.id == pat.id));
  std::vector<Account> all;
  BOOST_REQUIRE(store->AccountsOfRecord("M1", &all).ok());
  BOOST_REQUIRE_EQUAL(all.size(), 2u);
  BOOST_TEST(all[0].id == jane.id);
  BOOST_TEST(all[1].id == pat.id);
  BOOST_TEST(all[1].records.size() == 1u);

  // Not for a record nobody enrolled; not with a key already pinned there.
  AddCode("p9", "M9", CodeKind::kProxy);
  NewAccount b = Request("bob", 'B', "M9", "p9");
  b.role = RecordRole::kProxy;
  BOOST_TEST((Create(b) == AccountOutcome::kCodeSpent));
  BOOST_TEST(!IsEnrolled("M9"));
  std::string desk_token;
  Desk("M8", '9', &desk_token);
  AddCode("p8", "M8", CodeKind::kProxy);
  NewAccount q = Request("quinn", '9', "M8", "p8");
  q.role = RecordRole::kProxy;
  BOOST_TEST((Create(q) == AccountOutcome::kKeyInUse));
  BOOST_TEST(UsedAt("p8") == 0);
  // An e-mailed code opens only a self record.
  AddMailed("M1", MailedPurpose::kRegister, "12345678");
  NewAccount m = Request("mia", '3', "M1", "");
  m.activation_code_hash.clear();
  m.mailed_code_hash = CodeHash("12345678");
  m.role = RecordRole::kProxy;
  BOOST_TEST((Create(m) == AccountOutcome::kCodeSpent));
  BOOST_TEST((Keys("M1") == V{"A:patient", "7:proxy"}));
}

BOOST_FIXTURE_TEST_CASE(mailed_codes_newest_only_tries_counted_then_void, Fixture) {
  AddMailed("M1", MailedPurpose::kRegister, "11111111", kNow - 120);
  AddMailed("M1", MailedPurpose::kRegister, "22222222", kNow - 60);  // Voids the first.
  AddMailed("M1", MailedPurpose::kRecover, "33333333", kNow - 60);   // Another purpose.
  AddMailed("M2", MailedPurpose::kRegister, "44444444", kNow - 60);
  int64_t count = 0;
  BOOST_REQUIRE(store->CountMailedCodes("M1", kNow - 120, &count).ok());
  BOOST_TEST(count == 3);  // Voided ones still count toward the day's limit.
  BOOST_REQUIRE(store->CountMailedCodes("M1", kNow - 90, &count).ok());
  BOOST_TEST(count == 2);
  BOOST_REQUIRE(store->CountMailedCodes("M3", 0, &count).ok());
  BOOST_TEST(count == 0);

  bool good = true;
  MailedCode code;
  BOOST_REQUIRE(store
                    ->CheckMailedCode("M1", MailedPurpose::kRegister, CodeHash("11111111"), kNow,
                                      kTries, &good, &code)
                    .ok());
  BOOST_TEST(!good);  // Voided by the newer one (and counted as a wrong try of it).
  BOOST_TEST(code.tries == 1);
  BOOST_REQUIRE(store
                    ->CheckMailedCode("M1", MailedPurpose::kRegister, CodeHash("22222222"), kNow,
                                      kTries, &good, &code)
                    .ok());
  BOOST_TEST(good);
  BOOST_TEST(code.email == "someone@example.org");
  BOOST_TEST(code.tries == 1);
  BOOST_TEST(code.expires_at == kNow + 1800);
  BOOST_TEST(code.used_at == 0);
  // Checking does not use it up; other MRNs and purposes are not it.
  BOOST_REQUIRE(store
                    ->CheckMailedCode("M1", MailedPurpose::kRegister, CodeHash("22222222"), kNow,
                                      kTries, &good, &code)
                    .ok());
  BOOST_TEST(good);
  BOOST_REQUIRE(store
                    ->CheckMailedCode("M2", MailedPurpose::kRegister, CodeHash("22222222"), kNow,
                                      kTries, &good, &code)
                    .ok());
  BOOST_TEST(!good);
  BOOST_REQUIRE(store
                    ->CheckMailedCode("M1", MailedPurpose::kRecover, CodeHash("22222222"), kNow,
                                      kTries, &good, &code)
                    .ok());
  BOOST_TEST(!good);
  // Expired: not found at all (no try counted on a dead code).
  BOOST_REQUIRE(store
                    ->CheckMailedCode("M1", MailedPurpose::kRegister, CodeHash("22222222"),
                                      kNow + 1800, kTries, &good, &code)
                    .ok());
  BOOST_TEST(!good);

  // Wrong tries up to the limit (the check for M2 above was one): then even the right code is
  // void.
  for (int i = 1; i < 3; ++i) {
    BOOST_REQUIRE(store
                      ->CheckMailedCode("M2", MailedPurpose::kRegister, CodeHash("00000000"), kNow,
                                        4, &good, &code)
                      .ok());
    BOOST_TEST(!good);
    BOOST_TEST(code.tries == i + 1);
  }
  BOOST_REQUIRE(store
                    ->CheckMailedCode("M2", MailedPurpose::kRegister, CodeHash("44444444"), kNow, 4,
                                      &good, &code)
                    .ok());
  BOOST_TEST(good);  // 3 wrong tries, under 4.
  BOOST_REQUIRE(store
                    ->CheckMailedCode("M2", MailedPurpose::kRegister, CodeHash("00000000"), kNow, 4,
                                      &good, &code)
                    .ok());
  BOOST_REQUIRE(store
                    ->CheckMailedCode("M2", MailedPurpose::kRegister, CodeHash("44444444"), kNow, 4,
                                      &good, &code)
                    .ok());
  BOOST_TEST(!good);
  NewAccount a = Request("mo", '3', "M2", "");
  a.activation_code_hash.clear();
  a.mailed_code_hash = CodeHash("44444444");
  AccountOutcome outcome = AccountOutcome::kDone;
  std::string token;
  BOOST_REQUIRE(store->CreateAccount(a, kNow, 4, &outcome, &token).ok());
  BOOST_TEST((outcome == AccountOutcome::kCodeSpent));  // The store checks the limit too.
  BOOST_REQUIRE(store->CreateAccount(a, kNow, 5, &outcome, &token).ok());
  BOOST_TEST((outcome == AccountOutcome::kDone));  // 4 wrong tries are under 5.
}

BOOST_FIXTURE_TEST_CASE(a_mailed_register_code_opens_an_account_once, Fixture) {
  AddMailed("M1", MailedPurpose::kRegister, "22222222");
  AddMailed("M1", MailedPurpose::kRecover, "33333333");
  NewAccount a = Request("jane", 'A', "M1", "");
  a.activation_code_hash.clear();
  a.mailed_code_hash = CodeHash("33333333");  // A recover code does not register.
  BOOST_TEST((Create(a) == AccountOutcome::kCodeSpent));
  a.mailed_code_hash = CodeHash("22222222");
  BOOST_TEST((Create(a) == AccountOutcome::kDone));
  BOOST_TEST((Keys("M1") == V{"A:patient"}));
  bool good = true;
  MailedCode code;
  BOOST_REQUIRE(store
                    ->CheckMailedCode("M1", MailedPurpose::kRegister, CodeHash("22222222"), kNow,
                                      kTries, &good, &code)
                    .ok());
  BOOST_TEST(!good);  // Used up.
  NewAccount again = Request("jim", 'B', "M1", "");
  again.activation_code_hash.clear();
  again.mailed_code_hash = CodeHash("22222222");
  BOOST_TEST((Create(again) == AccountOutcome::kCodeSpent));
}

BOOST_FIXTURE_TEST_CASE(reset_key_swaps_the_accounts_key_everywhere_and_only_there, Fixture) {
  const Account jane = SelfAccount("jane", 'A', "M1");
  SelfAccount("kid", '2', "M2");
  // Jane is a proxy on M2 (her account's key), and Q (someone else's, at the desk) on M1.
  AddCode("p2", "M2", CodeKind::kProxy, kNow + 3600, "Jane (mother)");
  AccountOutcome outcome = AccountOutcome::kCodeSpent;
  std::string mrn, token;
  BOOST_REQUIRE(store->LinkProxy(jane.id, CodeHash("p2"), kNow, &outcome, &mrn, &token).ok());
  BOOST_REQUIRE((outcome == AccountOutcome::kDone));
  EnrolledKey q;
  q.fingerprint = Fpr('9');
  BOOST_REQUIRE(reg->GrantProxy("M1", q, "desk key 9", kNow).ok());
  BOOST_TEST((Keys("M1") == V{"A:patient", "9:proxy"}));
  BOOST_TEST((Keys("M2") == V{"2:patient", "A:proxy"}));

  KdfSettings kdf;
  kdf.t = 4;
  kdf.m_kib = 131072;
  kdf.p = 2;
  kdf.salt = std::string(16, 'n');
  EnrolledKey n;
  n.fingerprint = Fpr('8');
  n.expires = kNow + 99;
  auto reset = [&](int64_t id, const std::string& for_mrn, const std::string& code,
                   const EnrolledKey& key) {
    AccountOutcome o = AccountOutcome::kDone;
    Status st = store->ResetKey(id, for_mrn, CodeHash(code), key, "public key new", kdf,
                                "new verifier", "new blob", kNow + 10, kTries, &o);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    return o;
  };
  AddMailed("M1", MailedPurpose::kRecover, "33333333");
  AddMailed("M2", MailedPurpose::kRecover, "44444444");
  AddMailed("M1", MailedPurpose::kRegister, "55555555");
  BOOST_TEST((reset(jane.id, "M1", "00000000", n) == AccountOutcome::kCodeSpent));
  BOOST_TEST((reset(jane.id, "M1", "55555555", n) == AccountOutcome::kCodeSpent));  // register
  BOOST_TEST((reset(jane.id, "M2", "44444444", n) == AccountOutcome::kCodeSpent));  // not self
  BOOST_TEST((reset(jane.id, "M1", "33333333", q) == AccountOutcome::kKeyInUse));   // on M1
  EnrolledKey k;
  k.fingerprint = Fpr('2');
  BOOST_TEST((reset(jane.id, "M1", "33333333", k) == AccountOutcome::kKeyInUse));  // kid's
  EnrolledKey a = n;
  a.fingerprint = Fpr('A');
  BOOST_TEST((reset(jane.id, "M1", "33333333", a) == AccountOutcome::kKeyInUse));  // her own
  BOOST_TEST(Get("jane").fingerprint == Fpr('A'));

  BOOST_TEST((reset(jane.id, "M1", "33333333", n) == AccountOutcome::kDone));
  BOOST_TEST((Keys("M1") == V{"8:patient", "9:proxy"}));
  BOOST_TEST((Keys("M2") == V{"2:patient", "8:proxy"}));
  bool found = false;
  BOOST_TEST(Enrolled("M1", &found).keys[0].expires == kNow + 99);
  BOOST_TEST(Enrolled("M2", &found).keys[1].expires == kNow + 99);
  BOOST_TEST(!fs::exists(KeyFile(Fpr('A'))));
  BOOST_TEST(Slurp(KeyFile(Fpr('8'))) == "public key new");
  BOOST_TEST(Slurp(KeyFile(Fpr('9'))) == "desk key 9");
  const Account after = Get("jane");
  BOOST_TEST(after.fingerprint == Fpr('8'));
  BOOST_TEST(after.kdf.t == 4);
  BOOST_TEST(after.kdf.m_kib == 131072);
  BOOST_TEST(after.kdf.p == 2);
  BOOST_TEST(after.kdf.salt == std::string(16, 'n'));
  BOOST_TEST(after.auth_verifier == "new verifier");
  BOOST_TEST(after.key_blob == "new blob");
  BOOST_TEST(after.updated_at == kNow + 10);
  BOOST_TEST(after.records.size() == 2u);
  BOOST_TEST((Events(jane.id) == V{"created@0", "proxy-linked@0", "key-reset@10"}));
  // The code is used up.
  BOOST_TEST((reset(jane.id, "M1", "33333333", k) == AccountOutcome::kCodeSpent));
}

BOOST_FIXTURE_TEST_CASE(a_failing_reset_keeps_the_old_key_pinned_with_its_file, Fixture) {
  const Account jane = SelfAccount("jane", 'A', "M1");
  AddMailed("M1", MailedPurpose::kRecover, "33333333");
  BreakHistory();
  EnrolledKey n;
  n.fingerprint = Fpr('8');
  AccountOutcome outcome = AccountOutcome::kCodeSpent;
  BOOST_TEST(!store
                  ->ResetKey(jane.id, "M1", CodeHash("33333333"), n, "public key new", jane.kdf,
                             "v", "b", kNow, kTries, &outcome)
                  .ok());
  BOOST_TEST((Keys("M1") == V{"A:patient"}));
  BOOST_TEST(Slurp(KeyFile(Fpr('A'))) == "public key A");
  BOOST_TEST(Get("jane").fingerprint == Fpr('A'));
  bool good = false;
  MailedCode code;
  BOOST_REQUIRE(store
                    ->CheckMailedCode("M1", MailedPurpose::kRecover, CodeHash("33333333"), kNow,
                                      kTries, &good, &code)
                    .ok());
  BOOST_TEST(good);  // Not used up.
}

BOOST_FIXTURE_TEST_CASE(replace_blob_changes_the_password_not_the_key, Fixture) {
  const Account jane = SelfAccount("jane", 'A', "M1");
  KdfSettings kdf;
  kdf.salt = std::string(16, 's');
  kdf.t = 5;
  BOOST_REQUIRE(store->ReplaceBlob(jane.id, kdf, "v2", "blob2", kNow + 5).ok());
  const Account after = Get("jane");
  BOOST_TEST(after.fingerprint == Fpr('A'));
  BOOST_TEST(after.kdf.salt == std::string(16, 's'));
  BOOST_TEST(after.kdf.t == 5);
  BOOST_TEST(after.auth_verifier == "v2");
  BOOST_TEST(after.key_blob == "blob2");
  BOOST_TEST(after.updated_at == kNow + 5);
  BOOST_TEST(after.created_at == kNow);
  BOOST_TEST((Keys("M1") == V{"A:patient"}));
  BOOST_TEST((Events(jane.id) == V{"created@0", "password-changed@5"}));
  BOOST_TEST(!store->ReplaceBlob(jane.id + 100, kdf, "v", "b", kNow).ok());
}

BOOST_FIXTURE_TEST_CASE(link_proxy_pins_the_accounts_key_on_the_codes_record, Fixture) {
  const Account jane = SelfAccount("jane", 'A', "M1");
  SelfAccount("kid", '2', "M2");
  AddCode("p2", "M2", CodeKind::kProxy, kNow + 3600, "Jane (mother)");
  AddCode("p1", "M1", CodeKind::kProxy);
  AddCode("patient2", "M2", CodeKind::kPatient);
  AddCode("p9", "M9", CodeKind::kProxy);
  AddCode("old", "M2", CodeKind::kProxy, kNow);
  auto link = [&](const std::string& code, std::string* mrn = nullptr,
                  std::string* token = nullptr) {
    AccountOutcome outcome = AccountOutcome::kDone;
    std::string m, t;
    Status st = store->LinkProxy(jane.id, CodeHash(code), kNow, &outcome, &m, &t);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    if (mrn != nullptr) *mrn = m;
    if (token != nullptr) *token = t;
    return outcome;
  };
  BOOST_TEST((link("unknown") == AccountOutcome::kCodeSpent));
  BOOST_TEST((link("patient2") == AccountOutcome::kCodeSpent));
  BOOST_TEST((link("p9") == AccountOutcome::kCodeSpent));   // Not enrolled.
  BOOST_TEST((link("old") == AccountOutcome::kCodeSpent));  // Expired.
  BOOST_TEST((link("p1") == AccountOutcome::kHasAccount));  // Her own record.
  BOOST_TEST(UsedAt("p1") == 0);
  std::string mrn, token;
  BOOST_TEST((link("p2", &mrn, &token) == AccountOutcome::kDone));
  BOOST_TEST(mrn == "M2");
  bool found = false;
  BOOST_TEST(token == Enrolled("M2", &found).token);
  BOOST_TEST((Keys("M2") == V{"2:patient", "A:proxy"}));
  bool expiry_kept = false;
  for (const auto& k : Enrolled("M2", &found).keys) {
    expiry_kept = expiry_kept || (k.fingerprint == Fpr('A') && k.expires == kNow + 86400 * 365);
  }
  BOOST_TEST(expiry_kept);
  const Account after = Get("jane");
  BOOST_REQUIRE_EQUAL(after.records.size(), 2u);
  BOOST_TEST(after.records[0].mrn == "M1");  // Self first.
  BOOST_TEST(after.records[1].mrn == "M2");
  BOOST_TEST((after.records[1].role == RecordRole::kProxy));
  BOOST_TEST(after.records[1].label == "Jane (mother)");
  BOOST_TEST((Events(jane.id) == V{"created@0", "proxy-linked@0"}));
  // Twice: the code is spent; a second proxy code for M2: she opens it already.
  BOOST_TEST((link("p2") == AccountOutcome::kCodeSpent));
  AddCode("p2b", "M2", CodeKind::kProxy);
  BOOST_TEST((link("p2b") == AccountOutcome::kHasAccount));
}

BOOST_FIXTURE_TEST_CASE(remove_account_unpins_its_key_everywhere, Fixture) {
  const Account jane = SelfAccount("jane", 'A', "M1");
  const Account kid = SelfAccount("kid", '2', "M2");
  AddCode("p2", "M2", CodeKind::kProxy);
  AccountOutcome outcome = AccountOutcome::kCodeSpent;
  std::string mrn, token;
  BOOST_REQUIRE(store->LinkProxy(jane.id, CodeHash("p2"), kNow, &outcome, &mrn, &token).ok());
  // Pat is a proxy on M1 by an account; Q at the desk.
  AddCode("p1", "M1", CodeKind::kProxy);
  NewAccount pat = Fixture::Request("pat", '7', "M1", "p1");
  pat.role = RecordRole::kProxy;
  BOOST_REQUIRE((Create(pat) == AccountOutcome::kDone));
  EnrolledKey q;
  q.fingerprint = Fpr('9');
  BOOST_REQUIRE(reg->GrantProxy("M1", q, "desk key 9", kNow).ok());

  BOOST_REQUIRE(store->RemoveAccount(jane.id).ok());
  BOOST_TEST(!HasAccount("jane"));
  BOOST_TEST(!IsEnrolled("M1"));  // Her record: unenrolled, every key on it with it.
  BOOST_TEST((Keys("M2") == V{"2:patient"}));
  BOOST_TEST(!fs::exists(KeyFile(Fpr('A'))));
  BOOST_TEST(!fs::exists(KeyFile(Fpr('7'))));
  BOOST_TEST(!fs::exists(KeyFile(Fpr('9'))));
  BOOST_TEST(Slurp(KeyFile(Fpr('2'))) == "public key 2");
  BOOST_TEST(Events(jane.id).empty());  // Her history went with her account.
  // Pat's account stays, without the link to a record that is gone.
  BOOST_TEST(Get("pat").records.empty());
  BOOST_TEST(Get("kid").id == kid.id);
  Account by;
  bool found = true;
  BOOST_REQUIRE(store->FindByRecord("M1", RecordRole::kSelf, &by, &found).ok());
  BOOST_TEST(!found);
  BOOST_TEST(!store->RemoveAccount(jane.id).ok());
  // The patient may register again.
  AddCode("again", "M1", CodeKind::kPatient);
  BOOST_TEST((Create(Fixture::Request("jane2", 'B', "M1", "again")) == AccountOutcome::kDone));
}

BOOST_FIXTURE_TEST_CASE(lock_unlock_and_sign_in_are_kept, Fixture) {
  const Account jane = SelfAccount("jane", 'A', "M1");
  BOOST_REQUIRE(store->SetLocked(jane.id, true, kNow + 1).ok());
  BOOST_TEST(Get("jane").locked);
  BOOST_REQUIRE(store->SetLocked(jane.id, false, kNow + 2).ok());
  BOOST_TEST(!Get("jane").locked);
  BOOST_REQUIRE(store->NoteSignIn(jane.id, kNow + 3).ok());
  BOOST_TEST(Get("jane").last_sign_in_at == kNow + 3);
  BOOST_TEST((Events(jane.id) == V{"created@0", "locked@1", "unlocked@2"}));
  BOOST_TEST(!store->SetLocked(jane.id + 100, true, kNow).ok());
}

BOOST_FIXTURE_TEST_CASE(sign_in_failures_wait_from_the_threshold_doubling_up_to_the_cap, Fixture) {
  // Threshold 5, 60 s doubling, 3600 s at most: the waits written out.
  const std::vector<int64_t> waits = {0,   0,   0,    0,    60,   120,  240,
                                      480, 960, 1920, 3600, 3600, 3600, 3600};
  for (size_t i = 0; i < waits.size(); ++i) {
    const int64_t at = kNow + static_cast<int64_t>(i);
    int64_t until = -1;
    BOOST_REQUIRE(store->RecordSignInFailure("key1", at, 5, 60, 3600, &until).ok());
    BOOST_TEST(until == (waits[i] == 0 ? 0 : at + waits[i]), "failure " << i + 1);
    int64_t failures = 0, stored_until = 0;
    BOOST_REQUIRE(store->SignInState("key1", &failures, &stored_until).ok());
    BOOST_TEST(failures == static_cast<int64_t>(i + 1));
    BOOST_TEST(stored_until == until);
  }
  // Very many: still capped (no overflow).
  int64_t until = 0;
  for (int i = 0; i < 100; ++i) {
    BOOST_REQUIRE(store->RecordSignInFailure("key1", kNow + 100, 5, 60, 3600, &until).ok());
  }
  BOOST_TEST(until == kNow + 100 + 3600);
  // Each Logon ID on its own.
  int64_t failures = -1, other_until = -1;
  BOOST_REQUIRE(store->SignInState("key2", &failures, &other_until).ok());
  BOOST_TEST(failures == 0);
  BOOST_TEST(other_until == 0);
  BOOST_REQUIRE(store->ClearSignInFailures("key1").ok());
  BOOST_REQUIRE(store->SignInState("key1", &failures, &other_until).ok());
  BOOST_TEST(failures == 0);
  BOOST_TEST(other_until == 0);
}

BOOST_FIXTURE_TEST_CASE(pruning_forgets_old_failures_but_not_a_running_wait, Fixture) {
  int64_t until = 0;
  BOOST_REQUIRE(store->RecordSignInFailure("old", kNow - 1000, 5, 60, 3600, &until).ok());
  for (int i = 0; i < 11; ++i) {
    BOOST_REQUIRE(store->RecordSignInFailure("waiting", kNow - 1000, 5, 60, 3600, &until).ok());
  }
  BOOST_REQUIRE(until == kNow - 1000 + 3600);
  BOOST_REQUIRE(store->RecordSignInFailure("recent", kNow, 5, 60, 3600, &until).ok());
  BOOST_REQUIRE(store->PruneSignInFailures(kNow - 10).ok());
  int64_t failures = 0;
  BOOST_REQUIRE(store->SignInState("old", &failures, &until).ok());
  BOOST_TEST(failures == 0);
  BOOST_REQUIRE(store->SignInState("waiting", &failures, &until).ok());
  BOOST_TEST(failures == 11);
  BOOST_REQUIRE(store->SignInState("recent", &failures, &until).ok());
  BOOST_TEST(failures == 1);
}

BOOST_FIXTURE_TEST_CASE(activation_codes_are_kept_once_and_listed_newest_first, Fixture) {
  AddCode("first", "M1", CodeKind::kPatient);
  ActivationCode second;
  second.code_hash = CodeHash("second");
  second.mrn = "M1";
  second.kind = CodeKind::kProxy;
  second.label = "Pat";
  second.created_at = kNow;
  second.expires_at = kNow + 10;
  BOOST_REQUIRE(store->AddActivationCode(second).ok());
  AddCode("elsewhere", "M2", CodeKind::kPatient);
  Status st = store->AddActivationCode(second);
  BOOST_TEST((st.code() == Status::Code::kInvalidInput));
  std::vector<ActivationCode> codes;
  BOOST_REQUIRE(store->ActivationCodesOf("M1", &codes).ok());
  BOOST_REQUIRE_EQUAL(codes.size(), 2u);
  BOOST_TEST(codes[0].code_hash == CodeHash("second"));
  BOOST_TEST((codes[0].kind == CodeKind::kProxy));
  BOOST_TEST(codes[0].label == "Pat");
  BOOST_TEST(codes[0].expires_at == kNow + 10);
  BOOST_TEST(codes[1].code_hash == CodeHash("first"));
  BOOST_TEST(codes[1].created_by == Fpr('5'));
  BOOST_TEST(codes[1].created_at == kNow - 60);
  ActivationCode found_code;
  bool found = true;
  BOOST_REQUIRE(store->FindActivationCode(CodeHash("nothing"), &found_code, &found).ok());
  BOOST_TEST(!found);
}

BOOST_AUTO_TEST_CASE(names_are_the_wire_words) {
  BOOST_TEST(std::string(ToString(RecordRole::kSelf)) == "self");
  BOOST_TEST(std::string(ToString(RecordRole::kProxy)) == "proxy");
  BOOST_TEST(std::string(ToString(CodeKind::kPatient)) == "patient");
  BOOST_TEST(std::string(ToString(CodeKind::kProxy)) == "proxy");
  BOOST_TEST(std::string(ToString(MailedPurpose::kRegister)) == "register");
  BOOST_TEST(std::string(ToString(MailedPurpose::kRecover)) == "recover");
}

}  // namespace
}  // namespace portal
