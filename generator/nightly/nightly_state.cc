#include "generator/nightly/nightly_state.h"

namespace portal {

namespace {

// published, summary_hash and keyset_hash describe the patient's own page; proxy_* the
// proxies' page.
constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS summaries(
  token TEXT PRIMARY KEY,
  patient_id TEXT NOT NULL,
  published INTEGER NOT NULL,
  summary_hash TEXT NOT NULL,
  keyset_hash TEXT NOT NULL,
  build_hash TEXT NOT NULL,
  valid_until INTEGER NOT NULL,
  skip_reason TEXT NOT NULL,
  proxy_published INTEGER NOT NULL DEFAULT 0,
  proxy_hash TEXT NOT NULL DEFAULT '',
  proxy_keyset_hash TEXT NOT NULL DEFAULT '') WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta(
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL) WITHOUT ROWID;
)sql";

// Version 1 published one page sealed to every key (no proxy_* columns). Its rows upgrade as
// "no proxies' page"; their keyset_hash, of the proxies' keys too, then differs from the
// patient's keys alone, so the next run seals such a page again for the patient only.
constexpr int kVersion = 2;

constexpr const char* kProxyColumns[] = {
    "proxy_published INTEGER NOT NULL DEFAULT 0",
    "proxy_hash TEXT NOT NULL DEFAULT ''",
    "proxy_keyset_hash TEXT NOT NULL DEFAULT ''",
};

Status HasColumn(SqliteDb* db, const std::string& column, bool* has) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db->Prepare("SELECT COUNT(*) FROM pragma_table_info('summaries') WHERE name = ?1", &q));
  q->Bind(1, column);
  PORTAL_RETURN_IF_ERROR(q->Step());
  *has = q->Int(0) > 0;
  return Status::Ok();
}

// Brings an older state file to kVersion in one transaction (a crash leaves it as it was).
// Columns are added only where missing: a version-1 program run in between (a rollback)
// writes user_version 1 again over a table that already has them.
Status Upgrade(SqliteDb* db) {
  SqliteTransaction txn(db);
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  PORTAL_RETURN_IF_ERROR(db->Exec(kSchema));
  int64_t version = 0;
  PORTAL_RETURN_IF_ERROR(db->UserVersion(&version));
  if (version >= kVersion) return txn.Commit();
  for (const std::string column : kProxyColumns) {
    bool has = false;
    PORTAL_RETURN_IF_ERROR(HasColumn(db, column.substr(0, column.find(' ')), &has));
    if (!has) PORTAL_RETURN_IF_ERROR(db->Exec("ALTER TABLE summaries ADD COLUMN " + column));
  }
  PORTAL_RETURN_IF_ERROR(db->Exec("PRAGMA user_version = " + std::to_string(kVersion)));
  return txn.Commit();
}

}  // namespace

Status NightlyState::Open(const std::filesystem::path& path, std::unique_ptr<NightlyState>* out) {
  std::unique_ptr<SqliteDb> db;
  PORTAL_RETURN_IF_ERROR(SqliteDb::Open(path, SqliteDb::Journal::kWal, &db));
  PORTAL_RETURN_IF_ERROR(Upgrade(db.get()));
  out->reset(new NightlyState(std::move(db)));
  return Status::Ok();
}

Status NightlyState::Load(std::map<std::string, SummaryState>* by_token) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "SELECT token, patient_id, published, summary_hash, keyset_hash, build_hash, valid_until, "
      "skip_reason, proxy_published, proxy_hash, proxy_keyset_hash FROM summaries",
      &q));
  by_token->clear();
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    SummaryState s;
    s.token = q->Text(0);
    s.patient_id = q->Text(1);
    s.patient.published = q->Int(2) != 0;
    s.patient.summary_hash = q->Text(3);
    s.patient.keyset_hash = q->Text(4);
    s.build_hash = q->Text(5);
    s.valid_until = q->Int(6);
    s.skip_reason = q->Text(7);
    s.proxy.published = q->Int(8) != 0;
    s.proxy.summary_hash = q->Text(9);
    s.proxy.keyset_hash = q->Text(10);
    std::string token = s.token;
    by_token->emplace(std::move(token), std::move(s));
  }
  return Status::Ok();
}

Status NightlyState::Save(const std::vector<SummaryState>& rows,
                          const std::vector<std::string>& removed) {
  if (rows.empty() && removed.empty()) return Status::Ok();
  SqliteTransaction txn(db_.get());
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  std::unique_ptr<SqliteStatement> put, del;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "INSERT OR REPLACE INTO summaries(token, patient_id, published, summary_hash, "
      "keyset_hash, build_hash, valid_until, skip_reason, proxy_published, proxy_hash, "
      "proxy_keyset_hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
      &put));
  for (const auto& s : rows) {
    put->Bind(1, s.token)
        .Bind(2, s.patient_id)
        .Bind(3, static_cast<int64_t>(s.patient.published ? 1 : 0))
        .Bind(4, s.patient.summary_hash)
        .Bind(5, s.patient.keyset_hash)
        .Bind(6, s.build_hash)
        .Bind(7, s.valid_until)
        .Bind(8, s.skip_reason)
        .Bind(9, static_cast<int64_t>(s.proxy.published ? 1 : 0))
        .Bind(10, s.proxy.summary_hash)
        .Bind(11, s.proxy.keyset_hash);
    PORTAL_RETURN_IF_ERROR(put->Run());
  }
  PORTAL_RETURN_IF_ERROR(db_->Prepare("DELETE FROM summaries WHERE token = ?1", &del));
  for (const auto& token : removed) {
    del->Bind(1, token);
    PORTAL_RETURN_IF_ERROR(del->Run());
  }
  return txn.Commit();
}

Status NightlyState::GetMeta(const std::string& name, int64_t* value) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("SELECT COALESCE((SELECT value FROM meta WHERE name = ?1), 0)", &q));
  q->Bind(1, name);
  PORTAL_RETURN_IF_ERROR(q->Step());
  *value = q->Int(0);
  return Status::Ok();
}

Status NightlyState::SetMeta(const std::string& name, int64_t value) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("INSERT OR REPLACE INTO meta(name, value) VALUES(?1, ?2)", &q));
  q->Bind(1, name).Bind(2, value);
  return q->Run();
}

}  // namespace portal
