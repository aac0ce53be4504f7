#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/sqlite_db.h"
#include "core/status.h"
#include "mailbox/staff/audit_anchor.h"

namespace portal {

// One line of the staff's audit trail. Holds no PHI: who, what, when, which document.
struct AuditEntry {
  int64_t seq = 0;                // 1, 2, 3, ... in order of appending; set by Append().
  int64_t at = 0;                 // When (Unix seconds, the caller's clock).
  std::string staff_fingerprint;  // The staff member's key: 40 or 64 hex digits; "" for none.
  // Who ran the command, as the kernel says: "uid 1001 (alice)", then "; login uid ..." when
  // the session has one and "; sudo claim: bob" when $SUDO_USER was set (a claim, never proof).
  // Older entries hold a bare login name. At most 200 printable bytes.
  std::string os_user;
  // claim, release, view, accept, reject, complete, export, reply, inbox-read, purge,
  // staff-add, staff-remove, activation-code, account-view, account-lock, account-unlock,
  // account-remove, reply-resend or ehr-key-create.
  std::string action;
  std::string document;   // A receipt id (32 lower-case hex digits) or "".
  std::string detail;     // Short non-PHI text, e.g. "fields: email, address"; at most 500 bytes.
  std::string prev_hash;  // The previous entry's hash (64 zeros for the first); set by Append().
  // 1: written before entries were signed (kept readable, never written now); 2: set by
  // Append().
  int64_t version = 2;
  // SHA-256 hex of seq, at, staff_fingerprint, os_user, action, document, detail, prev_hash in
  // that order, each written as its byte length in decimal, ':', its bytes, '\n' (seq and at in
  // decimal); version 2 puts the field "v2" first. Set by Append().
  std::string hash;
  // Version 2 with a staff key: that key's detached binary OpenPGP signature over
  // AuditSignedText(*this), made through the staff member's gpg-agent. "" for entries without a
  // staff key (purge, staff add/remove): the next signed entry covers them, as its hash chains
  // them, and the anchor covers them at once.
  std::string signature;
};

// What a staff key signs for a version 2 entry: "portal-audit entry v2\n" + hash + "\n" (the
// prefix keeps an audit signature from ever passing as any other signature the key makes).
std::string AuditSignedText(const AuditEntry& e);

// Makes the detached binary signature over `text` with the acting staff key.
using AuditSigner = std::function<Status(std::string_view text, std::string* signature)>;

// Checks `signature` over `text` against the public key `fingerprint` as pinned (or kept after
// its removal); *good only for a valid signature by that key.
using AuditSignatureCheck = std::function<Status(
    const std::string& fingerprint, std::string_view text, std::string_view signature, bool* good)>;

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
  // entries were removed", "entry N was added outside the log", "the head record was removed",
  // "the head file does not match entry N", "entry N predates signing but follows signed
  // entries", "entry N claims staff key F but is not signed", "entry N has a signature but no
  // staff key", "entry N: the signature by staff key F does not verify", "entry N is not in the
  // anchor", "the anchor names entry N, which the trail does not hold: the newest entries were
  // removed", "the anchor's entry N does not match the trail: entry N was rewritten" or "the
  // anchor is out of order at line L".
  std::string reason;
  // What the trail holds (filled up to the first problem).
  int64_t unsigned_v1 = 0;           // Entries 1..unsigned_v1 predate signing (version 1).
  int64_t signed_count = 0;          // Version 2 entries signed by a staff key, each checked.
  int64_t system_count = 0;          // Version 2 entries without a staff key.
  int64_t after_last_signature = 0;  // Of those, after the newest signed entry: anchor only.
  std::vector<std::string> signers;  // The staff keys that signed, sorted.
  bool signatures_checked = false;   // A check was given (else signatures were not looked at).
  bool anchored = false;             // An anchor was attached.
  int64_t anchor_from = 0;           // The first entry the anchor names (0: none).
};

// The audit trail: a hash chain in its own SQLite file (WAL, synchronous=FULL), apart from the
// queue so purging the queue never touches it. The newest (seq, hash) is kept twice more, in a
// `head` table and in a file beside the database (audit.head), so removing the newest entries
// shows too, unless both are edited. Against someone who can write var/ (and so both heads):
// each entry by a staff member is signed with their key, and each (seq, hash) also goes to an
// anchor outside var/ and to syslog (see AuditAnchor).
class AuditLog {
 public:
  static Status Open(const std::filesystem::path& path, std::unique_ptr<AuditLog>* out);
  static std::filesystem::path PathIn(const std::filesystem::path& state_dir);

  // From now on every append also writes its (seq, hash) to `anchor` and Verify() compares the
  // trail with it.
  void AttachAnchor(std::unique_ptr<AuditAnchor> anchor) { anchor_ = std::move(anchor); }
  AuditAnchor* anchor() const { return anchor_.get(); }

  // Validates `e`, fills its version (2), seq, prev_hash, hash and, when it names a staff key,
  // its signature by `signer` (required then, refused otherwise), and appends it durably in one
  // transaction; then its (seq, hash) goes to the anchor (if attached, fsynced) and to syslog.
  // *written (may be null) is the entry as stored. Nothing is written when `e` is refused. A
  // head file that no longer matches the log is left alone, as evidence for Verify().
  Status Append(AuditEntry e, const AuditSigner& signer, AuditEntry* written);
  // An entry without a staff key (system actions).
  Status Append(AuditEntry e, AuditEntry* written) {
    return Append(std::move(e), nullptr, written);
  }

  // The public key kept for staff key `fingerprint` (found false if none): `audit verify` checks
  // a removed staff member's signatures against it. KeepSignerKey stores it once (the first
  // signed entry of each key), ignoring later calls.
  Status SignerKey(const std::string& fingerprint, std::string* key, bool* found);
  Status KeepSignerKey(const std::string& fingerprint, std::string_view key);

  // Walks the chain, both head records and, when given `check`, every signature; then the
  // anchor, if attached. A head file one entry behind the log is accepted: an append that was
  // interrupted between its commit and the file (the next one repairs it).
  Status Verify(const AuditSignatureCheck& check, VerifyReport* r);
  Status Verify(VerifyReport* r) { return Verify(nullptr, r); }

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
  Status WalkEntries(const AuditSignatureCheck& check, VerifyReport* r, Head* last);
  Status CheckHeads(const Head& last, VerifyReport* r);
  Status CheckAnchor(const Head& last, VerifyReport* r);

  std::unique_ptr<SqliteDb> db_;
  std::filesystem::path head_path_;
  std::unique_ptr<AuditAnchor> anchor_;
};

}  // namespace portal
