#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/sqlite_db.h"
#include "core/status.h"
#include "mailbox/common/queue_vocabulary.h"

namespace portal {

// What a patient sent, ready to queue: the document is already signed by the mailbox's service
// key and encrypted to the records staff, so nothing here is readable PHI. Metadata is what
// staff may see without decrypting: kind, state, provider (a config id), when, size.
struct Submission {
  std::string receipt;  // Chosen by the caller (it is inside the document); 32 hex.
  ItemKind kind = ItemKind::kMessage;
  std::string owner;            // The patient's opaque token (never the MRN).
  std::string provider;         // Config provider id for messages; "" otherwise.
  std::string idempotency_key;  // From the client; a retry with it returns the same receipt.
  // Of what the request asks (without its nonce and timestamp): a retry re-signed later is the
  // same request; a key reused for another request is refused.
  std::string request_hash;
  std::string nonce;  // From the signed request; refused if seen before.
  int64_t received_at = 0;
  std::string document;  // Signed + encrypted bytes.
  // The fingerprint of the patient's or proxy's key that signed (upper-case hex): GET /v1/me
  // shows each key only what it sent itself. Not PHI; the registry pins the same fingerprint.
  std::string sender;
};

struct QueuedItem {
  std::string receipt;
  ItemKind kind = ItemKind::kMessage;
  ItemState state = ItemState::kReceived;  // FHIR Task status.
  std::string provider;
  int64_t received_at = 0;
  int64_t bytes = 0;
  std::string owner;            // The patient's token.
  std::string claimed_by;       // Staff key fingerprint holding the claim ("" = none).
  std::string claimed_user;     // Their login name.
  int64_t lease_until = 0;      // The claim ends then.
  std::string accepted_fields;  // Profile changes: accepted field ids, comma-separated.
  std::string reason;           // Rejections: a reason code.
  int64_t decided_at = 0;
  int64_t completed_at = 0;
};

// The columns ReadQueuedItem reads, in its order.
#define QUEUED_ITEM_COLUMNS                                                            \
  "receipt, kind, state, provider, received_at, length(document), owner, claimed_by, " \
  "claimed_user, lease_until, accepted_fields, reason, decided_at, completed_at"
QueuedItem ReadQueuedItem(const SqliteStatement& row);

// An item as its sender sees it in the app's "My requests": no content, no provider.
struct SentItem {
  std::string receipt;
  ItemKind kind = ItemKind::kMessage;
  ItemState state = ItemState::kReceived;
  int64_t received_at = 0;
};

// The mailbox queue: SQLite in WAL mode with synchronous=FULL, so Submit() returns only after
// the commit is durable — the daemon answers 202 after that, never before.
class QueueStore {
 public:
  static Status Open(const std::filesystem::path& path, std::unique_ptr<QueueStore>* out);
  static std::filesystem::path PathIn(const std::filesystem::path& state_dir);

  enum class Outcome { kQueued, kDuplicate, kReplayedNonce, kKeyReused };
  // Queues `s` under s.receipt in one transaction. kDuplicate: the owner already used this
  // idempotency key; *receipt is the first submission's and nothing is added. kReplayedNonce: the
  // nonce was seen (with another idempotency key); nothing is added.
  Status Submit(const Submission& s, std::string* receipt, Outcome* outcome);

  // Records a nonce of a request that queues nothing (a signed status query): *fresh false if
  // `owner` used it before. Durable on return, like a submission's.
  Status UseNonce(const std::string& owner, const std::string& nonce, int64_t now, bool* fresh);

  // Forgets nonces seen before `before`: a request that old is refused by its timestamp anyway.
  Status PruneNonces(int64_t before);

  // The state of `receipt` if it belongs to `owner`; *found false otherwise (another patient's
  // receipt looks exactly like a missing one).
  Status StateOf(const std::string& receipt, const std::string& owner, ItemState* state,
                 bool* found);

  // The items of `owner` that the key `sender` signed, newest first, at most `limit`; with
  // `with_unattributed` also those queued before the queue kept the sender (sender "").
  Status SentBy(const std::string& owner, const std::string& sender, bool with_unattributed,
                int limit, std::vector<SentItem>* out);

  // Metadata of queued items, oldest first; `state` nullopt for every state.
  Status List(std::optional<ItemState> state, std::vector<QueuedItem>* out);

 private:
  friend class QueueClaims;
  explicit QueueStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace portal
