#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/record_store.h"
#include "core/sqlite_db.h"
#include "core/status.h"

namespace portal {

// The record store's write side, for `portal-gen ingest`: one run's writes in one transaction,
// with temporary work tables (an undo log of what each write replaced; the failed, deleted and
// changed patients) so that every patient with a bad record can be put back exactly as it was.
// The store's tables are written here and nowhere else.
class RecordStoreWriter {
 public:
  // Begins the run's transaction on `store` (which must outlive the writer) and creates the
  // work tables. Everything is rolled back unless Commit() succeeds.
  static Status Begin(RecordStore* store, std::unique_ptr<RecordStoreWriter>* out);
  RecordStoreWriter(const RecordStoreWriter&) = delete;
  RecordStoreWriter& operator=(const RecordStoreWriter&) = delete;

  // A resource as it is stored; `patient` is empty for resources of no patient. The text must
  // stay alive during the call.
  struct Row {
    std::string_view type;
    std::string_view id;
    std::string_view patient;
    std::string_view hash;
    std::string_view json;
  };

  // Stores `row` if no resource with its (type, id) is stored yet, noting in the undo log that
  // the run first saw it at `origin`; *inserted false (nothing done) otherwise.
  Status InsertNew(const Row& row, const std::string& origin, bool* inserted);

  // What PutKnown found and did.
  struct Put {
    bool exists = false;      // A version was stored.
    bool same = false;        // ... with this content and patient: nothing written.
    bool duplicate = false;   // The run saw this (type, id) before: nothing written.
    std::string old_patient;  // The replaced version's patient ("" if none was replaced).
  };
  // Looks up the stored version of `row`, notes it in the undo log (first sighting at `origin`)
  // and stores `row` over it unless it is the same or the run saw it before.
  Status PutKnown(const Row& row, const std::string& origin, Put* out);

  // Where the run first saw (type, id) and the patient it had then; *found false if never.
  Status FirstSeen(std::string_view type, std::string_view id, bool* found, std::string* origin,
                   std::string* patient);

  // The patient index entry, after noting the previous one in the undo log.
  Status PutPatient(std::string_view id, std::string_view mrn, bool mrn_ok);
  // The patient keeps their previous state when the run finishes.
  Status MarkFailed(std::string_view patient);
  // The patient's stored data changed in this run.
  Status MarkChanged(std::string_view patient);
  // A deletion to apply when the run finishes.
  Status AddDeletion(std::string_view type, std::string_view id);

  // What Finish did.
  struct Finished {
    size_t patients_kept = 0;                      // Failed patients put back.
    size_t skipped = 0;                            // Writes of theirs undone.
    size_t undone_inserts = 0;                     // ... of which new resources,
    size_t undone_updates = 0;                     // ... and replaced ones.
    std::map<std::string, size_t> undone_by_type;  // The writes undone, by resource type.
    size_t deleted = 0;                            // Resources deleted.
    size_t patients_touched = 0;                   // Patients whose stored data changed.
  };
  // Puts back every failed patient, applies the deletions (not of failed patients; deleting a
  // Patient removes all that is theirs) and counts the changed patients. Without failures or
  // deletions it reads nothing.
  Status Finish(Finished* out);

  // Records the run (finished at `now`, with its report as JSON) and the patients it touched;
  // *run is its number.
  Status RecordRun(int64_t now, const std::string& report_json, int64_t* run);
  // The extract file was read as `file` by run `run` (RecordStore::ExtractFiles).
  Status RecordExtractFile(const std::string& path, const RecordStore::ExtractFile& file,
                           int64_t run);
  // Drops the work tables (before Commit, so the run's cost is counted apart).
  Status DropWorkTables();
  Status Commit();

 private:
  explicit RecordStoreWriter(RecordStore* store) : store_(store), db_(store->db()), tx_(db_) {}
  Status Prepare();
  Status Count(const std::string& sql, size_t* out);
  Status Revert(Finished* out);
  Status Delete(Finished* out);

  RecordStore* store_;
  SqliteDb* db_;
  SqliteTransaction tx_;
  std::unique_ptr<SqliteStatement> first_, existing_, undo_, write_, undo_patient_, write_patient_,
      fail_, delete_, changed_, insert_;
};

}  // namespace portal
