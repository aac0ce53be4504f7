#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/sqlite_db.h"
#include "core/status.h"

namespace portal {

// The record store: FHIR resources from the hospital's extracts, by (type, id), grouped by
// patient; the patient index (MRN); and which patients each ingest run touched. SQLite, under
// the state directory. Written by `portal-gen ingest`, read by the generator and the staff tools.
class RecordStore {
 public:
  // `cache_mib`: SQLite's page cache for the store and for temporary tables, each. Readers of
  // one patient at a time need little (the OS caches the file).
  static Status Open(const std::filesystem::path& path, std::unique_ptr<RecordStore>* out,
                     int cache_mib = 16);
  static std::filesystem::path PathIn(const std::filesystem::path& state_dir);

  SqliteDb* db() { return db_.get(); }

  struct StoredResource {
    std::string type;
    std::string id;
    std::string json;
  };
  // The patient's own resources (their Patient resource included), ordered by type and id.
  Status ResourcesOf(const std::string& patient_id, std::vector<StoredResource>* out);
  // The patient whose MRN is `mrn`; *found false if none; InvalidInput if more than one.
  Status PatientByMrn(const std::string& mrn, std::string* patient_id, bool* found);
  // MRN -> patient id for every patient with an MRN; MRNs held by several patients go to
  // *ambiguous (and map to one of them).
  Status PatientsByMrn(std::map<std::string, std::string>* ids, std::set<std::string>* ambiguous);
  // Every patient with an MRN with its Patient resource's JSON ("" if it has none), in MRN
  // order, handed to `fn` one at a time (the resources are never all in memory); `fn`'s error
  // stops the walk. MRNs held by several patients come once for each.
  struct IndexedPatient {
    std::string mrn;
    std::string id;
    std::string json;
  };
  Status ForEachPatientWithMrn(const std::function<Status(const IndexedPatient&)>& fn);
  // The newest ingest run's number (0 before the first).
  Status LastRun(int64_t* run);
  // Patients whose stored data changed in a run after `run`.
  Status PatientsTouchedAfter(int64_t run, std::set<std::string>* ids);

  // Extract files already taken, by path, as they were when read (the nightly run reads only
  // new or changed ones).
  struct ExtractFile {
    int64_t size = 0;
    int64_t mtime_ns = 0;
  };
  Status ExtractFiles(std::map<std::string, ExtractFile>* files);
  Status RecordExtractFile(const std::string& path, const ExtractFile& file, int64_t run);
  // Every patient in the index, by id.
  Status AllPatients(std::vector<std::string>* ids);

 private:
  explicit RecordStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  std::unique_ptr<SqliteDb> db_;
};

// Size and modification time of the extract file at `path`, as the record store remembers them.
Status StatExtractFile(const std::filesystem::path& path, RecordStore::ExtractFile* out);

}  // namespace portal
