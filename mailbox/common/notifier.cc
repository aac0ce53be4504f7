#include "mailbox/common/notifier.h"

#include <regex>
#include <vector>

#include "core/parse_number.h"
#include "mailbox/common/smtp_sender.h"

namespace portal {

namespace {

constexpr int kBatch = 100;
constexpr char kLastDigestKey[] = "last_digest_at";

// A count's key names a kind and maybe a provider id; nothing else can get into a digest.
bool IsCountKey(const std::string& key) {
  static const std::regex kKey("[a-z][a-z0-9-]*(: [a-z0-9][a-z0-9._-]*)?");
  return key.size() <= 100 && std::regex_match(key, kKey);
}

Status CheckCounts(const std::map<std::string, int>& counts, int* total) {
  *total = 0;
  for (const auto& [key, count] : counts) {
    // The key is not repeated: a caller's mistake must not carry anything into a log.
    if (!IsCountKey(key)) return Status::InvalidInput("digest: a count key is not kind: provider");
    if (count < 0) return Status::InvalidInput("digest: negative count for " + key);
    *total += count;
  }
  return Status::Ok();
}

std::string DigestSubject(int total) {
  return "Patient Portal: " + std::to_string(total) + (total == 1 ? " new item" : " new items");
}

std::string DigestBody(const PortalConfig& config, const std::map<std::string, int>& counts,
                       int total) {
  std::string body =
      "New items arrived in the " + config.hospital.name + " Patient Portal mailbox:\n\n";
  for (const auto& [key, count] : counts) {
    if (count > 0) body += "  " + std::to_string(count) + "  " + key + "\n";
  }
  body += "\nTotal: " + std::to_string(total) + "\n\n";
  body += "Work them with portal-staff. This notice carries counts only.\n";
  return body;
}

std::string NoticeSubject(const PortalConfig& config, Notice kind) {
  const std::string prefix = config.hospital.name + " Patient Portal: ";
  return prefix +
         (kind == Notice::kProcessed ? "your request was processed" : "a reply is waiting for you");
}

std::string NoticeBody(const PortalConfig& config, Notice kind) {
  const std::string& name = config.hospital.name;
  std::string body = kind == Notice::kProcessed
                         ? "Your request in the " + name +
                               " Patient Portal has been processed.\n\nSign in to see the "
                               "outcome:\n"
                         : "A reply to your message is waiting for you in the " + name +
                               " Patient Portal.\n\nSign in to read it:\n";
  body += config.hospital.portal_url + "\n\n";
  body +=
      "This e-mail was sent automatically and holds no medical information. Please do not "
      "reply to it.\n\n";
  return body + name + "\n";
}

// Sends `due` in order until one fails; returns that failure.
Status SendAll(const PortalConfig::Notifications& n, const std::vector<OutgoingMail>& due,
               MailOutbox* outbox, int64_t now, const Clock& mail_clock, DeliveryReport* report) {
  SmtpSender sender(mail_clock);
  for (const OutgoingMail& mail : due) {
    const Status sent = sender.Send(n, mail.to, mail.subject, mail.body);
    if (sent.ok()) {
      PORTAL_RETURN_IF_ERROR(outbox->MarkSent(mail.id, now));
      ++report->sent;
      continue;
    }
    PORTAL_RETURN_IF_ERROR(outbox->MarkFailed(mail.id, now, sent.message(), n.retry_initial_seconds,
                                              n.retry_max_seconds));
    ++report->failed;
    return sent;  // The server is most likely down for the rest too: they stay due.
  }
  return Status::Ok();
}

}  // namespace

Status LastDigestAt(MailOutbox* outbox, int64_t* at, bool* found) {
  std::string text;
  PORTAL_RETURN_IF_ERROR(outbox->Get(kLastDigestKey, &text, found));
  if (*found && !ParseInt64(text, at)) {
    return Status::IoError("outbox: " + std::string(kLastDigestKey) + " is not a number");
  }
  return Status::Ok();
}

Status DeliverDue(const PortalConfig& config, MailOutbox* outbox, int64_t now,
                  DeliveryReport* report) {
  const FixedClock mail_clock(now);
  return DeliverDue(config, outbox, now, mail_clock, report);
}

Status DeliverDue(const PortalConfig& config, MailOutbox* outbox, int64_t now,
                  const Clock& mail_clock, DeliveryReport* report) {
  *report = DeliveryReport();
  const PortalConfig::Notifications& n = config.notifications;
  std::vector<OutgoingMail> due;
  if (!n.smtp_url.empty()) PORTAL_RETURN_IF_ERROR(outbox->Due(now, kBatch, &due));
  Status result;
  if (!due.empty()) result = SendAll(n, due, outbox, now, mail_clock, report);
  PORTAL_RETURN_IF_ERROR(outbox->Pending(&report->pending));
  return result;
}

Status QueueStaffDigest(const PortalConfig& config, MailOutbox* outbox,
                        const std::map<std::string, int>& new_counts, int64_t now, bool* queued) {
  *queued = false;
  const PortalConfig::Notifications& n = config.notifications;
  int total = 0;
  PORTAL_RETURN_IF_ERROR(CheckCounts(new_counts, &total));
  if (n.smtp_url.empty() || n.staff_digest_to.empty() || total == 0) return Status::Ok();
  int64_t last = 0;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(LastDigestAt(outbox, &last, &found));
  if (found && now < last + n.digest_interval_minutes * 60) return Status::Ok();
  std::vector<NewMail> mails;
  for (const std::string& to : n.staff_digest_to) {
    if (MailAddressIn(to) != to) {
      return Status::InvalidInput("notifications.staff_digest_to: '" + to +
                                  "' is not one bare e-mail address");
    }
    mails.push_back({to, DigestSubject(total), DigestBody(config, new_counts, total)});
  }
  PORTAL_RETURN_IF_ERROR(outbox->EnqueueBatch(mails, now, kLastDigestKey, std::to_string(now)));
  *queued = true;
  return Status::Ok();
}

Status QueuePatientNotice(const PortalConfig& config, MailOutbox* outbox, const std::string& to,
                          Notice kind, int64_t now) {
  if (config.notifications.smtp_url.empty()) return Status::Ok();
  // The address is not repeated: it identifies a patient.
  if (to.empty() || MailAddressIn(to) != to) {
    return Status::InvalidInput("patient notice: the recipient is not one bare e-mail address");
  }
  int64_t id = 0;
  return outbox->Enqueue(to, NoticeSubject(config, kind), NoticeBody(config, kind), now, &id);
}

}  // namespace portal
