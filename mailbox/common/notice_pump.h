#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/config.h"
#include "core/state_layout.h"
#include "core/status.h"
#include "mailbox/common/notifier.h"

namespace portal {

// One round of notices: queues the records staff's digest of what arrived since the last one
// (counts per kind and provider; at most one per digest interval), then sends the mail that is
// due. Nothing happens without notifications.smtp_url. The mail is dated `now`.
Status NoticeRound(const PortalConfig& config, const StateLayout& layout, int64_t now,
                   DeliveryReport* report);
// The same at `clock`'s time, each mail dated by `clock` when it is sent.
Status NoticeRound(const PortalConfig& config, const StateLayout& layout, const Clock& clock,
                   DeliveryReport* report);

// portal-mailboxd's notice thread: a round every notifications.poll_seconds, apart from the
// request threads, so an unreachable mail server delays notices and never a request. The rounds
// run at `clock`'s time (which must outlive the pump); `log` gets one line per round that sent
// or failed.
class NoticePump {
 public:
  NoticePump(PortalConfig config, const Clock& clock, std::function<void(const std::string&)> log)
      : config_(std::move(config)), clock_(clock), log_(std::move(log)) {}
  ~NoticePump() { Stop(); }
  void Start();
  void Stop();

 private:
  void Loop();
  PortalConfig config_;
  const Clock& clock_;
  std::function<void(const std::string&)> log_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace portal
