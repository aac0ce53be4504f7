#include "core/enrollment_registry.h"

#include <regex>

#include "core/file_util.h"
#include "core/sha256.h"
#include "core/state_layout.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS enrollments(
  mrn TEXT PRIMARY KEY,
  token TEXT NOT NULL UNIQUE,
  enrolled_at INTEGER NOT NULL,
  patient_id TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '') WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS keys(
  mrn TEXT NOT NULL REFERENCES enrollments(mrn) ON DELETE CASCADE,
  fingerprint TEXT NOT NULL,
  role TEXT NOT NULL CHECK(role IN ('patient', 'proxy')),
  expires INTEGER NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY(mrn, fingerprint)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS keys_by_fingerprint ON keys(fingerprint);
CREATE TABLE IF NOT EXISTS staff_keys(
  fingerprint TEXT PRIMARY KEY,
  user TEXT NOT NULL,
  expires INTEGER NOT NULL,
  added_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings(
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL) WITHOUT ROWID;
)sql";

// Version 1 had no patient_id (the Patient resource the MRN named at enrolment), version 2 no
// email (where notices go).
constexpr int kVersion = 3;

const char* RoleName(EnrolledKey::Role role) {
  return role == EnrolledKey::Role::kPatient ? "patient" : "proxy";
}

bool ValidFingerprint(const std::string& fpr) {
  static const std::regex kFpr("[0-9A-F]{40}|[0-9A-F]{64}");
  return std::regex_match(fpr, kFpr);
}

}  // namespace

Status EnrollmentRegistry::Open(const fs::path& db_path, const fs::path& keys_dir,
                                std::unique_ptr<EnrollmentRegistry>* out) {
  std::unique_ptr<SqliteDb> db;
  PORTAL_RETURN_IF_ERROR(SqliteDb::Open(db_path, SqliteDb::Journal::kWal, &db));
  PORTAL_RETURN_IF_ERROR(db->Exec(kSchema));
  int64_t version = 0;
  PORTAL_RETURN_IF_ERROR(db->UserVersion(&version));
  if (version == 1) {
    PORTAL_RETURN_IF_ERROR(
        db->Exec("ALTER TABLE enrollments ADD COLUMN patient_id TEXT NOT NULL DEFAULT ''"));
  }
  if (version >= 1 && version < 3) {
    PORTAL_RETURN_IF_ERROR(
        db->Exec("ALTER TABLE enrollments ADD COLUMN email TEXT NOT NULL DEFAULT ''"));
  }
  if (version < kVersion) {
    PORTAL_RETURN_IF_ERROR(db->Exec("PRAGMA user_version = " + std::to_string(kVersion)));
  }
  out->reset(new EnrollmentRegistry(std::move(db), keys_dir));
  return Status::Ok();
}

fs::path EnrollmentRegistry::KeyFile(const std::string& fingerprint) const {
  return KeyFileIn(keys_dir_, fingerprint);
}

Status EnrollmentRegistry::InsertKey(const std::string& mrn, const EnrolledKey& key,
                                     std::string_view key_data, int64_t now) {
  if (!ValidFingerprint(key.fingerprint)) {
    return Status::InvalidInput("not an OpenPGP fingerprint: " + key.fingerprint);
  }
  // The key's own file first: a crash before the commit leaves an unused file, never a pinned
  // key without its bytes.
  PORTAL_RETURN_IF_ERROR(WriteFileAtomically(KeyFile(key.fingerprint), key_data, 0700));
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "INSERT INTO keys(mrn, fingerprint, role, expires, added_at) VALUES(?1, ?2, ?3, ?4, ?5)",
      &q));
  q->Bind(1, mrn)
      .Bind(2, key.fingerprint)
      .Bind(3, RoleName(key.role))
      .Bind(4, key.expires)
      .Bind(5, now);
  return q->Run();
}

Status EnrollmentRegistry::Enroll(const std::string& mrn, const std::string& patient_id,
                                  const EnrolledKey& key, std::string_view key_data,
                                  bool replace_key, int64_t now, std::string* token) {
  SqliteTransaction txn(db_.get());
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  Enrollment existing;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(Find(mrn, &existing, &found));
  std::string old_fpr;
  if (found) {
    if (!replace_key) {
      return Status::InvalidInput(
          "the patient is already enrolled (use --replace-key to change their key, or "
          "proxy grant to add a proxy)");
    }
    for (const auto& k : existing.keys) {
      if (k.fingerprint == key.fingerprint) {
        return Status::InvalidInput("this key is already pinned for the patient");
      }
      if (k.role == EnrolledKey::Role::kPatient) old_fpr = k.fingerprint;
    }
    std::unique_ptr<SqliteStatement> del, pin;
    PORTAL_RETURN_IF_ERROR(
        db_->Prepare("DELETE FROM keys WHERE mrn = ?1 AND role = 'patient'", &del));
    del->Bind(1, mrn);
    PORTAL_RETURN_IF_ERROR(del->Run());
    PORTAL_RETURN_IF_ERROR(
        db_->Prepare("UPDATE enrollments SET patient_id = ?2 WHERE mrn = ?1", &pin));
    pin->Bind(1, mrn).Bind(2, patient_id);
    PORTAL_RETURN_IF_ERROR(pin->Run());
    *token = existing.token;
  } else {
    *token = RandomHex(16);
    if (token->empty()) return Status::IoError("no random bytes for a download token");
    std::unique_ptr<SqliteStatement> q;
    PORTAL_RETURN_IF_ERROR(
        db_->Prepare("INSERT INTO enrollments(mrn, token, enrolled_at, patient_id) "
                     "VALUES(?1, ?2, ?3, ?4)",
                     &q));
    q->Bind(1, mrn).Bind(2, *token).Bind(3, now).Bind(4, patient_id);
    PORTAL_RETURN_IF_ERROR(q->Run());
  }
  EnrolledKey patient = key;
  patient.role = EnrolledKey::Role::kPatient;
  PORTAL_RETURN_IF_ERROR(InsertKey(mrn, patient, key_data, now));
  PORTAL_RETURN_IF_ERROR(txn.Commit());
  if (!old_fpr.empty()) PORTAL_RETURN_IF_ERROR(RemoveUnusedKeyFile(old_fpr));
  return Status::Ok();
}

Status EnrollmentRegistry::GrantProxy(const std::string& mrn, const EnrolledKey& key,
                                      std::string_view key_data, int64_t now) {
  SqliteTransaction txn(db_.get());
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  Enrollment existing;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(Find(mrn, &existing, &found));
  if (!found) return Status::InvalidInput("the patient is not enrolled (enroll them first)");
  for (const auto& k : existing.keys) {
    if (k.fingerprint == key.fingerprint) {
      return Status::InvalidInput("this key is already pinned for the patient");
    }
  }
  EnrolledKey proxy = key;
  proxy.role = EnrolledKey::Role::kProxy;
  PORTAL_RETURN_IF_ERROR(InsertKey(mrn, proxy, key_data, now));
  return txn.Commit();
}

Status EnrollmentRegistry::RevokeProxy(const std::string& mrn, const std::string& fingerprint) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("DELETE FROM keys WHERE mrn = ?1 AND fingerprint = ?2 AND role = 'proxy'", &q));
  q->Bind(1, mrn).Bind(2, fingerprint);
  PORTAL_RETURN_IF_ERROR(q->Run());
  if (db_->Changes() == 0) {
    return Status::InvalidInput("no proxy with fingerprint " + fingerprint +
                                " is pinned for the patient");
  }
  return RemoveUnusedKeyFile(fingerprint);
}

Status EnrollmentRegistry::Unenroll(const std::string& mrn) {
  Enrollment existing;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(Find(mrn, &existing, &found));
  if (!found) return Status::InvalidInput("the patient is not enrolled");
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("DELETE FROM enrollments WHERE mrn = ?1", &q));
  q->Bind(1, mrn);
  PORTAL_RETURN_IF_ERROR(q->Run());
  for (const auto& k : existing.keys) PORTAL_RETURN_IF_ERROR(RemoveUnusedKeyFile(k.fingerprint));
  return Status::Ok();
}

Status EnrollmentRegistry::AddStaffKey(const StaffKey& key, std::string_view key_data,
                                       int64_t now) {
  if (!ValidFingerprint(key.fingerprint)) {
    return Status::InvalidInput("not an OpenPGP fingerprint: " + key.fingerprint);
  }
  SqliteTransaction txn(db_.get());
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("SELECT 1 FROM staff_keys WHERE fingerprint = ?1", &q));
  q->Bind(1, key.fingerprint);
  bool row = false;
  PORTAL_RETURN_IF_ERROR(q->Step(&row));
  if (row) return Status::InvalidInput("this staff key is already pinned");
  PORTAL_RETURN_IF_ERROR(WriteFileAtomically(KeyFile(key.fingerprint), key_data, 0700));
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "INSERT INTO staff_keys(fingerprint, user, expires, added_at) VALUES(?1, ?2, ?3, ?4)", &q));
  q->Bind(1, key.fingerprint).Bind(2, key.user).Bind(3, key.expires).Bind(4, now);
  PORTAL_RETURN_IF_ERROR(q->Run());
  return txn.Commit();
}

Status EnrollmentRegistry::RemoveStaffKey(const std::string& fingerprint) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("DELETE FROM staff_keys WHERE fingerprint = ?1", &q));
  q->Bind(1, fingerprint);
  PORTAL_RETURN_IF_ERROR(q->Run());
  if (db_->Changes() == 0) {
    return Status::InvalidInput("no staff key with fingerprint " + fingerprint + " is pinned");
  }
  return RemoveUnusedKeyFile(fingerprint);
}

Status EnrollmentRegistry::StaffKeys(std::vector<StaffKey>* out) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "SELECT fingerprint, user, expires, added_at FROM staff_keys ORDER BY user, fingerprint",
      &q));
  out->clear();
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    out->push_back({q->Text(0), q->Text(1), q->Int(2), q->Int(3)});
  }
  return Status::Ok();
}

Status EnrollmentRegistry::RemoveUnusedKeyFile(const std::string& fingerprint) {
  // Inside a caller's transaction the rows may still come back (a rollback): the file goes only
  // when SweepKeyFiles runs after the outer commit or rollback.
  if (db_->InTransaction()) {
    deferred_removals_.push_back(fingerprint);
    return Status::Ok();
  }
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("SELECT 1 FROM keys WHERE fingerprint = ?1 UNION ALL "
                   "SELECT 1 FROM staff_keys WHERE fingerprint = ?1 LIMIT 1",
                   &q));
  q->Bind(1, fingerprint);
  bool row = false;
  PORTAL_RETURN_IF_ERROR(q->Step(&row));
  if (row) return Status::Ok();  // Still pinned for another patient (a shared proxy) or staff.
  return RemoveFileDurably(KeyFile(fingerprint));
}

Status EnrollmentRegistry::SweepKeyFiles() {
  std::vector<std::string> pending;
  pending.swap(deferred_removals_);
  for (const auto& fingerprint : pending) PORTAL_RETURN_IF_ERROR(RemoveUnusedKeyFile(fingerprint));
  return Status::Ok();
}

Status EnrollmentRegistry::LoadKeys(Enrollment* e) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("SELECT fingerprint, role, expires, added_at FROM keys WHERE mrn = ?1 "
                   "ORDER BY role = 'proxy', fingerprint",
                   &q));
  q->Bind(1, e->mrn);
  e->keys.clear();
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    EnrolledKey k;
    k.fingerprint = q->Text(0);
    k.role = q->Text(1) == "patient" ? EnrolledKey::Role::kPatient : EnrolledKey::Role::kProxy;
    k.expires = q->Int(2);
    k.added_at = q->Int(3);
    e->keys.push_back(std::move(k));
  }
  return Status::Ok();
}

Status EnrollmentRegistry::Find(const std::string& mrn, Enrollment* out, bool* found) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "SELECT token, enrolled_at, patient_id, email FROM enrollments WHERE mrn = ?1", &q));
  q->Bind(1, mrn);
  PORTAL_RETURN_IF_ERROR(q->Step(found));
  if (!*found) return Status::Ok();
  out->mrn = mrn;
  out->token = q->Text(0);
  out->enrolled_at = q->Int(1);
  out->patient_id = q->Text(2);
  out->email = q->Text(3);
  return LoadKeys(out);
}

Status EnrollmentRegistry::SetEmail(const std::string& mrn, const std::string& email) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("UPDATE enrollments SET email = ?2 WHERE mrn = ?1", &q));
  q->Bind(1, mrn).Bind(2, email);
  PORTAL_RETURN_IF_ERROR(q->Run());
  if (db_->Changes() == 0) return Status::InvalidInput("the patient is not enrolled");
  return Status::Ok();
}

Status EnrollmentRegistry::All(std::vector<Enrollment>* out) {
  out->clear();
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "SELECT e.mrn, e.token, e.enrolled_at, k.fingerprint, k.role, k.expires, k.added_at, "
      "e.patient_id "
      "FROM enrollments e JOIN keys k ON k.mrn = e.mrn "
      "ORDER BY e.token, k.role = 'proxy', k.fingerprint",
      &q));
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    if (out->empty() || out->back().token != q->Text(1)) {
      out->push_back({q->Text(0), q->Text(1), q->Int(2), q->Text(7), /*email=*/"", {}});
    }
    EnrolledKey k;
    k.fingerprint = q->Text(3);
    k.role = q->Text(4) == "patient" ? EnrolledKey::Role::kPatient : EnrolledKey::Role::kProxy;
    k.expires = q->Int(5);
    k.added_at = q->Int(6);
    out->back().keys.push_back(std::move(k));
  }
  return Status::Ok();
}

Status EnrollmentRegistry::GetSetting(const std::string& name, std::string* value, bool* found) {
  return SettingsTable(db_.get(), "settings", "name").Get(name, value, found);
}

Status EnrollmentRegistry::SetSetting(const std::string& name, const std::string& value) {
  return SettingsTable(db_.get(), "settings", "name").Set(name, value);
}

}  // namespace portal
