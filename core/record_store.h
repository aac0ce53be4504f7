#pragma once

#include <filesystem>
#include <memory>
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
  static Status Open(const std::filesystem::path& path, std::unique_ptr<RecordStore>* out);
  static std::filesystem::path PathIn(const std::filesystem::path& state_dir);

  SqliteDb* db() { return db_.get(); }

  struct StoredResource {
    std::string type;
    std::string id;
    std::string json;
  };
  // The patient's own resources (their Patient resource included), ordered by type and id.
  Status ResourcesOf(const std::string& patient_id, std::vector<StoredResource>* out);
  // The patient whose MRN is `mrn`; *found false if none.
  Status PatientByMrn(const std::string& mrn, std::string* patient_id, bool* found);
  // Every patient in the index, by id.
  Status AllPatients(std::vector<std::string>* ids);

 private:
  explicit RecordStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace portal
