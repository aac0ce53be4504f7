#include "mailbox/common/mail_outbox.h"

#include <algorithm>

namespace portal {

namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS mail(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  queued_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  sent_at INTEGER);
CREATE INDEX IF NOT EXISTS mail_unsent ON mail(next_attempt_at, id) WHERE sent_at IS NULL;
CREATE TABLE IF NOT EXISTS settings(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL) WITHOUT ROWID;
PRAGMA user_version = 1;
)sql";

constexpr size_t kMaxErrorBytes = 500;

bool HasLineBreak(const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; }

Status CheckMail(const NewMail& mail) {
  if (mail.to.empty()) return Status::InvalidInput("outbox: a mail needs a recipient");
  if (HasLineBreak(mail.to)) return Status::InvalidInput("outbox: line break in a recipient");
  if (HasLineBreak(mail.subject)) return Status::InvalidInput("outbox: line break in a subject");
  if (mail.body.size() > MailOutbox::kMaxBodyBytes) {
    return Status::InvalidInput("outbox: body of " + std::to_string(mail.body.size()) +
                                " bytes (at most " + std::to_string(MailOutbox::kMaxBodyBytes) +
                                ")");
  }
  return Status::Ok();
}

Status NotPending(int64_t id) {
  return Status::InvalidInput("outbox: no unsent mail with id " + std::to_string(id));
}

}  // namespace

int64_t RetryDelay(int64_t attempts, int64_t retry_initial, int64_t retry_max) {
  int64_t delay = std::max<int64_t>(retry_initial, 1);
  for (int64_t i = 1; i < attempts && delay < retry_max; ++i) {
    delay = delay > retry_max / 2 ? retry_max : delay * 2;
  }
  return std::min(delay, retry_max);
}

std::filesystem::path MailOutbox::PathIn(const std::filesystem::path& state_dir) {
  return state_dir / "outbox.sqlite";
}

Status MailOutbox::Open(const std::filesystem::path& path, std::unique_ptr<MailOutbox>* out) {
  std::unique_ptr<SqliteDb> db;
  PORTAL_RETURN_IF_ERROR(SqliteDb::Open(path, SqliteDb::Journal::kWal, &db));
  PORTAL_RETURN_IF_ERROR(db->Exec(kSchema));
  out->reset(new MailOutbox(std::move(db)));
  return Status::Ok();
}

Status MailOutbox::Insert(const NewMail& mail, int64_t now, int64_t* id) {
  PORTAL_RETURN_IF_ERROR(CheckMail(mail));
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("INSERT INTO mail(recipient, subject, body, queued_at, next_attempt_at) "
                   "VALUES(?1, ?2, ?3, ?4, ?4) RETURNING id",
                   &q));
  q->Bind(1, mail.to).Bind(2, mail.subject).Bind(3, mail.body).Bind(4, now);
  bool row = false;
  PORTAL_RETURN_IF_ERROR(q->Step(&row));
  if (row && id != nullptr) *id = q->Int(0);
  return q->Run();
}

Status MailOutbox::Enqueue(const std::string& to, const std::string& subject,
                           const std::string& body, int64_t now, int64_t* id) {
  return Insert({to, subject, body}, now, id);
}

Status MailOutbox::EnqueueBatch(const std::vector<NewMail>& mails, int64_t now,
                                const std::string& key, const std::string& value) {
  for (const NewMail& mail : mails) PORTAL_RETURN_IF_ERROR(CheckMail(mail));
  SqliteTransaction txn(db_.get());
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  for (const NewMail& mail : mails) PORTAL_RETURN_IF_ERROR(Insert(mail, now, nullptr));
  PORTAL_RETURN_IF_ERROR(Set(key, value));
  return txn.Commit();
}

Status MailOutbox::Due(int64_t now, int limit, std::vector<OutgoingMail>* out) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "SELECT id, recipient, subject, body, attempts, next_attempt_at, last_error FROM mail "
      "WHERE sent_at IS NULL AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2",
      &q));
  q->Bind(1, now).Bind(2, static_cast<int64_t>(limit));
  out->clear();
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    out->push_back(
        {q->Int(0), q->Text(1), q->Text(2), q->Text(3), q->Int(4), q->Int(5), q->Text(6)});
  }
  return Status::Ok();
}

Status MailOutbox::MarkSent(int64_t id, int64_t now) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("UPDATE mail SET sent_at = ?2, last_error = '' WHERE id = ?1 AND "
                   "sent_at IS NULL",
                   &q));
  q->Bind(1, id).Bind(2, now);
  PORTAL_RETURN_IF_ERROR(q->Run());
  return db_->Changes() == 1 ? Status::Ok() : NotPending(id);
}

Status MailOutbox::MarkFailed(int64_t id, int64_t now, const std::string& error_text,
                              int64_t retry_initial, int64_t retry_max) {
  SqliteTransaction txn(db_.get());
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("SELECT attempts FROM mail WHERE id = ?1 AND sent_at IS NULL", &q));
  q->Bind(1, id);
  bool row = false;
  PORTAL_RETURN_IF_ERROR(q->Step(&row));
  if (!row) return NotPending(id);
  const int64_t attempts = q->Int(0) + 1;
  const std::string error = error_text.substr(0, kMaxErrorBytes);
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("UPDATE mail SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 "
                   "WHERE id = ?1",
                   &q));
  q->Bind(1, id).Bind(2, attempts).Bind(3, now + RetryDelay(attempts, retry_initial, retry_max));
  q->Bind(4, error);
  PORTAL_RETURN_IF_ERROR(q->Run());
  return txn.Commit();
}

Status MailOutbox::Pending(int64_t* count) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("SELECT count(*) FROM mail WHERE sent_at IS NULL", &q));
  PORTAL_RETURN_IF_ERROR(q->Step());
  *count = q->Int(0);
  return Status::Ok();
}

Status MailOutbox::Find(int64_t id, OutgoingMail* out, bool* sent, bool* found) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("SELECT id, recipient, subject, body, attempts, next_attempt_at, last_error, "
                   "sent_at IS NOT NULL FROM mail WHERE id = ?1",
                   &q));
  q->Bind(1, id);
  PORTAL_RETURN_IF_ERROR(q->Step(found));
  if (!*found) return Status::Ok();
  *out = {q->Int(0), q->Text(1), q->Text(2), q->Text(3), q->Int(4), q->Int(5), q->Text(6)};
  *sent = q->Int(7) != 0;
  return Status::Ok();
}

Status MailOutbox::Get(const std::string& key, std::string* value, bool* found) {
  return SettingsTable(db_.get(), "settings", "key").Get(key, value, found);
}

Status MailOutbox::Set(const std::string& key, const std::string& value) {
  return SettingsTable(db_.get(), "settings", "key").Set(key, value);
}

}  // namespace portal
