#include "generator/ingest.h"

#include <chrono>
#include <regex>

#include <nlohmann/json.hpp>

#include "core/record_store.h"
#include "core/sha256.h"
#include "generator/extract_reader.h"

namespace portal {

namespace {

constexpr char kStagingSchema[] = R"sql(
CREATE TEMP TABLE incoming(
  type TEXT NOT NULL, id TEXT NOT NULL, patient TEXT, hash TEXT NOT NULL, json TEXT NOT NULL,
  mrn TEXT, origin TEXT NOT NULL, PRIMARY KEY(type, id)) WITHOUT ROWID;
CREATE TEMP TABLE failed(patient TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE deletions(type TEXT NOT NULL, id TEXT NOT NULL,
  PRIMARY KEY(type, id)) WITHOUT ROWID;
CREATE TEMP TABLE changed(patient TEXT PRIMARY KEY) WITHOUT ROWID;
)sql";

// Rows of `incoming` that may be applied: shared, or of a patient none of whose data failed.
constexpr char kGood[] = "(i.patient IS NULL OR i.patient NOT IN (SELECT patient FROM failed))";

// Collects the extract into temporary tables; nothing touches the store until Apply().
class Staging : public ExtractSink {
 public:
  Staging(SqliteDb* db, IngestReport* report) : db_(db), report_(report) {}

  Status Prepare() {
    PORTAL_RETURN_IF_ERROR(db_->Exec(kStagingSchema));
    PORTAL_RETURN_IF_ERROR(
        db_->Prepare("INSERT INTO incoming(type, id, patient, hash, json, mrn, origin) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(type, id) DO NOTHING",
                     &insert_));
    PORTAL_RETURN_IF_ERROR(
        db_->Prepare("SELECT origin, patient FROM incoming WHERE type = ?1 AND id = ?2", &find_));
    PORTAL_RETURN_IF_ERROR(
        db_->Prepare("INSERT OR IGNORE INTO failed(patient) VALUES (?1)", &fail_));
    return db_->Prepare("INSERT OR IGNORE INTO deletions(type, id) VALUES (?1, ?2)", &delete_);
  }

  void Resource(FhirResource r, std::string mrn, const std::string& origin) override {
    ++report_->read;
    const std::string hash = Sha256Hex(r.json);
    insert_->Bind(1, r.type).Bind(2, r.id).Bind(4, hash).Bind(5, r.json).Bind(7, origin);
    if (r.patient_id.empty())
      insert_->BindNull(3);
    else
      insert_->Bind(3, r.patient_id);
    if (r.type == "Patient")
      insert_->Bind(6, mrn);
    else
      insert_->BindNull(6);
    Keep(insert_->Run());
    if (db_->Changes() == 0) Duplicate(r, origin);
  }

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
  void Keep(const Status& st) {
    if (status_.ok()) status_ = st;
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
    find_->Bind(1, r.type).Bind(2, r.id);
    bool row = false;
    Keep(find_->Step(&row));
    std::string first, other_patient;
    if (row) {
      first = find_->Text(0);
      other_patient = find_->Text(1);
    }
    find_->Reset();
    Fail(origin + ": " + r.type + "/" + r.id + ": duplicate id (first at " + first + ")",
         r.patient_id);
    if (!other_patient.empty()) {
      fail_->Bind(1, other_patient);
      Keep(fail_->Run());
    }
  }

  SqliteDb* db_;
  IngestReport* report_;
  std::unique_ptr<SqliteStatement> insert_, find_, fail_, delete_;
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

// Moves the staged extract into the store and counts what happened.
Status Apply(SqliteDb* db, const std::regex& mrn_pattern, IngestReport* report) {
  const std::string good = kGood;
  PORTAL_RETURN_IF_ERROR(Count(db,
                               "SELECT count(*) FROM incoming i WHERE " + good +
                                   " AND NOT EXISTS (SELECT 1 FROM resources r WHERE "
                                   "r.type = i.type AND r.id = i.id)",
                               &report->inserted));
  PORTAL_RETURN_IF_ERROR(Count(db,
                               "SELECT count(*) FROM incoming i JOIN resources r USING(type, id) "
                               "WHERE " +
                                   good + " AND r.hash != i.hash",
                               &report->updated));
  PORTAL_RETURN_IF_ERROR(Count(db,
                               "SELECT count(*) FROM incoming i JOIN resources r USING(type, id) "
                               "WHERE " +
                                   good + " AND r.hash = i.hash",
                               &report->unchanged));
  PORTAL_RETURN_IF_ERROR(
      Count(db, "SELECT count(*) FROM incoming i WHERE NOT " + good, &report->skipped));
  PORTAL_RETURN_IF_ERROR(Count(db, "SELECT count(*) FROM failed", &report->patients_kept));
  // Patients whose data changes: new or changed resources (old and new owner), deletions.
  PORTAL_RETURN_IF_ERROR(db->Exec(
      "INSERT OR IGNORE INTO changed SELECT i.patient FROM incoming i LEFT JOIN resources r "
      "USING(type, id) WHERE " +
      good +
      " AND i.patient IS NOT NULL AND "
      "(r.hash IS NULL OR r.hash != i.hash);"
      "INSERT OR IGNORE INTO changed SELECT r.patient FROM incoming i JOIN resources r "
      "USING(type, id) WHERE " +
      good +
      " AND r.patient IS NOT NULL AND r.hash != i.hash;"
      "INSERT OR IGNORE INTO changed SELECT r.patient FROM deletions d JOIN resources r "
      "USING(type, id) WHERE r.patient IS NOT NULL AND r.patient NOT IN (SELECT patient FROM "
      "failed);"
      "INSERT OR IGNORE INTO changed SELECT d.id FROM deletions d WHERE d.type = 'Patient' AND "
      "d.id NOT IN (SELECT patient FROM failed) AND d.id IN (SELECT id FROM patients);"));
  PORTAL_RETURN_IF_ERROR(db->Exec(
      "INSERT INTO resources(type, id, patient, hash, json) "
      "SELECT type, id, patient, hash, json FROM incoming i WHERE " +
      good +
      " AND NOT EXISTS (SELECT 1 FROM resources r WHERE r.type = i.type AND r.id = i.id AND "
      "r.hash = i.hash) "
      "ON CONFLICT(type, id) DO UPDATE SET patient = excluded.patient, hash = excluded.hash, "
      "json = excluded.json;"));
  // Deleting a Patient removes everything that is theirs.
  const std::string deleted_patients =
      "(SELECT id FROM deletions WHERE type = 'Patient' AND id NOT IN (SELECT patient FROM "
      "failed))";
  const std::string doomed =
      "((type, id) IN (SELECT type, id FROM deletions) AND (patient IS "
      "NULL OR patient NOT IN (SELECT patient FROM failed))) OR patient IN " +
      deleted_patients;
  PORTAL_RETURN_IF_ERROR(
      Count(db, "SELECT count(*) FROM resources WHERE " + doomed, &report->deleted));
  PORTAL_RETURN_IF_ERROR(db->Exec("DELETE FROM resources WHERE " + doomed + ";" +
                                  "DELETE FROM patients WHERE id IN " + deleted_patients + ";"));
  // The patient index, from the Patient resources taken.
  std::unique_ptr<SqliteStatement> patients, upsert;
  PORTAL_RETURN_IF_ERROR(db->Prepare(
      "SELECT id, mrn, origin FROM incoming i WHERE type = 'Patient' AND " + good, &patients));
  PORTAL_RETURN_IF_ERROR(db->Prepare(
      "INSERT INTO patients(id, mrn, mrn_ok) VALUES (?1, ?2, ?3) ON CONFLICT(id) DO UPDATE SET "
      "mrn = excluded.mrn, mrn_ok = excluded.mrn_ok",
      &upsert));
  bool row = false;
  while (true) {
    PORTAL_RETURN_IF_ERROR(patients->Step(&row));
    if (!row) break;
    const std::string mrn = patients->Text(1);
    const bool ok = !mrn.empty() && std::regex_match(mrn, mrn_pattern);
    if (!ok) {
      ++report->mrn_unmatched;
      report->errors.push_back(patients->Text(2) + ": Patient/" + patients->Text(0) + ": " +
                               (mrn.empty() ? "no MRN (identifier typed MR)"
                                            : "MRN does not match the configured pattern") +
                               " (stored; reported, not dropped)");
    }
    upsert->Bind(1, patients->Text(0)).Bind(2, mrn).Bind(3, int64_t{ok ? 1 : 0});
    PORTAL_RETURN_IF_ERROR(upsert->Run());
  }
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
Status RecordRun(SqliteDb* db, IngestReport* report) {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db->Prepare("INSERT INTO ingest_runs(finished, report) VALUES (?1, ?2)", &q));
  q->Bind(1, std::to_string(secs.count())).Bind(2, ReportJson(*report));
  PORTAL_RETURN_IF_ERROR(q->Run());
  size_t run = 0;
  PORTAL_RETURN_IF_ERROR(Count(db, "SELECT last_insert_rowid()", &run));
  report->run = static_cast<int64_t>(run);
  return db->Exec("INSERT INTO touched(run, patient) SELECT " + std::to_string(report->run) +
                  ", patient FROM changed;");
}

}  // namespace

Status Ingest(const PortalConfig& config, const std::vector<std::filesystem::path>& paths,
              IngestReport* report) {
  *report = IngestReport();
  std::unique_ptr<RecordStore> store;
  PORTAL_RETURN_IF_ERROR(RecordStore::Open(RecordStore::PathIn(config.paths.state_dir), &store));
  SqliteDb* db = store->db();
  SqliteTransaction tx(db);
  PORTAL_RETURN_IF_ERROR(tx.Begin());
  Staging staging(db, report);
  PORTAL_RETURN_IF_ERROR(staging.Prepare());
  for (const auto& path : paths) {
    PORTAL_RETURN_IF_ERROR(ReadExtract(path, config.mrn.identifier_system, &staging));
    PORTAL_RETURN_IF_ERROR(staging.status());
  }
  PORTAL_RETURN_IF_ERROR(Apply(db, std::regex(config.mrn.pattern), report));
  PORTAL_RETURN_IF_ERROR(RecordRun(db, report));
  PORTAL_RETURN_IF_ERROR(
      db->Exec("DROP TABLE temp.incoming; DROP TABLE temp.failed; "
               "DROP TABLE temp.deletions; DROP TABLE temp.changed;"));
  return tx.Commit();
}

}  // namespace portal
