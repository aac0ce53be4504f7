#include "mailbox/daemon/code_mailer.h"

#include "core/account_codes.h"
#include "core/patient_directory.h"
#include "mailbox/common/mail_outbox.h"
#include "mailbox/common/smtp_sender.h"
#include "mailbox/daemon/code_mails.h"
#include "mailbox/daemon/mailbox_context.h"

namespace portal {

namespace {

constexpr int64_t kDay = 24 * 60 * 60;

// What the rules call for once the record is known (design.md "E-mails").
enum class Reply { kCode, kHasAccount, kNoAccount, kVisit };

Reply Decide(MailedPurpose purpose, Eligibility standing, bool has_account) {
  // A record that may not have a summary now gets no code and no reason, whatever else is true.
  if (standing != Eligibility::kEligible) return Reply::kVisit;
  if (purpose == MailedPurpose::kRegister) return has_account ? Reply::kHasAccount : Reply::kCode;
  return has_account ? Reply::kCode : Reply::kNoAccount;
}

// Is the typed address one on the record of a patient the directory knows? *standing is the
// record's.
Status FindOnRecord(MailboxContext* context, const CodeRequest& request, bool* matched,
                    Eligibility* standing) {
  *matched = false;
  std::unique_ptr<PatientDirectory> directory;
  // No directory yet (no nightly run): nobody can be matched, so nothing is sent.
  if (!context->OpenDirectory(&directory).ok()) return Status::Ok();
  DirectoryEntry entry;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(directory->Find(request.mrn, &entry, &found));
  if (!found) return Status::Ok();
  const std::string typed = EmailHash(request.email);
  // Every hash is compared, so the time does not say which address matched.
  for (const std::string& hash : entry.email_hashes) {
    *matched = ConstantTimeEquals(hash, typed) || *matched;
  }
  *standing = entry.standing;
  return Status::Ok();
}

// A new code, unless the record had its day's codes: kept as its HMAC (the address with it, for
// the notice after use), the digits only in the mail. *mail stays empty beyond the limit.
Status NewCode(MailboxContext* context, AccountStore& accounts, const CodeRequest& request,
               int64_t now, CodeMail* mail) {
  const PortalConfig& config = context->config();
  int64_t made = 0;
  PORTAL_RETURN_IF_ERROR(accounts.CountMailedCodes(request.mrn, now - kDay, &made));
  if (made >= config.accounts.email_codes_per_day) return Status::Ok();
  const std::string digits = NewMailedCode();
  MailedCode code;
  code.mrn = request.mrn;
  code.purpose = request.purpose;
  code.code_hash = context->secrets().MailedCodeHash(request.mrn, digits);
  code.email = request.email;
  code.created_at = now;
  code.expires_at = now + config.accounts.email_code_minutes * 60;
  PORTAL_RETURN_IF_ERROR(accounts.AddMailedCode(code));
  *mail = request.purpose == MailedPurpose::kRecover ? RecoverCodeMail(config, digits)
                                                     : RegisterCodeMail(config, digits);
  return Status::Ok();
}

// The mail the record calls for (empty: none), decided and any code kept under one hold of the
// registry.
Status ChooseMail(MailboxContext* context, const CodeRequest& request, Eligibility standing,
                  int64_t now, CodeMail* mail) {
  const PortalConfig& config = context->config();
  return context->WithAccounts([&](EnrollmentRegistry&, AccountStore& accounts) {
    Account account;
    bool has_account = false;
    PORTAL_RETURN_IF_ERROR(
        accounts.FindByRecord(request.mrn, RecordRole::kSelf, &account, &has_account));
    switch (Decide(request.purpose, standing, has_account)) {
      case Reply::kHasAccount:
        *mail = HasAccountMail(config);
        return Status::Ok();
      case Reply::kNoAccount:
        *mail = NoAccountMail(config);
        return Status::Ok();
      case Reply::kVisit:
        *mail = VisitMail(config, request.purpose == MailedPurpose::kRecover);
        return Status::Ok();
      case Reply::kCode:
        break;
    }
    return NewCode(context, accounts, request, now, mail);
  });
}

}  // namespace

CodeMailer::CodeMailer(MailboxContext* context) : context_(context) {
  thread_ = std::thread(&CodeMailer::Run, this);
}

CodeMailer::~CodeMailer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool CodeMailer::Offer(CodeRequest request) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= kCapacity) return false;
    queue_.push_back(std::move(request));
  }
  wake_.notify_one();
  return true;
}

void CodeMailer::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void CodeMailer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // Stopping still drains what was accepted: each got its 202.
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) break;
    CodeRequest request = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Work(request);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
  idle_.notify_all();
}

void CodeMailer::Work(const CodeRequest& request) {
  // A failure is logged by its stage only: the message of a lower layer might one day carry a
  // value, and nothing about the request may reach the log.
  const char* failed = nullptr;
  const Status st = Answer(request, &failed);
  if (!st.ok()) context_->Log("code-mailer: a request failed at the " + std::string(failed));
}

Status CodeMailer::Answer(const CodeRequest& request, const char** failed) {
  *failed = "directory";
  bool matched = false;
  Eligibility standing = Eligibility::kNoPatient;
  PORTAL_RETURN_IF_ERROR(FindOnRecord(context_, request, &matched, &standing));
  // The form check lets through only what the sender takes; this keeps an address that could
  // never be mailed (its mail would hold up the outbox's rounds) from getting a code all the same.
  if (!matched || MailAddressIn(request.email) != request.email) return Status::Ok();
  *failed = "accounts";
  const int64_t now = context_->Now();
  CodeMail mail;
  PORTAL_RETURN_IF_ERROR(ChooseMail(context_, request, standing, now, &mail));
  if (mail.subject.empty()) return Status::Ok();
  *failed = "outbox";
  if (!outbox_) PORTAL_RETURN_IF_ERROR(MailOutbox::Open(context_->layout().outbox_db, &outbox_));
  int64_t id = 0;
  return outbox_->Enqueue(request.email, mail.subject, mail.body, now, &id);
}

}  // namespace portal
