#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/account_secrets.h"
#include "core/account_store.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/enrollment_registry.h"
#include "core/patient_directory.h"
#include "core/state_layout.h"
#include "core/status.h"
#include "mailbox/common/queue_store.h"
#include "mailbox/common/request_verifier.h"
#include "mailbox/daemon/document_sealer.h"
#include "mailbox/daemon/rate_limiter.h"

namespace portal {

class CodeMailer;

// How a MailboxService (and the handlers' shared state) is run.
struct MailboxServiceOptions {
  explicit MailboxServiceOptions(const Clock& wall_clock) : clock(wall_clock) {}
  // The wall clock: request timestamps, received_at, staff-key expiry, nonce pruning, log lines.
  // Must outlive the service.
  const Clock& clock;
  // The token buckets' time: monotonic, so a step of the wall clock neither fills nor drains
  // them. Default: std::chrono::steady_clock.
  std::function<RateLimiter::Clock::time_point()> bucket_clock = [] {
    return RateLimiter::Clock::now();
  };
  // Where one line per request goes. Default: stderr.
  std::function<void(const std::string&)> log = [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  };
};

// What the endpoint handlers share: the config, the registry and the queue (each behind its own
// mutex), signature checks, the sealer, the per-key bucket and the log. Thread-safe.
class MailboxContext {
 public:
  // Opens the state directory's registry and queue; InvalidInput naming `portal-staff init` if
  // it was not prepared.
  static Status Open(const PortalConfig& config, MailboxServiceOptions options,
                     std::unique_ptr<MailboxContext>* out);
  ~MailboxContext();

  const PortalConfig& config() const { return config_; }
  // Seconds since the epoch, from the options' clock.
  int64_t Now() const { return options_.clock.Now(); }
  // The token buckets' time (monotonic).
  RateLimiter::Clock::time_point BucketNow() const { return options_.bucket_clock(); }
  void Log(const std::string& line) const { options_.log(line); }

  // The enrolment of `mrn`; *found false if nobody enrolled it.
  Status FindEnrollment(const std::string& mrn, Enrollment* enrollment, bool* found);
  // The pinned records-staff keys.
  Status StaffKeys(std::vector<StaffKey>* keys);
  // The key files of the staff keys not expired at `now`.
  Status StaffKeyFiles(int64_t now, std::vector<std::filesystem::path>* files);
  // RequestVerifier::Verify against this state's registry.
  Status Verify(const Enrollment& enrollment, std::string_view data, std::string_view signature,
                bool* good, std::string* fingerprint);
  // RequestVerifier::VerifyDecoy: the work of a check that must fail (nobody to check against).
  void VerifyDecoy(std::string_view data, std::string_view signature) {
    verifier_.VerifyDecoy(data, signature);
  }
  // How many decoy checks ran (a test's seam).
  uint64_t decoy_checks() const { return verifier_.decoy_checks(); }
  DocumentSealer& sealer() { return sealer_; }
  // The per-key bucket (RateLimiter::Allow).
  bool AllowKey(const std::string& fingerprint, int* retry_after_seconds);

  // --- patients' accounts ---
  const StateLayout& layout() const { return layout_; }
  const AccountSecrets& secrets() const { return secrets_; }
  // Runs `f` with the registry and the account store (one connection: join writes in one
  // transaction), holding the registry's lock.
  Status WithAccounts(const std::function<Status(EnrollmentRegistry&, AccountStore&)>& f);
  // The patient directory as the last nightly run wrote it, opened read-only now.
  Status OpenDirectory(std::unique_ptr<PatientDirectory>* out) const;
  // The unsigned account endpoints' own per-address bucket ([accounts] per_address_*).
  bool AllowAccountAddress(const std::string& address, int* retry_after_seconds);
  // Registrations and recoveries per MRN ([accounts] per_mrn_per_hour), known or not.
  bool AllowMrn(const std::string& mrn, int* retry_after_seconds);
  // Sends e-mailed codes off the request threads (code_mailer.h).
  CodeMailer& mailer() { return *mailer_; }
  // Records `nonce` for `owner` (QueueStore::UseNonce): *fresh false for a replay. Account
  // requests use owner "account:" + fingerprint.
  Status UseNonce(const std::string& owner, const std::string& nonce, int64_t now, bool* fresh);

  // QueueStore::Submit, after forgetting nonces too old to matter (at most once a minute).
  Status Queue(const Submission& s, std::string* receipt, QueueStore::Outcome* outcome);
  // Records `nonce` for `owner` (QueueStore::UseNonce) and, when it is fresh, reads the state of
  // `receipt` for that owner (QueueStore::StateOf), in one hold of the queue.
  Status QueryState(const std::string& owner, const std::string& nonce, int64_t now,
                    const std::string& receipt, bool* fresh, ItemState* state, bool* found);
  // QueueStore::SentBy: what the key `sender` sent for `owner`, newest first.
  Status SentBy(const std::string& owner, const std::string& sender, bool with_unattributed,
                int limit, std::vector<SentItem>* out);

 private:
  MailboxContext(const PortalConfig& config, MailboxServiceOptions options,
                 std::string service_fingerprint);
  void PruneNonces(int64_t now);

  const PortalConfig config_;
  const MailboxServiceOptions options_;
  const StateLayout layout_;
  std::mutex registry_mu_;
  std::unique_ptr<EnrollmentRegistry> registry_;
  std::unique_ptr<AccountStore> accounts_;  // On registry_'s connection, under registry_mu_.
  AccountSecrets secrets_;
  std::mutex queue_mu_;
  std::unique_ptr<QueueStore> queue_;
  int64_t nonces_pruned_at_ = 0;
  RequestVerifier verifier_;
  DocumentSealer sealer_;
  RateLimiter per_key_;
  RateLimiter per_account_address_;
  RateLimiter per_mrn_;
  std::unique_ptr<CodeMailer> mailer_;  // Last: stopped first.
};

}  // namespace portal
