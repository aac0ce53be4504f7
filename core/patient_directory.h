#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/patient_eligibility.h"
#include "core/sqlite_db.h"
#include "core/status.h"

namespace portal {

// What the mailbox daemon may know of every patient in the record store, and nothing more: the
// MRN, the Patient resource's id, the birth date as written, the FAQ's standing (may this
// record have a summary?) and a hash of each e-mail address on the record. The nightly run
// writes it (generator/nightly/nightly_directory), the daemon opens it read-only for
// self-enrolment and Forgot Password. One writer, one reader, side by side here.
//
// The file (StateLayout::directory_db, SQLite) is replaced whole: written beside it, fsynced,
// renamed over it, so a reader sees the old directory or the new one. Its settings say from
// which record-store ingest run and local date it was built and when the last nightly run
// finished.

struct DirectoryEntry {
  std::string mrn;
  std::string patient_id;
  std::string birth_date;  // As written in the record ("1980-02-29", or partial "1980").
  Eligibility standing = Eligibility::kEligible;  // At the directory's as-of time.
  std::vector<std::string> email_hashes;  // EmailHash of each address on the record (sorted).
};

// SHA-256 hex of the address trimmed of white space and in lower case (ASCII): what a patient
// types is compared with what the record says.
std::string EmailHash(std::string_view address);

// The e-mail addresses of a Patient resource, as written: telecom entries with system "email"
// and a value, except those whose use is "old" or whose period has ended before `now` (a date
// without a time ends with its last day; an end that does not parse counts as ended). Empty
// for JSON that does not parse.
std::vector<std::string> PatientEmails(std::string_view patient_json, int64_t now);

struct DirectoryStamp {
  int64_t ingest_run = 0;  // The record store's newest ingest run it was built from.
  std::string as_of_date;  // The hospital's local date it was built for (YYYY-MM-DD).
  int64_t built_at = 0;
  int64_t last_nightly_at = 0;  // When the last nightly run finished (0 = unknown).
};

// Writes `entries` as the new directory at `path` (atomically, as above), 0600.
Status WritePatientDirectory(const std::filesystem::path& path,
                             const std::vector<DirectoryEntry>& entries,
                             const DirectoryStamp& stamp);
// Updates last_nightly_at in place (a run that did not need to rebuild it).
Status TouchPatientDirectory(const std::filesystem::path& path, int64_t last_nightly_at);

// The reader: read-only, a fresh open per use is cheap (the daemon opens it per request, so a
// replaced file is seen at once).
class PatientDirectory {
 public:
  // NotFound-style IoError "the patient directory is not built yet (run portal-gen nightly)"
  // when the file does not exist.
  static Status Open(const std::filesystem::path& path, std::unique_ptr<PatientDirectory>* out);

  // The entry of `mrn` (email_hashes filled); *found false if the store has no such patient.
  Status Find(const std::string& mrn, DirectoryEntry* out, bool* found);
  Status Stamp(DirectoryStamp* out);

 private:
  explicit PatientDirectory(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace portal
