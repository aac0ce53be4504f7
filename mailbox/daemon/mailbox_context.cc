#include "mailbox/daemon/mailbox_context.h"

#include "mailbox/common/patient_requests.h"  // kClockSkewSeconds.
#include "mailbox/daemon/code_mailer.h"

namespace portal {

MailboxContext::MailboxContext(const PortalConfig& config, MailboxServiceOptions options,
                               std::string service_fingerprint)
    : config_(config),
      options_(std::move(options)),
      layout_(config.paths.state_dir),
      verifier_(layout_.verify_dir),
      sealer_(layout_.mailbox_home, std::move(service_fingerprint)),
      per_key_(static_cast<double>(config.mailbox.per_key_per_minute),
               static_cast<double>(config.mailbox.per_key_burst)),
      per_account_address_(static_cast<double>(config.accounts.per_address_per_minute),
                           static_cast<double>(config.accounts.per_address_burst)),
      per_mrn_(static_cast<double>(config.accounts.per_mrn_per_hour) / 60.0,
               static_cast<double>(config.accounts.per_mrn_per_hour)) {}

MailboxContext::~MailboxContext() = default;

Status MailboxContext::Open(const PortalConfig& config, MailboxServiceOptions options,
                            std::unique_ptr<MailboxContext>* out) {
  const StateLayout layout(config.paths.state_dir);
  std::string fingerprint;
  PORTAL_RETURN_IF_ERROR(CheckMailboxState(layout, &fingerprint));
  std::unique_ptr<MailboxContext> c(new MailboxContext(config, std::move(options), fingerprint));
  PORTAL_RETURN_IF_ERROR(
      EnrollmentRegistry::Open(layout.registry_db, layout.keys_dir, &c->registry_));
  PORTAL_RETURN_IF_ERROR(AccountStore::Open(c->registry_.get(), &c->accounts_));
  PORTAL_RETURN_IF_ERROR(AccountSecrets::Load(layout.accounts_pepper, &c->secrets_));
  PORTAL_RETURN_IF_ERROR(QueueStore::Open(layout.mailbox_db, &c->queue_));
  std::vector<Enrollment> enrolled;
  PORTAL_RETURN_IF_ERROR(c->registry_->All(&enrolled));
  c->verifier_.RemoveLeftovers(enrolled);
  PORTAL_RETURN_IF_ERROR(c->verifier_.PrepareDecoy(layout.mailbox_public_key));
  // A daemon killed while checking a new key leaves its throw-away home behind: nothing in one
  // is ever reused, so every one is removed before serving.
  std::error_code ec;
  for (const auto& leftover : std::filesystem::directory_iterator(layout.intake_dir, ec)) {
    std::filesystem::remove_all(leftover.path(), ec);
  }
  c->mailer_ = std::make_unique<CodeMailer>(c.get());
  *out = std::move(c);
  return Status::Ok();
}

Status MailboxContext::FindEnrollment(const std::string& mrn, Enrollment* enrollment, bool* found) {
  std::lock_guard<std::mutex> lock(registry_mu_);
  return registry_->Find(mrn, enrollment, found);
}

Status MailboxContext::StaffKeys(std::vector<StaffKey>* keys) {
  std::lock_guard<std::mutex> lock(registry_mu_);
  return registry_->StaffKeys(keys);
}

Status MailboxContext::StaffKeyFiles(int64_t now, std::vector<std::filesystem::path>* files) {
  std::vector<StaffKey> staff;
  PORTAL_RETURN_IF_ERROR(StaffKeys(&staff));
  files->clear();
  for (const auto& k : staff) {
    if (k.expires == 0 || k.expires > now) files->push_back(registry_->KeyFile(k.fingerprint));
  }
  return Status::Ok();
}

Status MailboxContext::Verify(const Enrollment& enrollment, std::string_view data,
                              std::string_view signature, bool* good, std::string* fingerprint) {
  return verifier_.Verify(*registry_, enrollment, data, signature, good, fingerprint);
}

Status MailboxContext::WithAccounts(
    const std::function<Status(EnrollmentRegistry&, AccountStore&)>& f) {
  std::lock_guard<std::mutex> lock(registry_mu_);
  return f(*registry_, *accounts_);
}

Status MailboxContext::OpenDirectory(std::unique_ptr<PatientDirectory>* out) const {
  return PatientDirectory::Open(layout_.directory_db, out);
}

bool MailboxContext::AllowAccountAddress(const std::string& address, int* retry_after_seconds) {
  return per_account_address_.Allow(address, BucketNow(), retry_after_seconds);
}

bool MailboxContext::AllowMrn(const std::string& mrn, int* retry_after_seconds) {
  return per_mrn_.Allow(mrn, BucketNow(), retry_after_seconds);
}

bool MailboxContext::AllowKey(const std::string& fingerprint, int* retry_after_seconds) {
  return per_key_.Allow(fingerprint, BucketNow(), retry_after_seconds);
}

Status MailboxContext::Queue(const Submission& s, std::string* receipt,
                             QueueStore::Outcome* outcome) {
  std::lock_guard<std::mutex> lock(queue_mu_);
  PruneNonces(s.received_at);
  return queue_->Submit(s, receipt, outcome);
}

Status MailboxContext::QueryState(const std::string& owner, const std::string& nonce, int64_t now,
                                  const std::string& receipt, bool* fresh, ItemState* state,
                                  bool* found) {
  std::lock_guard<std::mutex> lock(queue_mu_);
  PORTAL_RETURN_IF_ERROR(queue_->UseNonce(owner, nonce, now, fresh));
  if (!*fresh) return Status::Ok();
  return queue_->StateOf(receipt, owner, state, found);
}

Status MailboxContext::SentBy(const std::string& owner, const std::string& sender,
                              bool with_unattributed, int limit, std::vector<SentItem>* out) {
  std::lock_guard<std::mutex> lock(queue_mu_);
  return queue_->SentBy(owner, sender, with_unattributed, limit, out);
}

Status MailboxContext::UseNonce(const std::string& owner, const std::string& nonce, int64_t now,
                                bool* fresh) {
  std::lock_guard<std::mutex> lock(queue_mu_);
  PruneNonces(now);
  return queue_->UseNonce(owner, nonce, now, fresh);
}

void MailboxContext::PruneNonces(int64_t now) {
  if (now - nonces_pruned_at_ < 60) return;
  // A request older than the clock-skew window is refused by its timestamp anyway. A failed
  // prune is tried again with the next submission.
  if (queue_->PruneNonces(now - 2 * kClockSkewSeconds - 60).ok()) nonces_pruned_at_ = now;
}

}  // namespace portal
