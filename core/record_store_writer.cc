#include "core/record_store_writer.h"

namespace portal {

namespace {

constexpr char kWorkSchema[] = R"sql(
CREATE TEMP TABLE undo(type TEXT NOT NULL, id TEXT NOT NULL, origin TEXT NOT NULL,
  changed INTEGER NOT NULL, patient TEXT, old_patient TEXT, old_hash TEXT, old_json TEXT,
  PRIMARY KEY(type, id));
CREATE TEMP TABLE undo_patients(id TEXT PRIMARY KEY, existed INTEGER NOT NULL, old_mrn TEXT,
  old_ok INTEGER) WITHOUT ROWID;
CREATE TEMP TABLE failed(patient TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE deletions(type TEXT NOT NULL, id TEXT NOT NULL,
  PRIMARY KEY(type, id)) WITHOUT ROWID;
CREATE TEMP TABLE changed(patient TEXT PRIMARY KEY) WITHOUT ROWID;
)sql";

const char kFailed[] = "(SELECT patient FROM failed)";

// Binds NULL for empty text (a resource of no patient).
SqliteStatement& BindOrNull(SqliteStatement& s, int index, std::string_view maybe_empty) {
  return maybe_empty.empty() ? s.BindNull(index) : s.Bind(index, maybe_empty);
}

}  // namespace

Status RecordStoreWriter::Begin(RecordStore* store, std::unique_ptr<RecordStoreWriter>* out) {
  std::unique_ptr<RecordStoreWriter> writer(new RecordStoreWriter(store));
  PORTAL_RETURN_IF_ERROR(writer->tx_.Begin());
  PORTAL_RETURN_IF_ERROR(writer->Prepare());
  *out = std::move(writer);
  return Status::Ok();
}

Status RecordStoreWriter::Prepare() {
  PORTAL_RETURN_IF_ERROR(db_->Exec(kWorkSchema));
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("SELECT origin, patient FROM undo WHERE type = ?1 AND id = ?2", &first_));
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "SELECT patient, hash, json FROM resources WHERE type = ?1 AND id = ?2", &existing_));
  // Every resource read gets a row (so a second one with the same id is seen); rows with
  // changed = 1 hold what the write replaced.
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "INSERT INTO undo(type, id, origin, changed, patient, old_patient, old_hash, old_json) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(type, id) DO NOTHING",
      &undo_));
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "INSERT INTO resources(type, id, patient, hash, json) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT(type, id) DO UPDATE SET patient = excluded.patient, hash = excluded.hash, "
      "json = excluded.json",
      &write_));
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "INSERT INTO resources(type, id, patient, hash, json) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT(type, id) DO NOTHING",
      &insert_));
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("INSERT OR IGNORE INTO undo_patients(id, existed, old_mrn, old_ok) "
                   "SELECT ?1, count(*), max(mrn), max(mrn_ok) FROM patients WHERE id = ?1",
                   &undo_patient_));
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "INSERT INTO patients(id, mrn, mrn_ok) VALUES (?1, ?2, ?3) ON CONFLICT(id) DO UPDATE "
      "SET mrn = excluded.mrn, mrn_ok = excluded.mrn_ok",
      &write_patient_));
  PORTAL_RETURN_IF_ERROR(db_->Prepare("INSERT OR IGNORE INTO failed(patient) VALUES (?1)", &fail_));
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("INSERT OR IGNORE INTO changed(patient) VALUES (?1)", &changed_));
  return db_->Prepare("INSERT OR IGNORE INTO deletions(type, id) VALUES (?1, ?2)", &delete_);
}

Status RecordStoreWriter::InsertNew(const Row& row, const std::string& origin, bool* inserted) {
  BindOrNull(insert_->Bind(1, row.type).Bind(2, row.id), 3, row.patient)
      .Bind(4, row.hash)
      .Bind(5, row.json);
  PORTAL_RETURN_IF_ERROR(insert_->Run());
  *inserted = db_->Changes() != 0;
  if (!*inserted) return Status::Ok();
  // The first time this id is seen in the run (else the insert would have failed).
  undo_->Bind(1, row.type).Bind(2, row.id).Bind(3, origin).Bind(4, int64_t{1});
  BindOrNull(*undo_, 5, row.patient).BindNull(6).BindNull(7).BindNull(8);
  return undo_->Run();
}

Status RecordStoreWriter::PutKnown(const Row& row, const std::string& origin, Put* out) {
  *out = Put();
  existing_->Bind(1, row.type).Bind(2, row.id);
  PORTAL_RETURN_IF_ERROR(existing_->Step(&out->exists));
  out->same = out->exists && existing_->Text(1) == row.hash && existing_->Text(0) == row.patient;
  undo_->Bind(1, row.type).Bind(2, row.id).Bind(3, origin).Bind(4, int64_t{out->same ? 0 : 1});
  BindOrNull(*undo_, 5, row.patient);
  std::string old_hash, old_json;  // Bound below: alive until the Run().
  if (out->exists && !out->same) {
    out->old_patient = existing_->Text(0);
    old_hash = existing_->Text(1);
    old_json = existing_->Text(2);
    BindOrNull(*undo_, 6, out->old_patient).Bind(7, old_hash).Bind(8, old_json);
  } else {
    undo_->BindNull(6).BindNull(7).BindNull(8);
  }
  existing_->Reset();
  PORTAL_RETURN_IF_ERROR(undo_->Run());
  out->duplicate = db_->Changes() == 0;
  if (out->duplicate || out->same) return Status::Ok();
  BindOrNull(write_->Bind(1, row.type).Bind(2, row.id), 3, row.patient)
      .Bind(4, row.hash)
      .Bind(5, row.json);
  return write_->Run();
}

Status RecordStoreWriter::FirstSeen(std::string_view type, std::string_view id, bool* found,
                                    std::string* origin, std::string* patient) {
  first_->Bind(1, type).Bind(2, id);
  PORTAL_RETURN_IF_ERROR(first_->Step(found));
  if (*found) {
    *origin = first_->Text(0);
    *patient = first_->Text(1);
  }
  first_->Reset();
  return Status::Ok();
}

Status RecordStoreWriter::PutPatient(std::string_view id, std::string_view mrn, bool mrn_ok) {
  undo_patient_->Bind(1, id);
  PORTAL_RETURN_IF_ERROR(undo_patient_->Run());
  write_patient_->Bind(1, id).Bind(2, mrn).Bind(3, int64_t{mrn_ok ? 1 : 0});
  return write_patient_->Run();
}

Status RecordStoreWriter::MarkFailed(std::string_view patient) {
  fail_->Bind(1, patient);
  return fail_->Run();
}

Status RecordStoreWriter::MarkChanged(std::string_view patient) {
  changed_->Bind(1, patient);
  return changed_->Run();
}

Status RecordStoreWriter::AddDeletion(std::string_view type, std::string_view id) {
  delete_->Bind(1, type).Bind(2, id);
  return delete_->Run();
}

Status RecordStoreWriter::Count(const std::string& sql, size_t* out) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(sql, &q));
  bool row = false;
  PORTAL_RETURN_IF_ERROR(q->Step(&row));
  *out = static_cast<size_t>(q->Int(0));
  return Status::Ok();
}

// Puts back every patient with a failed record (undo rows marked changed = 2).
Status RecordStoreWriter::Revert(Finished* out) {
  const std::string failed = kFailed;
  PORTAL_RETURN_IF_ERROR(
      db_->Exec("UPDATE undo SET changed = 2 WHERE changed = 1 AND (patient IN " + failed +
                " OR old_patient IN " + failed + ")"));
  out->skipped = static_cast<size_t>(db_->Changes());
  std::unique_ptr<SqliteStatement> counts;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "SELECT coalesce(sum(old_json IS NULL), 0), coalesce(sum(old_json IS NOT NULL), 0) "
      "FROM undo WHERE changed = 2",
      &counts));
  bool row = false;
  PORTAL_RETURN_IF_ERROR(counts->Step(&row));
  out->undone_inserts = static_cast<size_t>(counts->Int(0));
  out->undone_updates = static_cast<size_t>(counts->Int(1));
  counts->Reset();
  std::unique_ptr<SqliteStatement> by_type;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("SELECT type, count(*) FROM undo WHERE changed = 2 GROUP BY type", &by_type));
  while (true) {
    PORTAL_RETURN_IF_ERROR(by_type->Step(&row));
    if (!row) break;
    out->undone_by_type[by_type->Text(0)] = static_cast<size_t>(by_type->Int(1));
  }
  return db_->Exec(
      "DELETE FROM resources WHERE (type, id) IN (SELECT type, id FROM undo WHERE changed = 2 "
      "AND old_json IS NULL);"
      "INSERT INTO resources(type, id, patient, hash, json) SELECT type, id, old_patient, "
      "old_hash, old_json FROM undo WHERE changed = 2 AND old_json IS NOT NULL "
      "ON CONFLICT(type, id) DO UPDATE SET patient = excluded.patient, hash = excluded.hash, "
      "json = excluded.json;"
      "DELETE FROM patients WHERE id IN (SELECT id FROM undo_patients WHERE existed = 0 AND "
      "id IN " +
      failed +
      ");"
      "UPDATE patients SET mrn = (SELECT old_mrn FROM undo_patients p WHERE p.id = patients.id), "
      "mrn_ok = (SELECT old_ok FROM undo_patients p WHERE p.id = patients.id) WHERE id IN "
      "(SELECT id FROM undo_patients WHERE existed = 1 AND id IN " +
      failed +
      ");"
      "DELETE FROM changed WHERE patient IN " +
      failed +
      ";"
      "INSERT OR IGNORE INTO changed SELECT old_patient FROM undo WHERE changed = 1 AND "
      "old_patient IS NOT NULL AND old_patient NOT IN " +
      failed + ";");
}

// Applies the deletions (not of failed patients); deleting a Patient removes all that is theirs.
Status RecordStoreWriter::Delete(Finished* out) {
  const std::string failed = kFailed;
  const std::string gone_patients =
      "(SELECT id FROM deletions WHERE type = 'Patient' AND id NOT IN " + failed + ")";
  PORTAL_RETURN_IF_ERROR(
      db_->Exec("INSERT OR IGNORE INTO changed SELECT r.patient FROM deletions d JOIN resources r "
                "USING(type, id) WHERE r.patient IS NOT NULL AND r.patient NOT IN " +
                failed +
                ";"
                "INSERT OR IGNORE INTO changed SELECT id FROM patients WHERE id IN " +
                gone_patients +
                ";"
                "DELETE FROM resources WHERE (type, id) IN (SELECT type, id FROM deletions) AND "
                "(patient IS NULL OR patient NOT IN " +
                failed + ");"));
  out->deleted = static_cast<size_t>(db_->Changes());
  PORTAL_RETURN_IF_ERROR(
      db_->Exec("DELETE FROM resources WHERE patient IN " + gone_patients + ";"));
  out->deleted += static_cast<size_t>(db_->Changes());
  return db_->Exec("DELETE FROM patients WHERE id IN " + gone_patients + ";");
}

Status RecordStoreWriter::Finish(Finished* out) {
  *out = Finished();
  PORTAL_RETURN_IF_ERROR(Count("SELECT count(*) FROM failed", &out->patients_kept));
  if (out->patients_kept > 0) PORTAL_RETURN_IF_ERROR(Revert(out));
  size_t deletions = 0;
  PORTAL_RETURN_IF_ERROR(Count("SELECT count(*) FROM deletions", &deletions));
  if (deletions > 0) PORTAL_RETURN_IF_ERROR(Delete(out));
  return Count("SELECT count(*) FROM changed", &out->patients_touched);
}

Status RecordStoreWriter::RecordRun(int64_t now, const std::string& report_json, int64_t* run) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("INSERT INTO ingest_runs(finished, report) VALUES (?1, ?2)", &q));
  const std::string finished = std::to_string(now);
  q->Bind(1, finished).Bind(2, report_json);
  PORTAL_RETURN_IF_ERROR(q->Run());
  size_t number = 0;
  PORTAL_RETURN_IF_ERROR(Count("SELECT last_insert_rowid()", &number));
  *run = static_cast<int64_t>(number);
  return db_->Exec("INSERT INTO touched(run, patient) SELECT " + std::to_string(*run) +
                   ", patient FROM changed;");
}

Status RecordStoreWriter::RecordExtractFile(const std::string& path,
                                            const RecordStore::ExtractFile& file, int64_t run) {
  return store_->RecordExtractFile(path, file, run);
}

Status RecordStoreWriter::DropWorkTables() {
  return db_->Exec(
      "DROP TABLE temp.undo; DROP TABLE temp.undo_patients; "
      "DROP TABLE temp.failed; DROP TABLE temp.deletions; DROP TABLE temp.changed;");
}

Status RecordStoreWriter::Commit() { return tx_.Commit(); }

}  // namespace portal
