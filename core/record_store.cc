#include "core/record_store.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace portal {

namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS resources(
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  patient TEXT,
  hash TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY(type, id));
CREATE INDEX IF NOT EXISTS resources_by_patient ON resources(patient);
CREATE TABLE IF NOT EXISTS patients(
  id TEXT PRIMARY KEY,
  mrn TEXT,
  mrn_ok INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS patients_by_mrn ON patients(mrn);
CREATE TABLE IF NOT EXISTS ingest_runs(
  run INTEGER PRIMARY KEY,
  finished TEXT NOT NULL,
  report TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS touched(
  run INTEGER NOT NULL,
  patient TEXT NOT NULL,
  PRIMARY KEY(run, patient)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS extract_files(
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  run INTEGER NOT NULL) WITHOUT ROWID;
PRAGMA user_version = 2;
)sql";

}  // namespace

std::filesystem::path RecordStore::PathIn(const std::filesystem::path& state_dir) {
  return state_dir / "records.sqlite";
}

Status RecordStore::Open(const std::filesystem::path& path, std::unique_ptr<RecordStore>* out,
                         int cache_mib) {
  std::unique_ptr<SqliteDb> db;
  // The store changes in one big transaction a night: a rollback journal writes it once.
  PORTAL_RETURN_IF_ERROR(SqliteDb::Open(path, SqliteDb::Journal::kRollback, &db));
  PORTAL_RETURN_IF_ERROR(db->Exec(kSchema));
  // Bounded page caches (cache_mib each for the store and the run's temporary tables) keep
  // memory flat whatever the size of the store or the extract.
  const std::string kib = std::to_string(cache_mib * 1024);
  PORTAL_RETURN_IF_ERROR(
      db->Exec("PRAGMA cache_size = -" + kib + "; PRAGMA temp.cache_size = -" + kib + ";"));
  out->reset(new RecordStore(std::move(db)));
  return Status::Ok();
}

Status RecordStore::ResourcesOf(const std::string& patient_id, std::vector<StoredResource>* out) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "SELECT type, id, json FROM resources WHERE patient = ?1 ORDER BY type, id", &q));
  q->Bind(1, patient_id);
  out->clear();
  bool row = false;
  while (true) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    out->push_back({q->Text(0), q->Text(1), q->Text(2)});
  }
  return Status::Ok();
}

Status RecordStore::PatientByMrn(const std::string& mrn, std::string* patient_id, bool* found) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("SELECT id FROM patients WHERE mrn = ?1 LIMIT 2", &q));
  q->Bind(1, mrn);
  PORTAL_RETURN_IF_ERROR(q->Step(found));
  if (!*found) return Status::Ok();
  *patient_id = q->Text(0);
  bool second = false;
  PORTAL_RETURN_IF_ERROR(q->Step(&second));
  if (second) {
    return Status::InvalidInput(
        "the MRN belongs to more than one patient in the record store; the records must be "
        "merged in the EHR first");
  }
  return Status::Ok();
}

Status RecordStore::PatientsByMrn(std::map<std::string, std::string>* ids,
                                  std::set<std::string>* ambiguous) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("SELECT mrn, id FROM patients WHERE mrn IS NOT NULL AND mrn != ''", &q));
  ids->clear();
  ambiguous->clear();
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    if (!ids->emplace(q->Text(0), q->Text(1)).second) ambiguous->insert(q->Text(0));
  }
  return Status::Ok();
}

Status RecordStore::ForEachPatientWithMrn(const std::function<Status(const IndexedPatient&)>& fn) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("SELECT p.mrn, p.id, COALESCE(r.json, '') FROM patients p LEFT JOIN resources r "
                   "ON r.type = 'Patient' AND r.id = p.id WHERE p.mrn IS NOT NULL AND p.mrn != '' "
                   "ORDER BY p.mrn, p.id",
                   &q));
  IndexedPatient patient;
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    patient.mrn = q->Text(0);
    patient.id = q->Text(1);
    patient.json = q->Text(2);
    PORTAL_RETURN_IF_ERROR(fn(patient));
  }
  return Status::Ok();
}

Status RecordStore::LastRun(int64_t* run) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("SELECT COALESCE(MAX(run), 0) FROM ingest_runs", &q));
  PORTAL_RETURN_IF_ERROR(q->Step());
  *run = q->Int(0);
  return Status::Ok();
}

Status RecordStore::PatientsTouchedAfter(int64_t run, std::set<std::string>* ids) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("SELECT DISTINCT patient FROM touched WHERE run > ?1", &q));
  q->Bind(1, run);
  ids->clear();
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    ids->insert(q->Text(0));
  }
  return Status::Ok();
}

Status RecordStore::ExtractFiles(std::map<std::string, ExtractFile>* files) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("SELECT path, size, mtime_ns FROM extract_files", &q));
  files->clear();
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    (*files)[q->Text(0)] = {q->Int(1), q->Int(2)};
  }
  return Status::Ok();
}

Status RecordStore::RecordExtractFile(const std::string& path, const ExtractFile& file,
                                      int64_t run) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "INSERT INTO extract_files(path, size, mtime_ns, run) VALUES(?1, ?2, ?3, ?4) "
      "ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
      "run = excluded.run",
      &q));
  q->Bind(1, path).Bind(2, file.size).Bind(3, file.mtime_ns).Bind(4, run);
  return q->Run();
}

Status RecordStore::AllPatients(std::vector<std::string>* ids) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("SELECT id FROM patients ORDER BY id", &q));
  ids->clear();
  bool row = false;
  while (true) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    ids->push_back(q->Text(0));
  }
  return Status::Ok();
}

Status StatExtractFile(const std::filesystem::path& path, RecordStore::ExtractFile* out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::IoError(path.string() + ": cannot stat: " + std::strerror(errno));
  }
  out->size = static_cast<int64_t>(st.st_size);
  out->mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return Status::Ok();
}

}  // namespace portal
