#include "generator/records/ingest.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <regex>

#include <nlohmann/json.hpp>

#include "core/record_store.h"
#include "core/sha256.h"
#include "generator/records/extract_pipeline.h"

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

// Writes the extract straight into the store (each resource is written once), keeping an undo
// log of what it replaced, so that at the end every patient with a failed record is put back
// exactly as it was. All inside the run's one transaction.
class Writer : public ExtractSink {
 public:
  Writer(SqliteDb* db, const std::regex& mrn_pattern, IngestReport* report)
      : db_(db), mrn_pattern_(mrn_pattern), report_(report) {}

  Status Prepare() {
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
    PORTAL_RETURN_IF_ERROR(
        db_->Prepare("INSERT OR IGNORE INTO failed(patient) VALUES (?1)", &fail_));
    PORTAL_RETURN_IF_ERROR(
        db_->Prepare("INSERT OR IGNORE INTO changed(patient) VALUES (?1)", &changed_));
    return db_->Prepare("INSERT OR IGNORE INTO deletions(type, id) VALUES (?1, ?2)", &delete_);
  }

  void Resource(FhirResource r, std::string mrn, const std::string& origin) override {
    ++report_->read;
    if (!status_.ok()) return;
    // Extracts come in runs of new or of known resources: after a new one, try the insert first
    // (one statement when it is new); after a known one, look it up first.
    expect_new_ = expect_new_ ? InsertNew(r, origin) : !Known(r, origin);
    if (r.type == "Patient") PatientIndex(r, origin, mrn);
  }

 private:
  // Stores `r` if it is not in the store yet; false (nothing done) if it is.
  bool InsertNew(const FhirResource& r, const std::string& origin) {
    Bind(insert_->Bind(1, r.type).Bind(2, r.id), 3, r.patient_id).Bind(4, r.hash).Bind(5, r.json);
    Keep(insert_->Run());
    if (db_->Changes() == 0) {
      Known(r, origin);
      return false;
    }
    // The first time this id is seen in the run (else the insert would have failed).
    undo_->Bind(1, r.type).Bind(2, r.id).Bind(3, origin).Bind(4, int64_t{1});
    Bind(*undo_, 5, r.patient_id).BindNull(6).BindNull(7).BindNull(8);
    Keep(undo_->Run());
    ++report_->inserted;
    Changed(r.patient_id);
    return true;
  }

  // Stores `r` after looking up the stored version; true if there was one.
  bool Known(const FhirResource& r, const std::string& origin) {
    const std::string& hash = r.hash;
    existing_->Bind(1, r.type).Bind(2, r.id);
    bool exists = false;
    Keep(existing_->Step(&exists));
    const bool same = exists && existing_->Text(1) == hash && existing_->Text(0) == r.patient_id;
    undo_->Bind(1, r.type).Bind(2, r.id).Bind(3, origin).Bind(4, int64_t{same ? 0 : 1});
    Bind(*undo_, 5, r.patient_id);
    std::string old_patient, old_hash, old_json;  // Bound below: alive until the Run().
    if (exists && !same) {
      old_patient = existing_->Text(0);
      old_hash = existing_->Text(1);
      old_json = existing_->Text(2);
      Bind(*undo_, 6, old_patient).Bind(7, old_hash).Bind(8, old_json);
    } else {
      undo_->BindNull(6).BindNull(7).BindNull(8);
    }
    existing_->Reset();
    Keep(undo_->Run());
    if (db_->Changes() == 0) {
      Duplicate(r, origin);
      return exists;
    }
    if (same) {
      ++report_->unchanged;
    } else {
      Bind(write_->Bind(1, r.type).Bind(2, r.id), 3, r.patient_id).Bind(4, hash).Bind(5, r.json);
      Keep(write_->Run());
      ++(exists ? report_->updated : report_->inserted);
      Changed(r.patient_id);
      Changed(old_patient);
    }
    return exists;
  }

 public:
  void Deletion(const std::string& type, const std::string& id, const std::string&) override {
    ++report_->read;
    delete_->Bind(1, type).Bind(2, id);
    Keep(delete_->Run());
  }

  void Error(const Status& problem, const FhirResource& partial,
             const std::string& origin) override {
    ++report_->read;
    Fail(origin + ": " + problem.message(), partial.patient_id);
  }

  // The first database failure, if any: it stops the run.
  const Status& status() const { return status_; }

 private:
  static SqliteStatement& Bind(SqliteStatement& s, int index, const std::string& maybe_empty) {
    return maybe_empty.empty() ? s.BindNull(index) : s.Bind(index, maybe_empty);
  }

  void Keep(const Status& st) {
    if (status_.ok()) status_ = st;
  }

  // Notes that a patient's data changed. Extracts come grouped by patient, so remembering the
  // last one noted saves almost every statement.
  void Changed(const std::string& patient) {
    if (patient.empty() || patient == last_changed_) return;
    changed_->Bind(1, patient);
    Keep(changed_->Run());
    last_changed_ = patient;
  }

  void PatientIndex(const FhirResource& r, const std::string& origin, const std::string& mrn) {
    const bool ok = !mrn.empty() && std::regex_match(mrn, mrn_pattern_);
    if (!ok) {
      ++report_->mrn_unmatched;
      report_->errors.push_back(origin + ": Patient/" + r.id + ": " +
                                (mrn.empty() ? "no MRN (identifier typed MR)"
                                             : "MRN does not match the configured pattern") +
                                " (stored; reported, not dropped)");
    }
    undo_patient_->Bind(1, r.id);
    Keep(undo_patient_->Run());
    write_patient_->Bind(1, r.id).Bind(2, mrn).Bind(3, int64_t{ok ? 1 : 0});
    Keep(write_patient_->Run());
  }

  void Fail(const std::string& message, const std::string& patient) {
    ++report_->failed;
    report_->errors.push_back(message);
    if (patient.empty()) return;
    fail_->Bind(1, patient);
    Keep(fail_->Run());
  }

  // The same (type, id) twice in one extract: which is right is unknown, so the patient (or
  // both patients) keep their previous state.
  void Duplicate(const FhirResource& r, const std::string& origin) {
    first_->Bind(1, r.type).Bind(2, r.id);
    bool row = false;
    Keep(first_->Step(&row));
    std::string first, other_patient;
    if (row) {
      first = first_->Text(0);
      other_patient = first_->Text(1);
    }
    first_->Reset();
    Fail(origin + ": " + r.type + "/" + r.id + ": duplicate id (first at " + first + ")",
         r.patient_id);
    if (!other_patient.empty()) {
      fail_->Bind(1, other_patient);
      Keep(fail_->Run());
    }
  }

  SqliteDb* db_;
  const std::regex& mrn_pattern_;
  IngestReport* report_;
  std::unique_ptr<SqliteStatement> first_, existing_, undo_, write_, undo_patient_, write_patient_,
      fail_, delete_, changed_, insert_;
  std::string last_changed_;
  bool expect_new_ = true;
  Status status_;
};

Status Count(SqliteDb* db, const std::string& sql, size_t* out) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db->Prepare(sql, &q));
  bool row = false;
  PORTAL_RETURN_IF_ERROR(q->Step(&row));
  *out = static_cast<size_t>(q->Int(0));
  return Status::Ok();
}

// Puts back every patient with a failed record (undo rows marked changed = 2) and takes back
// what the writer counted for them.
Status Revert(SqliteDb* db, IngestReport* report) {
  const std::string failed = "(SELECT patient FROM failed)";
  PORTAL_RETURN_IF_ERROR(db->Exec("UPDATE undo SET changed = 2 WHERE changed = 1 AND (patient IN " +
                                  failed + " OR old_patient IN " + failed + ")"));
  report->skipped = static_cast<size_t>(db->Changes());
  std::unique_ptr<SqliteStatement> counts;
  PORTAL_RETURN_IF_ERROR(db->Prepare(
      "SELECT coalesce(sum(old_json IS NULL), 0), coalesce(sum(old_json IS NOT NULL), 0) "
      "FROM undo WHERE changed = 2",
      &counts));
  bool row = false;
  PORTAL_RETURN_IF_ERROR(counts->Step(&row));
  report->inserted -= static_cast<size_t>(counts->Int(0));
  report->updated -= static_cast<size_t>(counts->Int(1));
  counts->Reset();
  return db->Exec(
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
Status Delete(SqliteDb* db, IngestReport* report) {
  const std::string failed = "(SELECT patient FROM failed)";
  const std::string gone_patients =
      "(SELECT id FROM deletions WHERE type = 'Patient' AND id NOT IN " + failed + ")";
  PORTAL_RETURN_IF_ERROR(
      db->Exec("INSERT OR IGNORE INTO changed SELECT r.patient FROM deletions d JOIN resources r "
               "USING(type, id) WHERE r.patient IS NOT NULL AND r.patient NOT IN " +
               failed +
               ";"
               "INSERT OR IGNORE INTO changed SELECT id FROM patients WHERE id IN " +
               gone_patients +
               ";"
               "DELETE FROM resources WHERE (type, id) IN (SELECT type, id FROM deletions) AND "
               "(patient IS NULL OR patient NOT IN " +
               failed + ");"));
  report->deleted = static_cast<size_t>(db->Changes());
  PORTAL_RETURN_IF_ERROR(db->Exec("DELETE FROM resources WHERE patient IN " + gone_patients + ";"));
  report->deleted += static_cast<size_t>(db->Changes());
  return db->Exec("DELETE FROM patients WHERE id IN " + gone_patients + ";");
}

// Puts back failed patients, applies deletions and counts the patients whose data changed.
// Without failures or deletions it reads nothing.
Status Finish(SqliteDb* db, IngestReport* report) {
  PORTAL_RETURN_IF_ERROR(Count(db, "SELECT count(*) FROM failed", &report->patients_kept));
  if (report->patients_kept > 0) PORTAL_RETURN_IF_ERROR(Revert(db, report));
  size_t deletions = 0;
  PORTAL_RETURN_IF_ERROR(Count(db, "SELECT count(*) FROM deletions", &deletions));
  if (deletions > 0) PORTAL_RETURN_IF_ERROR(Delete(db, report));
  return Count(db, "SELECT count(*) FROM changed", &report->patients_touched);
}

std::string ReportJson(const IngestReport& r) {
  return nlohmann::json{{"read", r.read},
                        {"inserted", r.inserted},
                        {"updated", r.updated},
                        {"unchanged", r.unchanged},
                        {"deleted", r.deleted},
                        {"failed", r.failed},
                        {"skipped", r.skipped},
                        {"patients_touched", r.patients_touched},
                        {"patients_kept", r.patients_kept},
                        {"mrn_unmatched", r.mrn_unmatched}}
      .dump();
}

// Records the run and the patients it touched, for the nightly run to pick up.
Status RecordRun(SqliteDb* db, int64_t now, IngestReport* report) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db->Prepare("INSERT INTO ingest_runs(finished, report) VALUES (?1, ?2)", &q));
  const std::string finished = std::to_string(now);
  const std::string json = ReportJson(*report);
  q->Bind(1, finished).Bind(2, json);
  PORTAL_RETURN_IF_ERROR(q->Run());
  size_t run = 0;
  PORTAL_RETURN_IF_ERROR(Count(db, "SELECT last_insert_rowid()", &run));
  report->run = static_cast<int64_t>(run);
  return db->Exec("INSERT INTO touched(run, patient) SELECT " + std::to_string(report->run) +
                  ", patient FROM changed;");
}

}  // namespace

Status StatExtractFile(const std::filesystem::path& path, RecordStore::ExtractFile* out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::IoError(path.string() + ": cannot stat: " + std::strerror(errno));
  }
  out->size = static_cast<int64_t>(st.st_size);
  out->mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return Status::Ok();
}

Status Ingest(const PortalConfig& config, const std::vector<std::filesystem::path>& paths,
              const Clock& clock, IngestReport* report) {
  *report = IngestReport();
  std::unique_ptr<RecordStore> store;
  PORTAL_RETURN_IF_ERROR(RecordStore::Open(RecordStore::PathIn(config.paths.state_dir), &store));
  SqliteDb* db = store->db();
  SqliteTransaction tx(db);
  PORTAL_RETURN_IF_ERROR(tx.Begin());
  // Each file's size and time as they were before reading: if the exporter is still writing
  // one, the next nightly run sees it changed and reads it again.
  std::vector<std::pair<std::string, RecordStore::ExtractFile>> files;
  for (const auto& path : paths) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) continue;
    RecordStore::ExtractFile file;
    PORTAL_RETURN_IF_ERROR(StatExtractFile(path, &file));
    files.emplace_back(std::filesystem::absolute(path).lexically_normal().string(), file);
  }
  const std::regex mrn_pattern(config.mrn.pattern);
  Writer writer(db, mrn_pattern, report);
  PORTAL_RETURN_IF_ERROR(writer.Prepare());
  PORTAL_RETURN_IF_ERROR(ReadExtractsInBackground(paths, config.mrn.identifier_system, &writer));
  PORTAL_RETURN_IF_ERROR(writer.status());
  report->clock.Mark("read+store");
  PORTAL_RETURN_IF_ERROR(Finish(db, report));
  PORTAL_RETURN_IF_ERROR(RecordRun(db, clock.Now(), report));
  for (const auto& [path, file] : files) {  // So the nightly run can skip them next time.
    PORTAL_RETURN_IF_ERROR(store->RecordExtractFile(path, file, report->run));
  }
  PORTAL_RETURN_IF_ERROR(
      db->Exec("DROP TABLE temp.undo; DROP TABLE temp.undo_patients; "
               "DROP TABLE temp.failed; DROP TABLE temp.deletions; DROP TABLE temp.changed;"));
  report->clock.Mark("finish");
  PORTAL_RETURN_IF_ERROR(tx.Commit());
  report->clock.Mark("commit");
  return Status::Ok();
}

}  // namespace portal
