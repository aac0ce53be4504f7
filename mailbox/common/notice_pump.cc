#include "mailbox/common/notice_pump.h"

#include <map>

#include "mailbox/common/mail_outbox.h"
#include "mailbox/common/queue_store.h"

namespace portal {

namespace {

// One round at `now`, the mail dated by `mail_clock`.
Status Round(const PortalConfig& config, const StateLayout& layout, int64_t now,
             const Clock& mail_clock, DeliveryReport* report) {
  *report = DeliveryReport{};
  if (config.notifications.smtp_url.empty()) return Status::Ok();
  std::unique_ptr<MailOutbox> outbox;
  PORTAL_RETURN_IF_ERROR(MailOutbox::Open(layout.outbox_db, &outbox));
  std::string last;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(outbox->Get("last_digest_at", &last, &found));
  const int64_t since = found ? std::stoll(last) : 0;
  std::unique_ptr<QueueStore> queue;
  PORTAL_RETURN_IF_ERROR(QueueStore::Open(layout.mailbox_db, &queue));
  std::vector<QueuedItem> items;
  PORTAL_RETURN_IF_ERROR(queue->List(std::nullopt, &items));
  std::map<std::string, int> counts;  // "message: conncare", "profile-change".
  for (const auto& i : items) {
    if (i.received_at < since) continue;
    const std::string kind(ToString(i.kind));
    ++counts[i.provider.empty() ? kind : kind + ": " + i.provider];
  }
  bool queued = false;
  if (!config.notifications.staff_digest_to.empty()) {
    PORTAL_RETURN_IF_ERROR(QueueStaffDigest(config, outbox.get(), counts, now, &queued));
  }
  return DeliverDue(config, outbox.get(), now, mail_clock, report);
}

}  // namespace

Status NoticeRound(const PortalConfig& config, const StateLayout& layout, int64_t now,
                   DeliveryReport* report) {
  const FixedClock mail_clock(now);
  return Round(config, layout, now, mail_clock, report);
}

Status NoticeRound(const PortalConfig& config, const StateLayout& layout, const Clock& clock,
                   DeliveryReport* report) {
  return Round(config, layout, clock.Now(), clock, report);
}

void NoticePump::Start() {
  if (config_.notifications.smtp_url.empty()) return;
  thread_ = std::thread([this] { Loop(); });
}

void NoticePump::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NoticePump::Loop() {
  const StateLayout layout(config_.paths.state_dir);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    DeliveryReport report;
    const Status st = NoticeRound(config_, layout, clock_, &report);
    if (!st.ok()) {
      log_("notices: " + st.message() + " (" + std::to_string(report.pending) +
           " waiting; retried later)");
    } else if (report.sent > 0) {
      log_("notices: " + std::to_string(report.sent) + " sent");
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::seconds(config_.notifications.poll_seconds),
                   [this] { return stopping_; });
  }
}

}  // namespace portal
