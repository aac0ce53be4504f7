#include "core/sqlite_db.h"

#include <sqlite3.h>

#include <mutex>

namespace portal {

namespace {

Status SqliteError(sqlite3* db, const std::string& what) {
  return Status::IoError(what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

// Before SQLite's first use: no global memory statistics, which take a mutex per allocation.
void ConfigureOnce() {
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  return *this;
}

SqliteStatement& SqliteStatement::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Status SqliteStatement::Step(bool* row) {
  const int rc = sqlite3_step(stmt_);
  if (row != nullptr) *row = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) return Status::Ok();
  const char* sql = sqlite3_sql(stmt_);
  return SqliteError(db_, std::string("sqlite: ") + (sql != nullptr ? sql : "statement"));
}

Status SqliteStatement::Run() {
  bool row = true;
  while (row) PORTAL_RETURN_IF_ERROR(Step(&row));
  Reset();
  return Status::Ok();
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string SqliteStatement::Text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p),
                                    static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
                      : std::string();
}

int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

Status SqliteDb::Open(const std::filesystem::path& path, Journal journal,
                      std::unique_ptr<SqliteDb>* out) {
  ConfigureOnce();
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return Status::IoError(path.parent_path().string() + ": " + ec.message());
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  if (rc != SQLITE_OK) return SqliteError(raw, path.string());
  sqlite3_busy_timeout(raw, 5000);
  PORTAL_RETURN_IF_ERROR(db->Exec(std::string("PRAGMA journal_mode=") +
                                  (journal == Journal::kWal ? "WAL" : "TRUNCATE") +
                                  "; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  *out = std::move(db);
  return Status::Ok();
}

Status SqliteDb::OpenReadOnly(const std::filesystem::path& path, std::unique_ptr<SqliteDb>* out) {
  ConfigureOnce();
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  if (rc != SQLITE_OK) return SqliteError(raw, path.string());
  // A writer changing the file in place (a short transaction) holds its lock briefly.
  sqlite3_busy_timeout(raw, 5000);
  *out = std::move(db);
  return Status::Ok();
}

Status SqliteDb::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    return Status::IoError(path_.string() + ": " + msg);
  }
  return Status::Ok();
}

Status SqliteDb::Prepare(const std::string& sql, std::unique_ptr<SqliteStatement>* out) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return SqliteError(db_, path_.string() + ": prepare");
  }
  *out = std::make_unique<SqliteStatement>(db_, stmt);
  return Status::Ok();
}

int64_t SqliteDb::Changes() const { return sqlite3_changes64(db_); }

SqliteTransaction::~SqliteTransaction() {
  if (!open_) return;
  if (nested_) {
    (void)db_->Exec("ROLLBACK TO portal_nested");
    (void)db_->Exec("RELEASE portal_nested");
  } else {
    (void)db_->Exec("ROLLBACK");
  }
}

Status SqliteTransaction::Begin() {
  nested_ = db_->InTransaction();
  PORTAL_RETURN_IF_ERROR(db_->Exec(nested_ ? "SAVEPOINT portal_nested" : "BEGIN IMMEDIATE"));
  open_ = true;
  return Status::Ok();
}

Status SqliteTransaction::Commit() {
  PORTAL_RETURN_IF_ERROR(db_->Exec(nested_ ? "RELEASE portal_nested" : "COMMIT"));
  open_ = false;
  return Status::Ok();
}

bool SqliteDb::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Status SqliteDb::UserVersion(int64_t* version) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(Prepare("PRAGMA user_version", &q));
  PORTAL_RETURN_IF_ERROR(q->Step());
  *version = q->Int(0);
  return Status::Ok();
}

Status SettingsTable::Get(const std::string& key, std::string* value, bool* found) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("SELECT value FROM " + table_ + " WHERE " + key_column_ + " = ?1", &q));
  q->Bind(1, key);
  PORTAL_RETURN_IF_ERROR(q->Step(found));
  if (*found) *value = q->Text(0);
  return Status::Ok();
}

Status SettingsTable::Set(const std::string& key, const std::string& value) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("INSERT INTO " + table_ + "(" + key_column_ +
                                          ", value) VALUES(?1, ?2) ON CONFLICT(" + key_column_ +
                                          ") DO UPDATE SET value = excluded.value",
                                      &q));
  q->Bind(1, key).Bind(2, value);
  return q->Run();
}

}  // namespace portal
