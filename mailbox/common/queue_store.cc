#include "mailbox/common/queue_store.h"

#include "core/sha256.h"

namespace portal {

namespace {

// @KINDS@ and @STATES@ stand for the vocabulary's words (queue_vocabulary.h). A database made
// before keeps its own CHECKs, which hold the same words.
constexpr char kSchemaTemplate[] = R"sql(
CREATE TABLE IF NOT EXISTS documents(
  receipt TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK(kind IN (@KINDS@)),
  state TEXT NOT NULL CHECK(state IN (@STATES@)),
  owner TEXT NOT NULL,
  provider TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  document BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS documents_by_state ON documents(state, received_at);
CREATE TABLE IF NOT EXISTS idempotency(
  owner TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  receipt TEXT NOT NULL REFERENCES documents(receipt) ON DELETE CASCADE,
  PRIMARY KEY(owner, key_hash)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nonces(
  owner TEXT NOT NULL,
  nonce_hash TEXT NOT NULL,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY(owner, nonce_hash)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nonces_by_age ON nonces(seen_at);
)sql";

// Version 2: the staff's work on an item (claim and lease, decision, completion).
constexpr char kVersion2[] = R"sql(
ALTER TABLE documents ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN claimed_user TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN accepted_fields TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN decided_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN completed_at INTEGER NOT NULL DEFAULT 0;
PRAGMA user_version = 2;
)sql";

// Version 3: the key that signed each item ("" for the rows queued before), and the index that
// lists one patient's items for GET /v1/me.
constexpr char kVersion3[] = R"sql(
ALTER TABLE documents ADD COLUMN sender TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS documents_by_owner ON documents(owner, received_at);
PRAGMA user_version = 3;
)sql";

// Each migration in order, from the version it upgrades.
struct Migration {
  int64_t from;
  const char* sql;
};
constexpr Migration kMigrations[] = {{1, kVersion2}, {2, kVersion3}};

std::string Schema() {
  std::string schema = kSchemaTemplate;
  const auto fill = [&](const std::string& slot, const std::string& words) {
    schema.replace(schema.find(slot), slot.size(), words);
  };
  fill("@KINDS@", SqlList(ItemKindNames()));
  fill("@STATES@", SqlList(ItemStateNames()));
  return schema;
}

// The idempotency row of (owner, key_hash): *found, and the receipt and request hash it holds.
Status FindKey(SqliteDb* db, const std::string& owner, const std::string& key_hash, bool* found,
               std::string* receipt, std::string* request_hash) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db->Prepare(
      "SELECT receipt, request_hash FROM idempotency WHERE owner = ?1 AND key_hash = ?2", &q));
  q->Bind(1, owner).Bind(2, key_hash);
  PORTAL_RETURN_IF_ERROR(q->Step(found));
  if (*found) {
    *receipt = q->Text(0);
    *request_hash = q->Text(1);
  }
  return Status::Ok();
}

Status NonceSeen(SqliteDb* db, const std::string& owner, const std::string& nonce_hash,
                 bool* seen) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db->Prepare("SELECT 1 FROM nonces WHERE owner = ?1 AND nonce_hash = ?2", &q));
  q->Bind(1, owner).Bind(2, nonce_hash);
  return q->Step(seen);
}

Status InsertNonce(SqliteDb* db, const std::string& owner, const std::string& nonce_hash,
                   int64_t seen_at) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db->Prepare("INSERT INTO nonces(owner, nonce_hash, seen_at) VALUES(?1, ?2, ?3)", &q));
  q->Bind(1, owner).Bind(2, nonce_hash).Bind(3, seen_at);
  return q->Run();
}

// The document row, received, and its idempotency row.
Status InsertDocument(SqliteDb* db, const Submission& s, const std::string& key_hash) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db->Prepare(
      "INSERT INTO documents(receipt, kind, state, owner, provider, received_at, document, "
      "sender) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
      &q));
  q->Bind(1, s.receipt)
      .Bind(2, ToString(s.kind))
      .Bind(3, ToString(ItemState::kReceived))
      .Bind(4, s.owner)
      .Bind(5, s.provider)
      .Bind(6, s.received_at);
  q->BindBlob(7, s.document);
  q->Bind(8, s.sender);
  PORTAL_RETURN_IF_ERROR(q->Run());
  PORTAL_RETURN_IF_ERROR(
      db->Prepare("INSERT INTO idempotency(owner, key_hash, request_hash, receipt) "
                  "VALUES(?1, ?2, ?3, ?4)",
                  &q));
  q->Bind(1, s.owner).Bind(2, key_hash).Bind(3, s.request_hash).Bind(4, s.receipt);
  return q->Run();
}

}  // namespace

QueuedItem ReadQueuedItem(const SqliteStatement& q) {
  QueuedItem i;
  i.receipt = q.Text(0);
  // The table's CHECKs admit only these words.
  (void)ParseItemKind(q.Text(1), &i.kind);
  (void)ParseItemState(q.Text(2), &i.state);
  i.provider = q.Text(3);
  i.received_at = q.Int(4);
  i.bytes = q.Int(5);
  i.owner = q.Text(6);
  i.claimed_by = q.Text(7);
  i.claimed_user = q.Text(8);
  i.lease_until = q.Int(9);
  i.accepted_fields = q.Text(10);
  i.reason = q.Text(11);
  i.decided_at = q.Int(12);
  i.completed_at = q.Int(13);
  return i;
}

std::filesystem::path QueueStore::PathIn(const std::filesystem::path& state_dir) {
  return state_dir / "mailbox.sqlite";
}

Status QueueStore::Open(const std::filesystem::path& path, std::unique_ptr<QueueStore>* out) {
  std::unique_ptr<SqliteDb> db;
  // WAL with synchronous=FULL (SqliteDb's default): each commit is on disk when it returns.
  PORTAL_RETURN_IF_ERROR(SqliteDb::Open(path, SqliteDb::Journal::kWal, &db));
  PORTAL_RETURN_IF_ERROR(db->Exec(Schema()));
  // Deleted rows (purged documents) are overwritten, not only unlinked.
  PORTAL_RETURN_IF_ERROR(db->Exec("PRAGMA secure_delete = ON"));
  int64_t version = 0;
  PORTAL_RETURN_IF_ERROR(db->UserVersion(&version));
  // A new file (version 0) has the first schema: it takes every migration, like a version 1.
  for (const Migration& m : kMigrations) {
    if (version > m.from) continue;
    SqliteTransaction txn(db.get());
    PORTAL_RETURN_IF_ERROR(txn.Begin());
    PORTAL_RETURN_IF_ERROR(db->Exec(m.sql));
    PORTAL_RETURN_IF_ERROR(txn.Commit());
  }
  out->reset(new QueueStore(std::move(db)));
  return Status::Ok();
}

Status QueueStore::Submit(const Submission& s, std::string* receipt, Outcome* outcome) {
  // Client-chosen strings are stored hashed: fixed size, and nothing they carry is kept.
  const std::string key_hash = Sha256Hex(s.idempotency_key);
  const std::string nonce_hash = Sha256Hex(s.nonce);
  SqliteTransaction txn(db_.get());
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  bool used = false;
  std::string first_receipt, first_hash;
  PORTAL_RETURN_IF_ERROR(FindKey(db_.get(), s.owner, key_hash, &used, &first_receipt, &first_hash));
  if (used) {
    const bool same = first_hash == s.request_hash;
    *receipt = same ? first_receipt : std::string();
    *outcome = same ? Outcome::kDuplicate : Outcome::kKeyReused;
    return Status::Ok();  // The transaction rolls back: nothing was written.
  }
  PORTAL_RETURN_IF_ERROR(NonceSeen(db_.get(), s.owner, nonce_hash, &used));
  if (used) {
    receipt->clear();
    *outcome = Outcome::kReplayedNonce;
    return Status::Ok();
  }
  if (s.receipt.size() != 32) return Status::InvalidInput("a receipt id is 32 hex digits");
  PORTAL_RETURN_IF_ERROR(InsertDocument(db_.get(), s, key_hash));
  PORTAL_RETURN_IF_ERROR(InsertNonce(db_.get(), s.owner, nonce_hash, s.received_at));
  PORTAL_RETURN_IF_ERROR(txn.Commit());  // Durable (synchronous=FULL) when this returns.
  *receipt = s.receipt;
  *outcome = Outcome::kQueued;
  return Status::Ok();
}

Status QueueStore::UseNonce(const std::string& owner, const std::string& nonce, int64_t now,
                            bool* fresh) {
  const std::string nonce_hash = Sha256Hex(nonce);
  SqliteTransaction txn(db_.get());
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  bool seen = false;
  PORTAL_RETURN_IF_ERROR(NonceSeen(db_.get(), owner, nonce_hash, &seen));
  *fresh = !seen;
  if (seen) return Status::Ok();
  PORTAL_RETURN_IF_ERROR(InsertNonce(db_.get(), owner, nonce_hash, now));
  return txn.Commit();
}

Status QueueStore::PruneNonces(int64_t before) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("DELETE FROM nonces WHERE seen_at < ?1", &q));
  q->Bind(1, before);
  return q->Run();
}

Status QueueStore::StateOf(const std::string& receipt, const std::string& owner, ItemState* state,
                           bool* found) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("SELECT state FROM documents WHERE receipt = ?1 AND owner = ?2", &q));
  q->Bind(1, receipt).Bind(2, owner);
  PORTAL_RETURN_IF_ERROR(q->Step(found));
  if (*found && !ParseItemState(q->Text(0), state)) {
    return Status::IoError("the queue holds an unknown state for a receipt");
  }
  return Status::Ok();
}

Status QueueStore::SentBy(const std::string& owner, const std::string& sender,
                          bool with_unattributed, int limit, std::vector<SentItem>* out) {
  std::unique_ptr<SqliteStatement> q;
  // rowid breaks ties within one second: the later insert is the newer item.
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "SELECT receipt, kind, state, received_at FROM documents WHERE owner = ?1 AND "
      "(sender = ?2 OR (?3 AND sender = '')) ORDER BY received_at DESC, rowid DESC LIMIT ?4",
      &q));
  q->Bind(1, owner)
      .Bind(2, sender)
      .Bind(3, int64_t{with_unattributed ? 1 : 0})
      .Bind(4, int64_t{limit});
  out->clear();
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    SentItem i;
    i.receipt = q->Text(0);
    // The table's CHECKs admit only these words.
    (void)ParseItemKind(q->Text(1), &i.kind);
    (void)ParseItemState(q->Text(2), &i.state);
    i.received_at = q->Int(3);
    out->push_back(std::move(i));
  }
  return Status::Ok();
}

Status QueueStore::List(std::optional<ItemState> state, std::vector<QueuedItem>* out) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare("SELECT " QUEUED_ITEM_COLUMNS " FROM documents "
                                      "WHERE ?1 = '' OR state = ?1 ORDER BY received_at, receipt",
                                      &q));
  q->Bind(1, state ? ToString(*state) : std::string_view(""));  // "" (not NULL): every state.
  out->clear();
  for (bool row = false;;) {
    PORTAL_RETURN_IF_ERROR(q->Step(&row));
    if (!row) break;
    out->push_back(ReadQueuedItem(*q));
  }
  return Status::Ok();
}

}  // namespace portal
