#include "mailbox/staff/audit_log.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string_view>
#include <system_error>

#include "core/file_util.h"
#include "core/parse_number.h"
#include "core/sha256.h"

namespace portal {

namespace {

// Version 1 of the file (entries without version and signature); Open() brings any file to
// version 2 (user_version 2): the two columns (old rows: version 1, no signature) and the kept
// public keys of the staff keys that signed.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE IF NOT EXISTS entries(
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  staff_fingerprint TEXT NOT NULL,
  os_user TEXT NOT NULL,
  action TEXT NOT NULL,
  document TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS entries_by_document ON entries(document, seq);
CREATE TABLE IF NOT EXISTS head(
  id INTEGER PRIMARY KEY CHECK(id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL);
)sql";

constexpr char kToV2[] = R"sql(
ALTER TABLE entries ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE entries ADD COLUMN signature BLOB NOT NULL DEFAULT x'';
CREATE TABLE IF NOT EXISTS signer_keys(
  fingerprint TEXT PRIMARY KEY,
  key BLOB NOT NULL);
PRAGMA user_version = 2;
)sql";

constexpr char kColumns[] =
    "seq, at, staff_fingerprint, os_user, action, document, detail, prev_hash, hash, version, "
    "signature";

constexpr std::array<std::string_view, 19> kActions = {
    "claim", "release", "view", "accept", "reject", "complete", "export", "reply", "inbox-read",
    "purge", "staff-add", "staff-remove",
    // Patients' accounts (issue 13).
    "activation-code", "account-view", "account-lock", "account-unlock", "account-remove",
    "reply-resend",
    // The EHR key (issue 17).
    "ehr-key-create"};
constexpr size_t kMaxDetail = 500;
constexpr size_t kMaxOsUser = 200;

const std::string& ZeroHash() {
  static const std::string zeros(64, '0');
  return zeros;
}

bool IsHex(std::string_view s, bool lower_only) {
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (!lower_only && c >= 'A' && c <= 'F');
  });
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Messages never repeat the refused value: a caller's mistake may have put PHI in it.
Status CheckEntry(const AuditEntry& e) {
  if (std::find(kActions.begin(), kActions.end(), e.action) == kActions.end()) {
    return Status::InvalidInput("audit entry: unknown action");
  }
  const size_t fp = e.staff_fingerprint.size();
  if (fp != 0 && !((fp == 40 || fp == 64) && IsHex(e.staff_fingerprint, false))) {
    return Status::InvalidInput("audit entry: a staff fingerprint is 40 or 64 hex digits");
  }
  if (e.os_user.empty() || e.os_user.size() > kMaxOsUser || HasControl(e.os_user)) {
    return Status::InvalidInput("audit entry: the OS user is 1 to 200 printable bytes");
  }
  if (!e.document.empty() && !(e.document.size() == 32 && IsHex(e.document, true))) {
    return Status::InvalidInput("audit entry: a document is a receipt id (32 hex digits) or empty");
  }
  if (e.detail.size() > kMaxDetail || HasControl(e.detail)) {
    return Status::InvalidInput(
        "audit entry: the detail is at most 500 bytes without control characters");
  }
  return Status::Ok();
}

// The serialization documented at AuditEntry::hash: length-prefixed, so no two entries share it.
std::string EntryHash(const AuditEntry& e) {
  const std::string seq = std::to_string(e.seq);
  const std::string at = std::to_string(e.at);
  std::string text = e.version == 1 ? "" : "2:v2\n";
  for (std::string_view field : std::initializer_list<std::string_view>{
           seq, at, e.staff_fingerprint, e.os_user, e.action, e.document, e.detail, e.prev_hash}) {
    text.append(std::to_string(field.size())).append(":").append(field).append("\n");
  }
  return Sha256Hex(text);
}

AuditEntry ReadEntry(const SqliteStatement& q) {
  AuditEntry e;
  e.seq = q.Int(0);
  e.at = q.Int(1);
  e.staff_fingerprint = q.Text(2);
  e.os_user = q.Text(3);
  e.action = q.Text(4);
  e.document = q.Text(5);
  e.detail = q.Text(6);
  e.prev_hash = q.Text(7);
  e.hash = q.Text(8);
  e.version = q.Int(9);
  e.signature = q.Text(10);
  return e;
}

// The head file holds "<seq> <hash>\n".
std::string FormatHead(int64_t seq, const std::string& hash) {
  return std::to_string(seq) + " " + hash + "\n";
}

bool ParseHead(const std::string& text, int64_t* seq, std::string* hash) {
  const size_t space = text.find(' ');
  if (space == 0 || space > 18 || text.size() != space + 66 || text.back() != '\n') return false;
  const std::string_view digits(text.data(), space);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  if (!ParseInt64(digits, seq)) return false;
  *hash = text.substr(space + 1, 64);
  return IsHex(*hash, true);
}

void Fail(VerifyReport* r, int64_t seq, std::string reason) {
  r->ok = false;
  r->seq = seq;
  r->reason = std::move(reason);
}

std::string Entry(int64_t seq) { return "entry " + std::to_string(seq); }

// Checks entry `e` against the one before it (seq 0 and 64 zeros before the first).
void CheckLink(int64_t prev_seq, const std::string& prev_hash, const AuditEntry& e,
               VerifyReport* r) {
  if (e.seq > prev_seq + 1) {
    Fail(r, prev_seq + 1, Entry(prev_seq + 1) + " is missing");
  } else if (e.seq <= prev_seq) {
    Fail(r, e.seq, "entries out of order at " + std::to_string(e.seq));
  } else if (EntryHash(e) != e.hash) {
    Fail(r, e.seq, Entry(e.seq) + " was changed");
  } else if (e.prev_hash != prev_hash) {
    // Its own hash is right, so it was moved here or made up whole.
    Fail(r, e.seq, "entries out of order at " + std::to_string(e.seq));
  }
}

// Checks what version 2 says about signatures (AuditEntry::signature), then the signature itself
// with `check` when given; counts into `r`.
Status CheckSignature(const AuditSignatureCheck& check, const AuditEntry& e, VerifyReport* r) {
  if (e.staff_fingerprint.empty()) {
    if (!e.signature.empty()) Fail(r, e.seq, Entry(e.seq) + " has a signature but no staff key");
    ++r->system_count;
    ++r->after_last_signature;
    return Status::Ok();
  }
  if (e.signature.empty()) {
    Fail(r, e.seq,
         Entry(e.seq) + " claims staff key " + e.staff_fingerprint + " but is not signed");
    return Status::Ok();
  }
  if (check) {
    bool good = false;
    PORTAL_RETURN_IF_ERROR(check(e.staff_fingerprint, AuditSignedText(e), e.signature, &good));
    if (!good) {
      Fail(r, e.seq,
           Entry(e.seq) + ": the signature by staff key " + e.staff_fingerprint +
               " does not verify");
      return Status::Ok();
    }
  }
  ++r->signed_count;
  r->after_last_signature = 0;
  if (std::find(r->signers.begin(), r->signers.end(), e.staff_fingerprint) == r->signers.end()) {
    r->signers.push_back(e.staff_fingerprint);
  }
  return Status::Ok();
}

}  // namespace

std::string AuditSignedText(const AuditEntry& e) {
  return "portal-audit entry v2\n" + e.hash + "\n";
}

std::filesystem::path AuditLog::PathIn(const std::filesystem::path& state_dir) {
  return state_dir / "audit.sqlite";
}

Status AuditLog::Open(const std::filesystem::path& path, std::unique_ptr<AuditLog>* out) {
  std::unique_ptr<SqliteDb> db;
  // WAL with synchronous=FULL (SqliteDb's default): each entry is on disk when Append returns.
  PORTAL_RETURN_IF_ERROR(SqliteDb::Open(path, SqliteDb::Journal::kWal, &db));
  {
    SqliteTransaction txn(db.get());  // BEGIN IMMEDIATE: one process upgrades, the rest wait.
    PORTAL_RETURN_IF_ERROR(txn.Begin());
    int64_t version = 0;
    PORTAL_RETURN_IF_ERROR(db->UserVersion(&version));
    if (version > 2) {
      return Status::InvalidInput(path.string() + " is from a newer portal-staff (version " +
                                  std::to_string(version) + ")");
    }
    if (version < 2) {
      PORTAL_RETURN_IF_ERROR(db->Exec(kSchemaV1));
      PORTAL_RETURN_IF_ERROR(db->Exec(kToV2));
    }
    PORTAL_RETURN_IF_ERROR(txn.Commit());
  }
  std::filesystem::path head_path = path;
  head_path.replace_extension(".head");
  out->reset(new AuditLog(std::move(db), std::move(head_path)));
  return Status::Ok();
}

Status AuditLog::ReadHeadRow(Head* head, bool* found) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("SELECT seq, hash FROM head WHERE id = 1", &q));
  PORTAL_RETURN_IF_ERROR(q->Step(found));
  *head = *found ? Head{q->Int(0), q->Text(1)} : Head{0, ZeroHash()};
  return Status::Ok();
}

Status AuditLog::ReadLastEntry(Head* last) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1", &q));
  bool row = false;
  PORTAL_RETURN_IF_ERROR(q->Step(&row));
  *last = row ? Head{q->Int(0), q->Text(1)} : Head{0, ZeroHash()};
  return Status::Ok();
}

Status AuditLog::HashAt(int64_t seq, std::string* hash) {
  if (seq == 0) {
    *hash = ZeroHash();
    return Status::Ok();
  }
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("SELECT hash FROM entries WHERE seq = ?1", &q));
  q->Bind(1, seq);
  bool row = false;
  PORTAL_RETURN_IF_ERROR(q->Step(&row));
  *hash = row ? q->Text(0) : std::string();
  return Status::Ok();
}

// *follows: the head file names `end`, or the entry just before it (an append interrupted
// between its commit and its file). No file counts as naming the empty log.
Status AuditLog::HeadFileFollows(const Head& end, bool* follows, Head* file) {
  std::error_code ec;
  const bool present = std::filesystem::exists(head_path_, ec);
  if (ec) return Status::IoError(head_path_.string() + ": " + ec.message());
  *file = Head{0, ZeroHash()};
  if (present) {
    std::string text;
    PORTAL_RETURN_IF_ERROR(ReadFile(head_path_, &text));
    if (!ParseHead(text, &file->seq, &file->hash)) *file = Head{-1, ""};
  }
  *follows = *file == end;
  if (!*follows && file->seq >= 0 && file->seq == end.seq - 1) {
    std::string before;
    PORTAL_RETURN_IF_ERROR(HashAt(file->seq, &before));
    *follows = before == file->hash;
  }
  return Status::Ok();
}

// Writes the head row into the file until a re-read shows no later append: concurrent
// appenders end with the newest head in the file, whichever renames last.
Status AuditLog::WriteHeadFile() {
  Head written{-1, ""};
  for (;;) {
    Head now;
    bool found = false;
    PORTAL_RETURN_IF_ERROR(ReadHeadRow(&now, &found));
    if (now == written) return Status::Ok();
    PORTAL_RETURN_IF_ERROR(WriteFileAtomically(head_path_, FormatHead(now.seq, now.hash)));
    written = now;
  }
}

Status AuditLog::InsertEntry(const AuditEntry& e) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(std::string("INSERT INTO entries(") + kColumns +
                                          ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                                      &q));
  q->Bind(1, e.seq).Bind(2, e.at).Bind(3, e.staff_fingerprint).Bind(4, e.os_user);
  q->Bind(5, e.action).Bind(6, e.document).Bind(7, e.detail).Bind(8, e.prev_hash);
  q->Bind(9, e.hash).Bind(10, e.version).BindBlob(11, e.signature);
  PORTAL_RETURN_IF_ERROR(q->Run());
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("INSERT OR REPLACE INTO head(id, seq, hash) VALUES(1, ?1, ?2)", &q));
  q->Bind(1, e.seq).Bind(2, e.hash);
  return q->Run();
}

Status AuditLog::Append(AuditEntry e, const AuditSigner& signer, AuditEntry* written) {
  PORTAL_RETURN_IF_ERROR(CheckEntry(e));
  if (e.staff_fingerprint.empty() == static_cast<bool>(signer)) {
    return Status::InvalidInput(
        "audit entry: an entry is signed exactly when it names a staff key");
  }
  e.version = 2;
  e.signature.clear();
  // The anchor's lock first, held until its line is written: `audit verify` never sees an entry
  // between its commit and its anchor line.
  AnchorLock lock(anchor_.get());
  PORTAL_RETURN_IF_ERROR(lock.Take(/*exclusive=*/true));
  bool file_follows = false;
  {
    SqliteTransaction txn(db_.get());
    PORTAL_RETURN_IF_ERROR(txn.Begin());
    Head head, last, file;
    bool found = false;
    PORTAL_RETURN_IF_ERROR(ReadHeadRow(&head, &found));
    PORTAL_RETURN_IF_ERROR(ReadLastEntry(&last));
    // A head row ahead of the table means the newest entries were removed: the new entry
    // follows the removed ones, so the gap stays for Verify() to report.
    const Head& end = head.seq >= last.seq ? head : last;
    PORTAL_RETURN_IF_ERROR(HeadFileFollows(end, &file_follows, &file));
    e.seq = end.seq + 1;
    e.prev_hash = end.hash;
    e.hash = EntryHash(e);
    // Signed inside the transaction: the hash is final only once seq and prev_hash are.
    if (signer) PORTAL_RETURN_IF_ERROR(signer(AuditSignedText(e), &e.signature));
    PORTAL_RETURN_IF_ERROR(InsertEntry(e));
    PORTAL_RETURN_IF_ERROR(txn.Commit());  // Durable (synchronous=FULL) when this returns.
  }
  if (file_follows) PORTAL_RETURN_IF_ERROR(WriteHeadFile());
  SyslogAuditHead(e.seq, e.hash);
  if (anchor_ != nullptr) {
    PORTAL_RETURN_IF_ERROR(
        anchor_->Append(e.seq, e.hash)
            .WithPrefix("audit entry " + std::to_string(e.seq) + " was written but not anchored"));
  }
  if (written != nullptr) *written = std::move(e);
  return Status::Ok();
}

Status AuditLog::SignerKey(const std::string& fingerprint, std::string* key, bool* found) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("SELECT key FROM signer_keys WHERE fingerprint = ?1", &q));
  q->Bind(1, fingerprint);
  PORTAL_RETURN_IF_ERROR(q->Step(found));
  if (*found) *key = q->Text(0);
  return Status::Ok();
}

Status AuditLog::KeepSignerKey(const std::string& fingerprint, std::string_view key) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("INSERT OR IGNORE INTO signer_keys(fingerprint, key) VALUES(?1, ?2)", &q));
  q->Bind(1, fingerprint).BindBlob(2, key);
  return q->Run();
}

Status AuditLog::WalkEntries(const AuditSignatureCheck& check, VerifyReport* r, Head* last) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare(std::string("SELECT ") + kColumns + " FROM entries ORDER BY seq", &q));
  Head prev{0, ZeroHash()};
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    ++r->count;
    if (!r->ok) continue;  // Only counting after the first problem.
    const AuditEntry e = ReadEntry(*q);
    CheckLink(prev.seq, prev.hash, e, r);
    if (r->ok && e.version == 1) {
      if (r->unsigned_v1 != prev.seq) {
        Fail(r, e.seq, Entry(e.seq) + " predates signing but follows signed entries");
      } else {
        r->unsigned_v1 = e.seq;
      }
    } else if (r->ok && e.version == 2) {
      PORTAL_RETURN_IF_ERROR(CheckSignature(check, e, r));
    } else if (r->ok) {
      Fail(r, e.seq, Entry(e.seq) + " has an unknown version");
    }
    prev = Head{e.seq, e.hash};
  }
  *last = prev;
  return Status::Ok();
}

// Compares the head row and the head file with `last`, the newest entry of an intact chain.
Status AuditLog::CheckHeads(const Head& last, VerifyReport* r) {
  Head head, file;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(ReadHeadRow(&head, &found));
  if (!found && last.seq > 0) {
    Fail(r, last.seq, "the head record was removed");
  } else if (head.seq > last.seq) {
    Fail(r, last.seq + 1, "the newest entries were removed");
  } else if (head.seq < last.seq) {
    Fail(r, head.seq + 1, Entry(head.seq + 1) + " was added outside the log");
  } else if (head.hash != last.hash) {
    Fail(r, last.seq, Entry(last.seq) + " was changed");
  }
  if (!r->ok) return Status::Ok();
  bool follows = false;
  PORTAL_RETURN_IF_ERROR(HeadFileFollows(last, &follows, &file));
  if (follows) return Status::Ok();
  if (file.seq > last.seq) {
    Fail(r, last.seq + 1, "the newest entries were removed");
  } else {
    Fail(r, last.seq, "the head file does not match " + Entry(last.seq));
  }
  return Status::Ok();
}

// Every anchor line must name an entry of the trail with its hash, in order, one per entry from
// the first it names to the newest.
Status AuditLog::CheckAnchor(const Head& last, VerifyReport* r) {
  r->anchored = true;
  std::vector<AuditAnchor::Line> lines;
  PORTAL_RETURN_IF_ERROR(anchor_->Read(&lines));
  for (size_t i = 0; i < lines.size(); ++i) {
    const AuditAnchor::Line& line = lines[i];
    if (i > 0 && line.seq != lines[i - 1].seq + 1) {
      if (line.seq > lines[i - 1].seq) {
        Fail(r, lines[i - 1].seq + 1, Entry(lines[i - 1].seq + 1) + " is not in the anchor");
      } else {
        Fail(r, line.seq, "the anchor is out of order at line " + std::to_string(i + 1));
      }
      return Status::Ok();
    }
    if (line.seq > last.seq) {
      Fail(r, last.seq + 1,
           "the anchor names " + Entry(line.seq) +
               ", which the trail does not hold: the newest entries were removed");
      return Status::Ok();
    }
    std::string hash;
    PORTAL_RETURN_IF_ERROR(HashAt(line.seq, &hash));
    if (hash != line.hash) {
      Fail(r, line.seq,
           "the anchor's " + Entry(line.seq) + " does not match the trail: " + Entry(line.seq) +
               " was rewritten");
      return Status::Ok();
    }
  }
  if (lines.empty()) return Status::Ok();  // All entries predate the anchor.
  r->anchor_from = lines.front().seq;
  if (lines.back().seq < last.seq) {
    Fail(r, lines.back().seq + 1,
         Entry(lines.back().seq + 1) +
             " is not in the anchor (written without the anchor, or an append stopped between "
             "its commit and its anchor line)");
  }
  return Status::Ok();
}

Status AuditLog::Verify(const AuditSignatureCheck& check, VerifyReport* r) {
  *r = VerifyReport();
  r->signatures_checked = static_cast<bool>(check);
  AnchorLock lock(anchor_.get());
  PORTAL_RETURN_IF_ERROR(lock.Take(/*exclusive=*/false));
  // One snapshot: no append commits while the chain and both heads are read (the transaction
  // writes nothing and rolls back).
  SqliteTransaction txn(db_.get());
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  Head last;
  PORTAL_RETURN_IF_ERROR(WalkEntries(check, r, &last));
  std::sort(r->signers.begin(), r->signers.end());
  if (!r->ok) return Status::Ok();
  PORTAL_RETURN_IF_ERROR(CheckHeads(last, r));
  if (!r->ok || anchor_ == nullptr) return Status::Ok();
  return CheckAnchor(last, r);
}

Status AuditLog::List(const AuditFilter& filter, std::vector<AuditEntry>* out) {
  if (filter.limit < 0) return Status::InvalidInput("audit list: the limit is 0 or more");
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      std::string("SELECT * FROM (SELECT ") + kColumns +
          " FROM entries WHERE at >= ?1 AND (?2 = '' OR document = ?2) ORDER BY seq DESC "
          "LIMIT ?3) ORDER BY seq",
      &q));
  q->Bind(1, filter.since).Bind(2, filter.document).Bind(3, filter.limit > 0 ? filter.limit : -1);
  out->clear();
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    out->push_back(ReadEntry(*q));
  }
  return Status::Ok();
}

}  // namespace portal
