#include "mailbox/daemon/reset_notice.h"

#include <cctype>
#include <memory>
#include <vector>

#include "mailbox/common/mail_outbox.h"

namespace portal {

namespace {

// E-mail addresses as people type them: the same mailbox in any letter case (ASCII).
bool SameAddress(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

void QueueResetNotice(MailboxContext* context, int64_t now, const std::string& mailed_to,
                      const std::string& notice_email) {
  const PortalConfig& config = context->config();
  if (config.notifications.smtp_url.empty()) return;
  std::vector<std::string> to;
  if (!mailed_to.empty()) to.push_back(mailed_to);
  if (!notice_email.empty() && !SameAddress(notice_email, mailed_to)) to.push_back(notice_email);
  if (to.empty()) return;
  const std::string body =
      "The password of your " + config.hospital.name + " Patient Portal account was reset on " +
      config.site.zone.LocalDateTime(now) + ". Not you? Call " + config.help_line.display + ".\n";
  std::unique_ptr<MailOutbox> outbox;
  Status st = MailOutbox::Open(context->layout().outbox_db, &outbox);
  for (const std::string& address : to) {
    int64_t id = 0;
    if (st.ok())
      st = outbox->Enqueue(address, "Your Patient Portal password was reset", body, now, &id);
  }
  if (!st.ok()) context->Log("key-reset notice: could not be queued");
}

}  // namespace portal
