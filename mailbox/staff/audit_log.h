#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/sqlite_db.h"
#include "core/status.h"

namespace portal {

// One line of the staff's audit trail. Holds no PHI: who, what, when, which document.
struct AuditEntry {
  int64_t seq = 0;                // 1, 2, 3, ... in order of appending; set by Append().
  int64_t at = 0;                 // When (Unix seconds, the caller's clock).
  std::string staff_fingerprint;  // The staff member's key: 40 or 64 hex digits; "" for none.
  std::string os_user;            // Who ran the command.
  // claim, release, view, accept, reject, complete, export, reply, inbox-read, purge,
  // staff-add, staff-remove, activation-code, account-view, account-lock, account-unlock,
  // account-remove or reply-resend.
  std::string action;
  std::string document;   // A receipt id (32 lower-case hex digits) or "".
  std::string detail;     // Short non-PHI text, e.g. "fields: email, address"; at most 500 bytes.
  std::string prev_hash;  // The previous entry's hash (64 zeros for the first); set by Append().
  // SHA-256 hex of seq, at, staff_fingerprint, os_user, action, document, detail, prev_hash in
  // that order, each written as its byte length in decimal, ':', its bytes, '\n' (seq and at in
  // decimal); set by Append().
  std::string hash;
};

// Which entries List() returns.
struct AuditFilter {
  int64_t since = 0;     // Entries with at >= since.
  std::string document;  // Only this receipt's entries; "" for all.
  int64_t limit = 0;     // Only the newest `limit` matching entries; 0 for all.
};

// What Verify() found: on the first problem (by seq), ok is false and seq and reason name it.
struct VerifyReport {
  bool ok = true;
  int64_t count = 0;  // Entries in the log.
  int64_t seq = 0;
  // "entry N was changed", "entry N is missing", "entries out of order at N", "the newest
  // entries were removed", "entry N was added outside the log", "the head record was removed"
  // or "the head file does not match entry N".
  std::string reason;
};

// The audit trail: a hash chain in its own SQLite file (WAL, synchronous=FULL), apart from the
// queue so purging the queue never touches it. The newest (seq, hash) is kept twice more, in a
// `head` table and in a file beside the database (audit.head), so removing the newest entries
// shows too, unless both are edited.
class AuditLog {
 public:
  static Status Open(const std::filesystem::path& path, std::unique_ptr<AuditLog>* out);
  static std::filesystem::path PathIn(const std::filesystem::path& state_dir);

  // Validates `e`, fills its seq, prev_hash and hash, and appends it durably in one transaction;
  // *written (may be null) is the entry as stored. Nothing is written when `e` is refused. A head
  // file that no longer matches the log is left alone, as evidence for Verify().
  Status Append(AuditEntry e, AuditEntry* written);

  // Walks the chain and both head records. A head file one entry behind the log is accepted:
  // an append that was interrupted between its commit and the file (the next one repairs it).
  Status Verify(VerifyReport* r);

  // Matching entries, oldest first.
  Status List(const AuditFilter& filter, std::vector<AuditEntry>* out);

 private:
  struct Head {  // The newest entry's seq and hash; (0, 64 zeros) for an empty log.
    int64_t seq = 0;
    std::string hash;
    bool operator==(const Head&) const = default;
  };
  AuditLog(std::unique_ptr<SqliteDb> db, std::filesystem::path head_path)
      : db_(std::move(db)), head_path_(std::move(head_path)) {}
  Status ReadHeadRow(Head* head, bool* found);
  Status ReadLastEntry(Head* last);
  Status HashAt(int64_t seq, std::string* hash);
  Status HeadFileFollows(const Head& end, bool* follows, Head* file);
  Status WriteHeadFile();
  Status InsertEntry(const AuditEntry& e);
  Status WalkEntries(VerifyReport* r, Head* last);
  Status CheckHeads(const Head& last, VerifyReport* r);

  std::unique_ptr<SqliteDb> db_;
  std::filesystem::path head_path_;
};

}  // namespace portal
