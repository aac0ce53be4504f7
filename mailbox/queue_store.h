#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/sqlite_db.h"
#include "core/status.h"

namespace portal {

// What a patient sent, ready to queue: the document is already signed by the mailbox's service
// key and encrypted to the records staff, so nothing here is readable PHI. Metadata is what
// staff may see without decrypting: kind, state, provider (a config id), when, size.
struct Submission {
  std::string receipt;          // Chosen by the caller (it is inside the document); 32 hex.
  std::string kind;             // "message" or "profile-change".
  std::string owner;            // The patient's opaque token (never the MRN).
  std::string provider;         // Config provider id for messages; "" otherwise.
  std::string idempotency_key;  // From the client; a retry with it returns the same receipt.
  // Of what the request asks (without its nonce and timestamp): a retry re-signed later is the
  // same request; a key reused for another request is refused.
  std::string request_hash;
  std::string nonce;  // From the signed request; refused if seen before.
  int64_t received_at = 0;
  std::string document;  // Signed + encrypted bytes.
};

struct QueuedItem {
  std::string receipt;
  std::string kind;
  std::string state;  // FHIR Task status: requested, received, accepted, rejected, completed.
  std::string provider;
  int64_t received_at = 0;
  int64_t bytes = 0;
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
  Status StateOf(const std::string& receipt, const std::string& owner, std::string* state,
                 bool* found);

  // Metadata of queued items, oldest first; `state` "" for every state.
  Status List(const std::string& state, std::vector<QueuedItem>* out);

 private:
  explicit QueueStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace portal
