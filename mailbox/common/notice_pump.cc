#include "mailbox/common/notice_pump.h"

#include <map>

#include "mailbox/common/mail_outbox.h"
#include "mailbox/common/queue_store.h"

namespace portal {

namespace {

// Per kind and provider ("message: conncare", "profile-change"): what arrived since `since`.
Status CountsSince(const StateLayout& layout, int64_t since, std::map<std::string, int>* counts) {
  std::unique_ptr<QueueStore> queue;
  PORTAL_RETURN_IF_ERROR(QueueStore::Open(layout.mailbox_db, &queue));
  std::vector<QueuedItem> items;
  PORTAL_RETURN_IF_ERROR(queue->List(std::nullopt, &items));
  for (const auto& i : items) {
    if (i.received_at < since) continue;
    const std::string kind(ToString(i.kind));
    ++(*counts)[i.provider.empty() ? kind : kind + ": " + i.provider];
  }
  return Status::Ok();
}

// Queues the staff's digest of what arrived since the last one, if it is time.
Status QueueDigest(const PortalConfig& config, const StateLayout& layout, MailOutbox* outbox,
                   int64_t now) {
  int64_t since = 0;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(LastDigestAt(outbox, &since, &found));
  std::map<std::string, int> counts;
  PORTAL_RETURN_IF_ERROR(CountsSince(layout, found ? since : 0, &counts));
  bool queued = false;
  return QueueStaffDigest(config, outbox, counts, now, &queued);
}

// One round at `now`, the mail dated by `mail_clock`.
Status Round(const PortalConfig& config, const StateLayout& layout, int64_t now,
             const Clock& mail_clock, DeliveryReport* report) {
  *report = DeliveryReport{};
  if (config.notifications.smtp_url.empty()) return Status::Ok();
  std::unique_ptr<MailOutbox> outbox;
  PORTAL_RETURN_IF_ERROR(MailOutbox::Open(layout.outbox_db, &outbox));
  if (!config.notifications.staff_digest_to.empty()) {
    PORTAL_RETURN_IF_ERROR(QueueDigest(config, layout, outbox.get(), now));
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
