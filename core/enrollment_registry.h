#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/sqlite_db.h"
#include "core/status.h"

namespace portal {

// One public key pinned for a patient: their own or an adult proxy's.
struct EnrolledKey {
  enum class Role { kPatient, kProxy };
  std::string fingerprint;  // Upper-case hex of the primary key.
  Role role = Role::kPatient;
  int64_t expires = 0;  // When encryption to it stops working; 0 = never.
  int64_t added_at = 0;
};

struct Enrollment {
  std::string mrn;
  std::string token;  // Opaque and unguessable; names the patient's folder under output/.
  int64_t enrolled_at = 0;
  // The Patient resource the MRN named when staff checked the patient's ID; "" if unknown
  // (enrolled before this was kept). If the MRN later names another patient, nothing is
  // published for it until staff enrol again.
  std::string patient_id;
  std::string email;  // Where plain notices go ("" = none); never anything but a pointer.
  std::vector<EnrolledKey> keys;  // Patient first, then proxies by fingerprint.
};

// A records-staff member's public key: every queued mailbox document is encrypted to each.
struct StaffKey {
  std::string fingerprint;  // Upper-case hex of the primary key.
  std::string user;         // The staff member's login name (no patient data).
  int64_t expires = 0;      // 0 = never.
  int64_t added_at = 0;
};

// The enrollment registry (SQLite, WAL: the nightly run and, later, the mailbox daemon read it
// while staff write): MRN -> pinned keys and token, plus the portal's settings. Each key's bytes
// live in their own file under keys/, named by fingerprint, so encryption reads exactly the
// keys it needs (gpg -f) and never scans a keyring.
class EnrollmentRegistry {
 public:
  static Status Open(const std::filesystem::path& db_path, const std::filesystem::path& keys_dir,
                     std::unique_ptr<EnrollmentRegistry>* out);

  // Enrols `mrn` (whose Patient resource is `patient_id`) with the patient's key (`key_data` as
  // given), stamped `now` (enrolled_at, the key's added_at). InvalidInput if already enrolled,
  // unless `replace_key`, which swaps the patient's key, pins `patient_id` again and keeps the
  // token (and enrolled_at).
  Status Enroll(const std::string& mrn, const std::string& patient_id, const EnrolledKey& key,
                std::string_view key_data, bool replace_key, int64_t now, std::string* token);
  // Pins an adult proxy's key for an enrolled patient, added at `now`.
  Status GrantProxy(const std::string& mrn, const EnrolledKey& key, std::string_view key_data,
                    int64_t now);
  // Unpins a proxy key; InvalidInput if it is not one of the patient's proxies.
  Status RevokeProxy(const std::string& mrn, const std::string& fingerprint);
  // Sets the address for the patient's notices ("" clears it); InvalidInput if not enrolled.
  Status SetEmail(const std::string& mrn, const std::string& email);
  // Forgets the patient's enrolment, keys and token; InvalidInput if not enrolled.
  Status Unenroll(const std::string& mrn);

  Status Find(const std::string& mrn, Enrollment* out, bool* found);
  // Every enrolment, by token.
  Status All(std::vector<Enrollment>* out);

  // Pins a records-staff key (its bytes in keys/ like a patient's), added at `now`; InvalidInput
  // if pinned.
  Status AddStaffKey(const StaffKey& key, std::string_view key_data, int64_t now);
  // Unpins a staff key; InvalidInput if it is not pinned.
  Status RemoveStaffKey(const std::string& fingerprint);
  // Every staff key, by user then fingerprint.
  Status StaffKeys(std::vector<StaffKey>* out);

  // The pinned key's file: KeyFileIn(keys_dir, fingerprint) (core/state_layout.h).
  std::filesystem::path KeyFile(const std::string& fingerprint) const;

  // The registry's connection: AccountStore (core/account_store.h) keeps its tables in the same
  // file, so that pinning a key and creating its account are one transaction.
  SqliteDb* db() { return db_.get(); }
  // Key files left unused by changes made inside a caller's transaction are removed only here
  // (checked again: a rolled-back change keeps its file). Call after the outer COMMIT or
  // ROLLBACK.
  Status SweepKeyFiles();

  Status GetSetting(const std::string& name, std::string* value, bool* found);
  Status SetSetting(const std::string& name, const std::string& value);

 private:
  EnrollmentRegistry(std::unique_ptr<SqliteDb> db, std::filesystem::path keys_dir)
      : db_(std::move(db)), keys_dir_(std::move(keys_dir)) {}
  Status InsertKey(const std::string& mrn, const EnrolledKey& key, std::string_view key_data,
                   int64_t now);
  Status RemoveUnusedKeyFile(const std::string& fingerprint);
  Status LoadKeys(Enrollment* e);

  std::unique_ptr<SqliteDb> db_;
  std::filesystem::path keys_dir_;
  std::vector<std::string> deferred_removals_;  // Fingerprints, see SweepKeyFiles.
};

}  // namespace portal
