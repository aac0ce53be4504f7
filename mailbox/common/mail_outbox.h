#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/sqlite_db.h"
#include "core/status.h"

namespace portal {

// One e-mail waiting in the outbox. Bodies are plain text written by the portal (no PHI).
struct OutgoingMail {
  int64_t id = 0;
  std::string to;  // One bare address: "someone@example.org".
  std::string subject;
  std::string body;
  int64_t attempts = 0;         // Failed sends so far.
  int64_t next_attempt_at = 0;  // Not sent before this time (seconds since the epoch).
  std::string last_error;       // Why the last attempt failed (the mail server's side only).
};

// A mail to queue: EnqueueBatch's element.
struct NewMail {
  std::string to;
  std::string subject;
  std::string body;
};

// Outgoing e-mail, durable in SQLite (WAL, synchronous=FULL): a queued mail survives a crash and
// an unreachable server, and is retried with backoff until it is sent. Nothing is ever dropped;
// sent mail stays in the table, marked sent. Times are passed in (seconds since the epoch).
class MailOutbox {
 public:
  static constexpr size_t kMaxBodyBytes = 64 * 1024;

  static Status Open(const std::filesystem::path& path, std::unique_ptr<MailOutbox>* out);
  static std::filesystem::path PathIn(const std::filesystem::path& state_dir);

  // Queues a mail due at `now`; *id is its row id. InvalidInput (nothing queued) for a CR or LF
  // in `to` or `subject`, an empty `to`, or a body over kMaxBodyBytes.
  Status Enqueue(const std::string& to, const std::string& subject, const std::string& body,
                 int64_t now, int64_t* id);
  // Queues all of `mails` and sets the value `key` to `value`, in one transaction: all or none.
  Status EnqueueBatch(const std::vector<NewMail>& mails, int64_t now, const std::string& key,
                      const std::string& value);

  // Unsent mail with next_attempt_at <= now, earliest first, at most `limit`.
  Status Due(int64_t now, int limit, std::vector<OutgoingMail>* out);

  // InvalidInput unless `id` is queued and not yet sent.
  Status MarkSent(int64_t id, int64_t now);
  // attempts + 1; next_attempt_at = now + min(retry_max, retry_initial * 2^(attempts - 1)).
  // `error_text` (curl's message; never message content) is kept, cut to 500 bytes.
  Status MarkFailed(int64_t id, int64_t now, const std::string& error_text, int64_t retry_initial,
                    int64_t retry_max);

  // Mail not yet sent, due or not.
  Status Pending(int64_t* count);
  // The mail `id`, sent or not; *found false if there is none.
  Status Find(int64_t id, OutgoingMail* out, bool* sent, bool* found);

  // A small key/value store beside the mail (e.g. "last_digest_at").
  Status Get(const std::string& key, std::string* value, bool* found);
  Status Set(const std::string& key, const std::string& value);

 private:
  explicit MailOutbox(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  Status Insert(const NewMail& mail, int64_t now, int64_t* id);
  std::unique_ptr<SqliteDb> db_;
};

// The delay before retry number `attempts` (1 after the first failure):
// min(retry_max, retry_initial * 2^(attempts - 1)), without overflow.
int64_t RetryDelay(int64_t attempts, int64_t retry_initial, int64_t retry_max);

}  // namespace portal
