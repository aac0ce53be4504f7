#include "core/patient_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "core/fhir_time.h"
#include "core/file_util.h"
#include "core/json_view.h"
#include "core/parse_number.h"
#include "core/sha256.h"
#include "core/time_zone.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

// The whole file is written in one transaction with its schema, so a file either has all of
// it or is never renamed into place.
constexpr int64_t kSchemaVersion = 1;
constexpr char kSchema[] = R"sql(
CREATE TABLE patients(
  mrn TEXT PRIMARY KEY,
  patient_id TEXT NOT NULL,
  birth_date TEXT NOT NULL,
  standing TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE emails(
  mrn TEXT NOT NULL REFERENCES patients(mrn),
  email_hash TEXT NOT NULL,
  PRIMARY KEY(mrn, email_hash)) WITHOUT ROWID;
CREATE TABLE stamp(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
PRAGMA user_version = 1;
)sql";

constexpr char kNotBuilt[] = "the patient directory is not built yet (run portal-gen nightly)";

// The standing as a word in the file: readable with the sqlite3 shell, stable if the enum moves.
const char* StandingWord(Eligibility e) {
  switch (e) {
    case Eligibility::kEligible:
      return "eligible";
    case Eligibility::kMinor:
      return "minor";
    case Eligibility::kDeceased:
      return "deceased";
    case Eligibility::kNoPatient:
      return "no-patient";
  }
  return "no-patient";
}

bool ParseStanding(std::string_view word, Eligibility* out) {
  for (Eligibility e : {Eligibility::kEligible, Eligibility::kMinor, Eligibility::kDeceased,
                        Eligibility::kNoPatient}) {
    if (word == StandingWord(e)) {
      *out = e;
      return true;
    }
  }
  return false;
}

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The last second a period's end allows: a date without a time ("2025", "2025-06-30") ends
// with its last day (UTC: the record gives no zone), so an address is kept through that day.
bool LatestEnd(std::string_view text, int64_t* out) {
  FhirDateTime end;
  if (!ParseFhirDateTime(text, &end)) return false;
  if (end.has_time) {
    *out = end.instant;
    return true;
  }
  int year = 0;
  unsigned month = 0, day = 0;
  LatestDay(end, &year, &month, &day);
  *out = TimeZone().StartOfDay(year, month, day) + 86400 - 1;
  return true;
}

// Whether a telecom entry is a current e-mail address: system "email", a value, not marked
// "old" (FHIR: no longer in use), and a period (if any) that has not ended before `now`. An end
// that does not parse counts as ended: a code must never go to an address that may be stale.
bool IsCurrentEmail(const JsonView& t, int64_t now) {
  if (t["system"].Str() != "email" || TrimAscii(t["value"].Str()).empty()) return false;
  if (t["use"].Str() == "old") return false;
  const JsonView end = t["period"]["end"];
  if (end.empty()) return true;
  int64_t last = 0;
  return end.IsString() && LatestEnd(end.Str(), &last) && last >= now;
}

const char kIngestRun[] = "ingest_run";
const char kAsOfDate[] = "as_of_date";
const char kBuiltAt[] = "built_at";
const char kLastNightlyAt[] = "last_nightly_at";

Status GetStampInt(SettingsTable* stamp, const char* key, int64_t* out) {
  std::string text;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(stamp->Get(key, &text, &found));
  if (!found || !ParseInt64(text, out)) {
    return Status::IoError(std::string("the patient directory's stamp has no valid ") + key +
                           " (run portal-gen nightly)");
  }
  return Status::Ok();
}

Status CheckSchema(SqliteDb* db) {
  int64_t version = 0;
  PORTAL_RETURN_IF_ERROR(db->UserVersion(&version));
  if (version != kSchemaVersion) {
    return Status::IoError(db->path().string() + ": patient directory schema version " +
                           std::to_string(version) + ", this program reads " +
                           std::to_string(kSchemaVersion) + " (run portal-gen nightly)");
  }
  return Status::Ok();
}

Status InsertEntries(SqliteDb* db, const std::vector<DirectoryEntry>& entries) {
  std::unique_ptr<SqliteStatement> patient, email;
  PORTAL_RETURN_IF_ERROR(db->Prepare(
      "INSERT INTO patients(mrn, patient_id, birth_date, standing) VALUES(?1, ?2, ?3, ?4)",
      &patient));
  PORTAL_RETURN_IF_ERROR(
      db->Prepare("INSERT OR IGNORE INTO emails(mrn, email_hash) VALUES(?1, ?2)", &email));
  for (const auto& e : entries) {
    patient->Bind(1, e.mrn).Bind(2, e.patient_id).Bind(3, e.birth_date);
    patient->Bind(4, std::string_view(StandingWord(e.standing)));
    PORTAL_RETURN_IF_ERROR(patient->Run());
    for (const auto& hash : e.email_hashes) {
      email->Bind(1, e.mrn).Bind(2, hash);
      PORTAL_RETURN_IF_ERROR(email->Run());
    }
  }
  return Status::Ok();
}

Status WriteStamp(SqliteDb* db, const DirectoryStamp& stamp) {
  SettingsTable settings(db, "stamp", "key");
  PORTAL_RETURN_IF_ERROR(settings.Set(kIngestRun, std::to_string(stamp.ingest_run)));
  PORTAL_RETURN_IF_ERROR(settings.Set(kAsOfDate, stamp.as_of_date));
  PORTAL_RETURN_IF_ERROR(settings.Set(kBuiltAt, std::to_string(stamp.built_at)));
  return settings.Set(kLastNightlyAt, std::to_string(stamp.last_nightly_at));
}

// The new file under a name of its own, created 0600 before SQLite opens it (its journal
// takes the same mode), written in one transaction and closed: SQLite's commit fsyncs it.
Status BuildFile(const fs::path& tmp, const std::vector<DirectoryEntry>& entries,
                 const DirectoryStamp& stamp) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || ::close(fd) != 0) {
    return Status::IoError(tmp.string() + ": cannot create: " + std::strerror(errno));
  }
  std::unique_ptr<SqliteDb> db;
  PORTAL_RETURN_IF_ERROR(SqliteDb::Open(tmp, SqliteDb::Journal::kRollback, &db));
  SqliteTransaction txn(db.get());
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  PORTAL_RETURN_IF_ERROR(db->Exec(kSchema));
  PORTAL_RETURN_IF_ERROR(InsertEntries(db.get(), entries));
  PORTAL_RETURN_IF_ERROR(WriteStamp(db.get(), stamp));
  return txn.Commit();
}

// A temporary file and its journal, removed when it goes out of scope unless renamed away.
class TempDirectoryFile {
 public:
  explicit TempDirectoryFile(fs::path path) : path_(std::move(path)) {}
  ~TempDirectoryFile() {
    std::error_code ec;
    fs::remove(Journal(), ec);
    if (!renamed_) fs::remove(path_, ec);
  }
  TempDirectoryFile(const TempDirectoryFile&) = delete;
  TempDirectoryFile& operator=(const TempDirectoryFile&) = delete;
  const fs::path& path() const { return path_; }
  fs::path Journal() const { return fs::path(path_.string() + "-journal"); }
  void Renamed() { renamed_ = true; }

 private:
  fs::path path_;
  bool renamed_ = false;
};

// Temporary files a killed writer left beside `path` (there is one writer: the nightly run,
// under its lock).
void RemoveLeftovers(const fs::path& path) {
  const std::string prefix = path.filename().string() + ".tmp-";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(path.parent_path(), ec)) {
    if (e.path().filename().string().starts_with(prefix)) fs::remove(e.path(), ec);
  }
}

}  // namespace

std::string EmailHash(std::string_view address) {
  std::string folded(TrimAscii(address));
  for (char& c : folded) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return Sha256Hex(folded);
}

std::vector<std::string> PatientEmails(std::string_view patient_json, int64_t now) {
  nlohmann::json doc;
  std::vector<std::string> out;
  if (!ParseJson(patient_json, &doc)) return out;
  for (const JsonView t : JsonView(doc)["telecom"]) {
    if (IsCurrentEmail(t, now)) out.push_back(t["value"].Str());
  }
  return out;
}

Status WritePatientDirectory(const fs::path& path, const std::vector<DirectoryEntry>& entries,
                             const DirectoryStamp& stamp) {
  RemoveLeftovers(path);
  const std::string random = RandomHex(8);
  if (random.empty()) return Status::IoError("no random bytes for the directory's temporary name");
  TempDirectoryFile tmp(path.parent_path() / (path.filename().string() + ".tmp-" + random));
  PORTAL_RETURN_IF_ERROR(BuildFile(tmp.path(), entries, stamp));
  // A journal left by an in-place update that was killed would be taken for the new file's
  // and rolled back into it: it goes first, durably, before the rename.
  PORTAL_RETURN_IF_ERROR(RemoveFileDurably(fs::path(path.string() + "-journal")));
  if (::rename(tmp.path().c_str(), path.c_str()) != 0) {
    return Status::IoError(path.string() + ": cannot rename into place: " + std::strerror(errno));
  }
  tmp.Renamed();
  return SyncFileSystem(path.parent_path());
}

Status TouchPatientDirectory(const fs::path& path, int64_t last_nightly_at) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::IoError(kNotBuilt);
  std::unique_ptr<SqliteDb> db;
  PORTAL_RETURN_IF_ERROR(SqliteDb::Open(path, SqliteDb::Journal::kRollback, &db));
  PORTAL_RETURN_IF_ERROR(CheckSchema(db.get()));
  SettingsTable settings(db.get(), "stamp", "key");
  return settings.Set(kLastNightlyAt, std::to_string(last_nightly_at));
}

Status PatientDirectory::Open(const fs::path& path, std::unique_ptr<PatientDirectory>* out) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::IoError(kNotBuilt);
  std::unique_ptr<SqliteDb> db;
  PORTAL_RETURN_IF_ERROR(SqliteDb::OpenReadOnly(path, &db));
  PORTAL_RETURN_IF_ERROR(CheckSchema(db.get()));
  out->reset(new PatientDirectory(std::move(db)));
  return Status::Ok();
}

Status PatientDirectory::Find(const std::string& mrn, DirectoryEntry* out, bool* found) {
  // One statement, so the entry and its hashes come from one read of the file.
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("SELECT p.patient_id, p.birth_date, p.standing, e.email_hash FROM patients p "
                   "LEFT JOIN emails e ON e.mrn = p.mrn WHERE p.mrn = ?1 ORDER BY e.email_hash",
                   &q));
  q->Bind(1, mrn);
  DirectoryEntry entry;
  *found = false;
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    if (!*found) {
      entry.mrn = mrn;
      entry.patient_id = q->Text(0);
      entry.birth_date = q->Text(1);
      if (!ParseStanding(q->Text(2), &entry.standing)) {
        return Status::IoError("the patient directory holds an unknown standing");
      }
      *found = true;
    }
    std::string hash = q->Text(3);
    if (!hash.empty()) entry.email_hashes.push_back(std::move(hash));
  }
  if (*found) *out = std::move(entry);
  return Status::Ok();
}

Status PatientDirectory::Stamp(DirectoryStamp* out) {
  SettingsTable settings(db_.get(), "stamp", "key");
  DirectoryStamp stamp;
  PORTAL_RETURN_IF_ERROR(GetStampInt(&settings, kIngestRun, &stamp.ingest_run));
  PORTAL_RETURN_IF_ERROR(GetStampInt(&settings, kBuiltAt, &stamp.built_at));
  PORTAL_RETURN_IF_ERROR(GetStampInt(&settings, kLastNightlyAt, &stamp.last_nightly_at));
  bool found = false;
  PORTAL_RETURN_IF_ERROR(settings.Get(kAsOfDate, &stamp.as_of_date, &found));
  if (!found) return Status::IoError("the patient directory's stamp has no as_of_date");
  *out = std::move(stamp);
  return Status::Ok();
}

}  // namespace portal
