#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "mailbox/common/queue_store.h"
#include "mailbox/common/queue_vocabulary.h"

namespace portal {

// The staff's side of the mailbox queue: claims with leases, decisions, completion, retention.
// Every change names the staff key making it; times are passed in. Works on an open QueueStore,
// which must outlive it.
class QueueClaims {
 public:
  explicit QueueClaims(QueueStore* queue) : queue_(queue) {}

  enum class Claim { kClaimed, kHeldByOther, kClosed, kNotFound };

  // One item with its sealed document (`document` may be null); *found false if there is none.
  Status Get(const std::string& receipt, QueuedItem* item, std::string* document, bool* found);
  // Takes (or renews) the claim on an open item until now + lease_seconds. kHeldByOther: another
  // key's lease runs; *item tells whose and until when. kClosed: completed already.
  Status TakeClaim(const std::string& receipt, const std::string& fingerprint,
                   const std::string& user, int64_t now, int64_t lease_seconds, Claim* outcome,
                   QueuedItem* item);
  // Gives the claim up; InvalidInput unless `fingerprint` holds it.
  Status ReleaseClaim(const std::string& receipt, const std::string& fingerprint, int64_t now);
  // received -> accepted | rejected, by the key holding an unexpired claim (InvalidInput
  // otherwise, saying why; also for a `decision` that is neither).
  Status Decide(const std::string& receipt, const std::string& fingerprint, int64_t now,
                ItemState decision, const std::string& accepted_fields, const std::string& reason);
  // -> completed (from accepted or rejected; a message from received when its provider read
  // it); the claim ends. InvalidInput if the item cannot be completed now.
  Status Complete(const std::string& receipt, int64_t now);
  // Deletes completed items finished before `before` (rows, ciphertext, their idempotency
  // rows) and vacuums; *receipts the ones purged.
  Status PurgeCompleted(int64_t before, std::vector<std::string>* receipts);

 private:
  SqliteDb* db() const { return queue_->db_.get(); }
  QueueStore* queue_;
};

}  // namespace portal
