#include "core/account_store.h"

#include <algorithm>
#include <optional>

#include "core/account_secrets.h"
#include "core/file_util.h"
#include "core/sqlite_db.h"

namespace portal {

namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS accounts(
  id INTEGER PRIMARY KEY,
  logon_id TEXT NOT NULL UNIQUE,
  fingerprint TEXT NOT NULL UNIQUE,
  kdf_t INTEGER NOT NULL,
  kdf_m INTEGER NOT NULL,
  kdf_p INTEGER NOT NULL,
  salt BLOB NOT NULL,
  auth_verifier BLOB NOT NULL,
  key_blob BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_sign_in_at INTEGER NOT NULL DEFAULT 0,
  locked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS account_records(
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  mrn TEXT NOT NULL,
  role TEXT NOT NULL CHECK(role IN ('self', 'proxy')),
  label TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(account_id, mrn)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS account_records_by_mrn ON account_records(mrn, role);
CREATE TABLE IF NOT EXISTS account_events(
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  event TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS account_events_by_account ON account_events(account_id, at);
CREATE TABLE IF NOT EXISTS activation_codes(
  code_hash TEXT PRIMARY KEY,
  mrn TEXT NOT NULL,
  kind TEXT NOT NULL CHECK(kind IN ('patient', 'proxy')),
  label TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS activation_codes_by_mrn ON activation_codes(mrn, created_at);
CREATE TABLE IF NOT EXISTS mailed_codes(
  id INTEGER PRIMARY KEY,
  mrn TEXT NOT NULL,
  purpose TEXT NOT NULL CHECK(purpose IN ('register', 'recover')),
  code_hash TEXT NOT NULL,
  email TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  tries INTEGER NOT NULL DEFAULT 0,
  used_at INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS mailed_codes_by_mrn ON mailed_codes(mrn, purpose, created_at);
CREATE TABLE IF NOT EXISTS sign_in_failures(
  logon_key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  locked_until INTEGER NOT NULL,
  updated_at INTEGER NOT NULL) WITHOUT ROWID;
)sql";

constexpr char kAccountColumns[] =
    "id, logon_id, fingerprint, kdf_t, kdf_m, kdf_p, salt, auth_verifier, key_blob, created_at, "
    "updated_at, last_sign_in_at, locked";

// A blob column as bytes (Text() reads the bytes of any column).
void ReadAccount(const SqliteStatement& q, Account* a) {
  a->id = q.Int(0);
  a->logon_id = q.Text(1);
  a->fingerprint = q.Text(2);
  a->kdf.t = q.Int(3);
  a->kdf.m_kib = q.Int(4);
  a->kdf.p = q.Int(5);
  a->kdf.salt = q.Text(6);
  a->auth_verifier = q.Text(7);
  a->key_blob = q.Text(8);
  a->created_at = q.Int(9);
  a->updated_at = q.Int(10);
  a->last_sign_in_at = q.Int(11);
  a->locked = q.Int(12) != 0;
}

// The key `fingerprint` if it is pinned on `e` (in any role).
const EnrolledKey* PinnedKey(const Enrollment& e, const std::string& fingerprint) {
  for (const EnrolledKey& k : e.keys) {
    if (k.fingerprint == fingerprint) return &k;
  }
  return nullptr;
}

RecordRole RoleFrom(const std::string& word) {
  return word == "self" ? RecordRole::kSelf : RecordRole::kProxy;
}

// Runs the body inside one transaction; the registry's deferred key-file removals are swept
// after the commit or the rollback, so a file goes only when no committed row needs it.
class AccountTxn {
 public:
  explicit AccountTxn(EnrollmentRegistry* registry) : registry_(registry) {
    txn_.emplace(registry->db());
  }
  ~AccountTxn() {
    if (!open_) return;
    txn_.reset();                      // Rolls back.
    (void)registry_->SweepKeyFiles();  // Re-checks: rolled-back pins keep their files.
  }
  Status Begin() {
    PORTAL_RETURN_IF_ERROR(txn_->Begin());
    open_ = true;
    return Status::Ok();
  }
  Status Commit() {
    PORTAL_RETURN_IF_ERROR(txn_->Commit());
    open_ = false;
    return registry_->SweepKeyFiles();
  }

 private:
  EnrollmentRegistry* registry_;
  std::optional<SqliteTransaction> txn_;
  bool open_ = false;
};

}  // namespace

const char* ToString(RecordRole role) { return role == RecordRole::kSelf ? "self" : "proxy"; }
const char* ToString(CodeKind kind) { return kind == CodeKind::kPatient ? "patient" : "proxy"; }
const char* ToString(MailedPurpose p) {
  return p == MailedPurpose::kRegister ? "register" : "recover";
}

Status AccountStore::Open(EnrollmentRegistry* registry, std::unique_ptr<AccountStore>* out) {
  PORTAL_RETURN_IF_ERROR(registry->db()->Exec(kSchema));
  out->reset(new AccountStore(registry));
  return Status::Ok();
}

// --- accounts ---

Status AccountStore::LoadRecords(Account* a) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      registry_->db()->Prepare("SELECT mrn, role, label FROM account_records WHERE account_id = ?1 "
                               "ORDER BY role = 'proxy', mrn",
                               &q));
  q->Bind(1, a->id);
  a->records.clear();
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    a->records.push_back({q->Text(0), RoleFrom(q->Text(1)), q->Text(2)});
  }
  return Status::Ok();
}

Status AccountStore::FindWhere(const std::string& where, const std::string& value, Account* out,
                               bool* found) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE " + where, &q));
  q->Bind(1, value);
  PORTAL_RETURN_IF_ERROR(q->Step(found));
  if (!*found) return Status::Ok();
  ReadAccount(*q, out);
  return LoadRecords(out);
}

Status AccountStore::FindByLogonId(const std::string& logon_id, Account* out, bool* found) {
  return FindWhere("logon_id = ?1", logon_id, out, found);
}

Status AccountStore::FindByFingerprint(const std::string& fingerprint, Account* out, bool* found) {
  return FindWhere("fingerprint = ?1", fingerprint, out, found);
}

Status AccountStore::FindByRecord(const std::string& mrn, RecordRole role, Account* out,
                                  bool* found) {
  return FindWhere(std::string("id = (SELECT account_id FROM account_records WHERE mrn = ?1 AND "
                               "role = '") +
                       ToString(role) + "' ORDER BY account_id LIMIT 1)",
                   mrn, out, found);
}

Status AccountStore::AccountsOfRecord(const std::string& mrn, std::vector<Account>* out) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      std::string("SELECT ") + kAccountColumns +
          " FROM accounts WHERE id IN (SELECT account_id FROM account_records WHERE mrn = ?1) "
          "ORDER BY id",
      &q));
  q->Bind(1, mrn);
  out->clear();
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    Account a;
    ReadAccount(*q, &a);
    out->push_back(std::move(a));
  }
  for (auto& a : *out) PORTAL_RETURN_IF_ERROR(LoadRecords(&a));
  return Status::Ok();
}

Status AccountStore::LogonIdTaken(const std::string& logon_id, bool* taken) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      registry_->db()->Prepare("SELECT 1 FROM accounts WHERE logon_id = ?1", &q));
  q->Bind(1, logon_id);
  return q->Step(taken);
}

Status AccountStore::AddEvent(int64_t account_id, int64_t now, const std::string& event) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "INSERT INTO account_events(account_id, at, event) VALUES(?1, ?2, ?3)", &q));
  q->Bind(1, account_id).Bind(2, now).Bind(3, event);
  return q->Run();
}

Status AccountStore::UseActivationCode(const std::string& code_hash, const std::string& mrn,
                                       CodeKind kind, int64_t now, bool* spent,
                                       ActivationCode* code) {
  bool found = false;
  PORTAL_RETURN_IF_ERROR(FindActivationCode(code_hash, code, &found));
  *spent = !found || code->used_at != 0 || code->expires_at <= now || code->mrn != mrn ||
           code->kind != kind;
  if (*spent) return Status::Ok();
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "UPDATE activation_codes SET used_at = ?2 WHERE code_hash = ?1 AND used_at = 0", &q));
  q->Bind(1, code_hash).Bind(2, now);
  PORTAL_RETURN_IF_ERROR(q->Run());
  *spent = registry_->db()->Changes() == 0;
  return Status::Ok();
}

Status AccountStore::UseMailedCode(const std::string& mrn, MailedPurpose purpose,
                                   const std::string& code_hash, int64_t now, int64_t max_tries,
                                   bool* spent) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "SELECT id, code_hash FROM mailed_codes WHERE mrn = ?1 AND purpose = ?2 AND used_at = 0 "
      "AND expires_at > ?3 AND tries < ?4 ORDER BY created_at DESC, id DESC LIMIT 1",
      &q));
  q->Bind(1, mrn).Bind(2, ToString(purpose)).Bind(3, now).Bind(4, max_tries);
  bool row = false;
  PORTAL_RETURN_IF_ERROR(q->Step(&row));
  *spent = !row || !ConstantTimeEquals(q->Text(1), code_hash);
  if (*spent) return Status::Ok();
  const int64_t id = q->Int(0);
  std::unique_ptr<SqliteStatement> use;
  PORTAL_RETURN_IF_ERROR(
      registry_->db()->Prepare("UPDATE mailed_codes SET used_at = ?2 WHERE id = ?1", &use));
  use->Bind(1, id).Bind(2, now);
  return use->Run();
}

Status AccountStore::CreateAccount(const NewAccount& a, int64_t now, int64_t max_tries,
                                   AccountOutcome* outcome, std::string* token) {
  AccountTxn txn(registry_);
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  // The code first: every later refusal is only for a holder of a valid code.
  bool spent = true;
  std::string code_label;
  if (!a.activation_code_hash.empty()) {
    ActivationCode code;
    PORTAL_RETURN_IF_ERROR(UseActivationCode(
        a.activation_code_hash, a.mrn,
        a.role == RecordRole::kSelf ? CodeKind::kPatient : CodeKind::kProxy, now, &spent, &code));
    code_label = code.label;
  } else if (a.role == RecordRole::kProxy) {
    spent = true;  // E-mailed codes open only the patient's own record.
  } else {
    PORTAL_RETURN_IF_ERROR(
        UseMailedCode(a.mrn, a.mailed_purpose, a.mailed_code_hash, now, max_tries, &spent));
  }
  if (spent) {
    *outcome = AccountOutcome::kCodeSpent;
    return Status::Ok();
  }
  bool taken = false;
  PORTAL_RETURN_IF_ERROR(LogonIdTaken(a.logon_id, &taken));
  if (taken) {
    *outcome = AccountOutcome::kLogonIdTaken;
    return Status::Ok();
  }
  Account other;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(FindByFingerprint(a.key.fingerprint, &other, &found));
  if (found) {
    *outcome = AccountOutcome::kKeyInUse;
    return Status::Ok();
  }
  Enrollment enrolled;
  bool enrolled_found = false;
  PORTAL_RETURN_IF_ERROR(registry_->Find(a.mrn, &enrolled, &enrolled_found));
  const EnrolledKey* pinned = enrolled_found ? PinnedKey(enrolled, a.key.fingerprint) : nullptr;
  std::string label = a.label;
  if (a.role == RecordRole::kSelf) {
    PORTAL_RETURN_IF_ERROR(FindByRecord(a.mrn, RecordRole::kSelf, &other, &found));
    if (found) {
      *outcome = AccountOutcome::kHasAccount;
      return Status::Ok();
    }
    if (pinned != nullptr && pinned->role == EnrolledKey::Role::kProxy) {
      *outcome = AccountOutcome::kKeyInUse;  // A patient is not their own proxy.
      return Status::Ok();
    }
    if (pinned != nullptr) {
      *token = enrolled.token;  // Staff pinned this very key at the desk: it stays as it is.
    } else {
      // Enrolled at the desk with another key but no account: this key replaces it (the token
      // stays).
      PORTAL_RETURN_IF_ERROR(registry_->Enroll(a.mrn, a.patient_id, a.key, a.key_data,
                                               /*replace_key=*/enrolled_found, now, token));
    }
  } else {
    if (!enrolled_found) {  // A proxy opens only an enrolled patient's record.
      *outcome = AccountOutcome::kCodeSpent;
      return Status::Ok();
    }
    if (pinned != nullptr) {
      *outcome = AccountOutcome::kKeyInUse;
      return Status::Ok();
    }
    EnrolledKey proxy = a.key;
    proxy.role = EnrolledKey::Role::kProxy;
    PORTAL_RETURN_IF_ERROR(registry_->GrantProxy(a.mrn, proxy, a.key_data, now));
    *token = enrolled.token;
    if (label.empty()) label = code_label;
  }
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "INSERT INTO accounts(logon_id, fingerprint, kdf_t, kdf_m, kdf_p, salt, auth_verifier, "
      "key_blob, created_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
      &q));
  q->Bind(1, a.logon_id)
      .Bind(2, a.key.fingerprint)
      .Bind(3, a.kdf.t)
      .Bind(4, a.kdf.m_kib)
      .Bind(5, a.kdf.p)
      .BindBlob(6, a.kdf.salt)
      .BindBlob(7, a.auth_verifier)
      .BindBlob(8, a.key_blob)
      .Bind(9, now);
  PORTAL_RETURN_IF_ERROR(q->Run());
  PORTAL_RETURN_IF_ERROR(FindByFingerprint(a.key.fingerprint, &other, &found));
  PORTAL_RETURN_IF_ERROR(LinkRecord(other.id, a.mrn, a.role, label));
  PORTAL_RETURN_IF_ERROR(AddEvent(other.id, now, "created"));
  PORTAL_RETURN_IF_ERROR(txn.Commit());
  *outcome = AccountOutcome::kDone;
  return Status::Ok();
}

Status AccountStore::LinkRecord(int64_t account_id, const std::string& mrn, RecordRole role,
                                const std::string& label) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "INSERT INTO account_records(account_id, mrn, role, label) VALUES(?1, ?2, ?3, ?4)", &q));
  q->Bind(1, account_id).Bind(2, mrn).Bind(3, ToString(role)).Bind(4, label);
  return q->Run();
}

Status AccountStore::SetCredentials(int64_t account_id, const KdfSettings& kdf,
                                    const std::string& auth_verifier, const std::string& key_blob,
                                    int64_t now) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "UPDATE accounts SET kdf_t = ?2, kdf_m = ?3, kdf_p = ?4, salt = ?5, auth_verifier = ?6, "
      "key_blob = ?7, updated_at = ?8 WHERE id = ?1",
      &q));
  q->Bind(1, account_id)
      .Bind(2, kdf.t)
      .Bind(3, kdf.m_kib)
      .Bind(4, kdf.p)
      .BindBlob(5, kdf.salt)
      .BindBlob(6, auth_verifier)
      .BindBlob(7, key_blob)
      .Bind(8, now);
  PORTAL_RETURN_IF_ERROR(q->Run());
  if (registry_->db()->Changes() == 0) return Status::InvalidInput("no such account");
  return Status::Ok();
}

Status AccountStore::ResetKey(int64_t account_id, const std::string& mrn,
                              const std::string& mailed_code_hash, const EnrolledKey& key,
                              const std::string& key_data, const KdfSettings& kdf,
                              const std::string& auth_verifier, const std::string& key_blob,
                              int64_t now, int64_t max_tries, AccountOutcome* outcome) {
  AccountTxn txn(registry_);
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  bool spent = true;
  PORTAL_RETURN_IF_ERROR(
      UseMailedCode(mrn, MailedPurpose::kRecover, mailed_code_hash, now, max_tries, &spent));
  if (spent) {
    *outcome = AccountOutcome::kCodeSpent;
    return Status::Ok();
  }
  Account account, other;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(FindWhere("id = ?1", std::to_string(account_id), &account, &found));
  const bool self_of_mrn =
      found && std::any_of(account.records.begin(), account.records.end(), [&](const auto& r) {
        return r.mrn == mrn && r.role == RecordRole::kSelf;
      });
  if (!self_of_mrn) {
    *outcome = AccountOutcome::kCodeSpent;
    return Status::Ok();
  }
  // The new key must be new to every record the account opens (the old key included) and
  // nobody else's account key.
  PORTAL_RETURN_IF_ERROR(FindByFingerprint(key.fingerprint, &other, &found));
  bool in_use = found;
  for (const AccountRecord& r : account.records) {
    Enrollment e;
    bool enrolled = false;
    PORTAL_RETURN_IF_ERROR(registry_->Find(r.mrn, &e, &enrolled));
    in_use = in_use || (enrolled && PinnedKey(e, key.fingerprint) != nullptr);
  }
  if (in_use) {
    *outcome = AccountOutcome::kKeyInUse;
    return Status::Ok();
  }
  // The account's key, wherever it is pinned: its own record's patient key, and its proxy
  // links. Other people's proxy keys on the patient's record stay.
  for (const AccountRecord& r : account.records) {
    Enrollment e;
    bool enrolled = false;
    PORTAL_RETURN_IF_ERROR(registry_->Find(r.mrn, &e, &enrolled));
    if (!enrolled) continue;
    if (r.role == RecordRole::kSelf) {
      std::string token;
      PORTAL_RETURN_IF_ERROR(registry_->Enroll(r.mrn, e.patient_id, key, key_data,
                                               /*replace_key=*/true, now, &token));
    } else {
      (void)registry_->RevokeProxy(r.mrn, account.fingerprint);  // Gone already: fine.
      EnrolledKey proxy = key;
      proxy.role = EnrolledKey::Role::kProxy;
      PORTAL_RETURN_IF_ERROR(registry_->GrantProxy(r.mrn, proxy, key_data, now));
    }
  }
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      registry_->db()->Prepare("UPDATE accounts SET fingerprint = ?2 WHERE id = ?1", &q));
  q->Bind(1, account_id).Bind(2, key.fingerprint);
  PORTAL_RETURN_IF_ERROR(q->Run());
  PORTAL_RETURN_IF_ERROR(SetCredentials(account_id, kdf, auth_verifier, key_blob, now));
  PORTAL_RETURN_IF_ERROR(AddEvent(account_id, now, "key-reset"));
  PORTAL_RETURN_IF_ERROR(txn.Commit());
  *outcome = AccountOutcome::kDone;
  return Status::Ok();
}

Status AccountStore::ReplaceBlob(int64_t account_id, const KdfSettings& kdf,
                                 const std::string& auth_verifier, const std::string& key_blob,
                                 int64_t now) {
  AccountTxn txn(registry_);
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  PORTAL_RETURN_IF_ERROR(SetCredentials(account_id, kdf, auth_verifier, key_blob, now));
  PORTAL_RETURN_IF_ERROR(AddEvent(account_id, now, "password-changed"));
  return txn.Commit();
}

Status AccountStore::LinkProxy(int64_t account_id, const std::string& activation_code_hash,
                               int64_t now, AccountOutcome* outcome, std::string* mrn,
                               std::string* token) {
  AccountTxn txn(registry_);
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  ActivationCode code;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(FindActivationCode(activation_code_hash, &code, &found));
  bool spent = true;
  if (found) {
    PORTAL_RETURN_IF_ERROR(
        UseActivationCode(activation_code_hash, code.mrn, CodeKind::kProxy, now, &spent, &code));
  }
  Account account;
  bool account_found = false;
  if (!spent) {
    PORTAL_RETURN_IF_ERROR(
        FindWhere("id = ?1", std::to_string(account_id), &account, &account_found));
  }
  Enrollment e;
  bool enrolled = false;
  if (!spent && account_found) PORTAL_RETURN_IF_ERROR(registry_->Find(code.mrn, &e, &enrolled));
  if (spent || !account_found || !enrolled) {
    *outcome = AccountOutcome::kCodeSpent;
    return Status::Ok();
  }
  // Already one of the account's records, or its key pinned there at the desk.
  const bool opens = std::any_of(account.records.begin(), account.records.end(),
                                 [&](const AccountRecord& r) { return r.mrn == code.mrn; });
  if (opens || PinnedKey(e, account.fingerprint) != nullptr) {
    *outcome = AccountOutcome::kHasAccount;
    return Status::Ok();
  }
  std::string key_data;
  PORTAL_RETURN_IF_ERROR(ReadFile(registry_->KeyFile(account.fingerprint), &key_data));
  EnrolledKey proxy;
  proxy.fingerprint = account.fingerprint;
  proxy.role = EnrolledKey::Role::kProxy;
  // The expiry pinned on the account's own record, if it has one.
  for (const AccountRecord& r : account.records) {
    Enrollment own;
    bool own_found = false;
    PORTAL_RETURN_IF_ERROR(registry_->Find(r.mrn, &own, &own_found));
    for (const auto& k : own.keys) {
      if (k.fingerprint == account.fingerprint) proxy.expires = k.expires;
    }
  }
  PORTAL_RETURN_IF_ERROR(registry_->GrantProxy(code.mrn, proxy, key_data, now));
  PORTAL_RETURN_IF_ERROR(LinkRecord(account_id, code.mrn, RecordRole::kProxy, code.label));
  PORTAL_RETURN_IF_ERROR(AddEvent(account_id, now, "proxy-linked"));
  PORTAL_RETURN_IF_ERROR(txn.Commit());
  *mrn = code.mrn;
  *token = e.token;
  *outcome = AccountOutcome::kDone;
  return Status::Ok();
}

Status AccountStore::NoteSignIn(int64_t account_id, int64_t now) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      registry_->db()->Prepare("UPDATE accounts SET last_sign_in_at = ?2 WHERE id = ?1", &q));
  q->Bind(1, account_id).Bind(2, now);
  return q->Run();
}

Status AccountStore::SetLocked(int64_t account_id, bool locked, int64_t now) {
  AccountTxn txn(registry_);
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      registry_->db()->Prepare("UPDATE accounts SET locked = ?2 WHERE id = ?1", &q));
  q->Bind(1, account_id).Bind(2, int64_t{locked ? 1 : 0});
  PORTAL_RETURN_IF_ERROR(q->Run());
  if (registry_->db()->Changes() == 0) return Status::InvalidInput("no such account");
  PORTAL_RETURN_IF_ERROR(AddEvent(account_id, now, locked ? "locked" : "unlocked"));
  return txn.Commit();
}

Status AccountStore::RemoveAccount(int64_t account_id) {
  AccountTxn txn(registry_);
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  Account account;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(FindWhere("id = ?1", std::to_string(account_id), &account, &found));
  if (!found) return Status::InvalidInput("no such account");
  for (const AccountRecord& r : account.records) {
    Enrollment e;
    bool enrolled = false;
    PORTAL_RETURN_IF_ERROR(registry_->Find(r.mrn, &e, &enrolled));
    if (!enrolled) continue;
    if (r.role == RecordRole::kSelf) {
      PORTAL_RETURN_IF_ERROR(registry_->Unenroll(r.mrn));
    } else {
      (void)registry_->RevokeProxy(r.mrn, account.fingerprint);  // Gone already: fine.
    }
  }
  std::unique_ptr<SqliteStatement> q;
  for (const AccountRecord& r : account.records) {
    if (r.role != RecordRole::kSelf) continue;
    // The unenrolled record's proxy keys went with it: other accounts' links to it go too (a
    // new enrolment has a new token and needs new proxy codes).
    PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
        "DELETE FROM account_records WHERE mrn = ?1 AND role = 'proxy'", &q));
    q->Bind(1, r.mrn);
    PORTAL_RETURN_IF_ERROR(q->Run());
  }
  // Its own history goes with it (ON DELETE CASCADE): the staff's audit trail keeps the removal.
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare("DELETE FROM accounts WHERE id = ?1", &q));
  q->Bind(1, account_id);
  PORTAL_RETURN_IF_ERROR(q->Run());
  return txn.Commit();
}

Status AccountStore::EventsOf(int64_t account_id, std::vector<AccountEvent>* out) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "SELECT at, event FROM account_events WHERE account_id = ?1 ORDER BY at, rowid", &q));
  q->Bind(1, account_id);
  out->clear();
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    out->push_back({q->Int(0), q->Text(1)});
  }
  return Status::Ok();
}

// --- sign-in failures ---

Status AccountStore::SignInState(const std::string& logon_key, int64_t* failures,
                                 int64_t* locked_until) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "SELECT failures, locked_until FROM sign_in_failures WHERE logon_key = ?1", &q));
  q->Bind(1, logon_key);
  bool row = false;
  PORTAL_RETURN_IF_ERROR(q->Step(&row));
  *failures = row ? q->Int(0) : 0;
  *locked_until = row ? q->Int(1) : 0;
  return Status::Ok();
}

Status AccountStore::RecordSignInFailure(const std::string& logon_key, int64_t now,
                                         int64_t threshold, int64_t initial_seconds,
                                         int64_t max_seconds, int64_t* locked_until) {
  int64_t failures = 0, until = 0;
  PORTAL_RETURN_IF_ERROR(SignInState(logon_key, &failures, &until));
  ++failures;
  until = 0;
  if (failures >= threshold) {
    int64_t wait = initial_seconds;
    for (int64_t i = threshold; i < failures && wait < max_seconds; ++i) wait *= 2;
    until = now + std::min(wait, max_seconds);
  }
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "INSERT INTO sign_in_failures(logon_key, failures, locked_until, updated_at) "
      "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(logon_key) DO UPDATE SET failures = ?2, "
      "locked_until = ?3, updated_at = ?4",
      &q));
  q->Bind(1, logon_key).Bind(2, failures).Bind(3, until).Bind(4, now);
  PORTAL_RETURN_IF_ERROR(q->Run());
  *locked_until = until;
  return Status::Ok();
}

Status AccountStore::ClearSignInFailures(const std::string& logon_key) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      registry_->db()->Prepare("DELETE FROM sign_in_failures WHERE logon_key = ?1", &q));
  q->Bind(1, logon_key);
  return q->Run();
}

Status AccountStore::PruneSignInFailures(int64_t before) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "DELETE FROM sign_in_failures WHERE updated_at < ?1 AND locked_until < ?1", &q));
  q->Bind(1, before);
  return q->Run();
}

// --- activation codes ---

Status AccountStore::AddActivationCode(const ActivationCode& code) {
  ActivationCode existing;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(FindActivationCode(code.code_hash, &existing, &found));
  if (found) return Status::InvalidInput("this activation code exists already");
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "INSERT INTO activation_codes(code_hash, mrn, kind, label, created_by, created_at, "
      "expires_at, used_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
      &q));
  q->Bind(1, code.code_hash)
      .Bind(2, code.mrn)
      .Bind(3, ToString(code.kind))
      .Bind(4, code.label)
      .Bind(5, code.created_by)
      .Bind(6, code.created_at)
      .Bind(7, code.expires_at)
      .Bind(8, code.used_at);
  return q->Run();
}

namespace {

constexpr char kCodeColumns[] =
    "code_hash, mrn, kind, label, created_by, created_at, expires_at, used_at";

void ReadCode(const SqliteStatement& q, ActivationCode* c) {
  c->code_hash = q.Text(0);
  c->mrn = q.Text(1);
  c->kind = q.Text(2) == "patient" ? CodeKind::kPatient : CodeKind::kProxy;
  c->label = q.Text(3);
  c->created_by = q.Text(4);
  c->created_at = q.Int(5);
  c->expires_at = q.Int(6);
  c->used_at = q.Int(7);
}

}  // namespace

Status AccountStore::FindActivationCode(const std::string& code_hash, ActivationCode* out,
                                        bool* found) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      std::string("SELECT ") + kCodeColumns + " FROM activation_codes WHERE code_hash = ?1", &q));
  q->Bind(1, code_hash);
  PORTAL_RETURN_IF_ERROR(q->Step(found));
  if (*found) ReadCode(*q, out);
  return Status::Ok();
}

Status AccountStore::ActivationCodesOf(const std::string& mrn, std::vector<ActivationCode>* out) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      registry_->db()->Prepare(std::string("SELECT ") + kCodeColumns +
                                   " FROM activation_codes WHERE mrn = ?1 ORDER BY created_at "
                                   "DESC, code_hash",
                               &q));
  q->Bind(1, mrn);
  out->clear();
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    ActivationCode c;
    ReadCode(*q, &c);
    out->push_back(std::move(c));
  }
  return Status::Ok();
}

// --- e-mailed codes ---

Status AccountStore::CountMailedCodes(const std::string& mrn, int64_t since, int64_t* count) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "SELECT COUNT(*) FROM mailed_codes WHERE mrn = ?1 AND created_at >= ?2", &q));
  q->Bind(1, mrn).Bind(2, since);
  PORTAL_RETURN_IF_ERROR(q->Step());
  *count = q->Int(0);
  return Status::Ok();
}

Status AccountStore::AddMailedCode(const MailedCode& code) {
  AccountTxn txn(registry_);
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  std::unique_ptr<SqliteStatement> q;
  // Only the newest code counts: earlier unused ones are voided (marked used).
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "UPDATE mailed_codes SET used_at = ?3 WHERE mrn = ?1 AND purpose = ?2 AND used_at = 0", &q));
  q->Bind(1, code.mrn).Bind(2, ToString(code.purpose)).Bind(3, code.created_at);
  PORTAL_RETURN_IF_ERROR(q->Run());
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "INSERT INTO mailed_codes(mrn, purpose, code_hash, email, created_at, expires_at, tries, "
      "used_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
      &q));
  q->Bind(1, code.mrn)
      .Bind(2, ToString(code.purpose))
      .Bind(3, code.code_hash)
      .Bind(4, code.email)
      .Bind(5, code.created_at)
      .Bind(6, code.expires_at)
      .Bind(7, code.tries)
      .Bind(8, code.used_at);
  PORTAL_RETURN_IF_ERROR(q->Run());
  return txn.Commit();
}

Status AccountStore::CheckMailedCode(const std::string& mrn, MailedPurpose purpose,
                                     const std::string& code_hash, int64_t now, int64_t max_tries,
                                     bool* good, MailedCode* code) {
  *good = false;
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(registry_->db()->Prepare(
      "SELECT id, code_hash, email, created_at, expires_at, tries, used_at FROM mailed_codes "
      "WHERE mrn = ?1 AND purpose = ?2 AND used_at = 0 AND expires_at > ?3 AND tries < ?4 "
      "ORDER BY created_at DESC, id DESC LIMIT 1",
      &q));
  q->Bind(1, mrn).Bind(2, ToString(purpose)).Bind(3, now).Bind(4, max_tries);
  bool row = false;
  PORTAL_RETURN_IF_ERROR(q->Step(&row));
  if (!row) return Status::Ok();
  const int64_t id = q->Int(0);
  code->mrn = mrn;
  code->purpose = purpose;
  code->code_hash = q->Text(1);
  code->email = q->Text(2);
  code->created_at = q->Int(3);
  code->expires_at = q->Int(4);
  code->tries = q->Int(5);
  code->used_at = q->Int(6);
  *good = ConstantTimeEquals(code->code_hash, code_hash);
  if (*good) return Status::Ok();
  std::unique_ptr<SqliteStatement> miss;
  PORTAL_RETURN_IF_ERROR(
      registry_->db()->Prepare("UPDATE mailed_codes SET tries = tries + 1 WHERE id = ?1", &miss));
  miss->Bind(1, id);
  PORTAL_RETURN_IF_ERROR(miss->Run());
  ++code->tries;
  return Status::Ok();
}

}  // namespace portal
