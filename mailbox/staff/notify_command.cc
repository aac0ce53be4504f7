// portal-staff notify send: sends the e-mail notices that are due now (the daemon does this
// too, every notifications.poll_seconds).
#include <cstdio>
#include <memory>

#include "core/command_output.h"
#include "mailbox/common/notice_pump.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace {

Status RunNotifySend(const std::string& config_path, const WorkOptions& o, const Clock& clock) {
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(config_path, &s));
  if (s.config.notifications.smtp_url.empty()) {
    std::printf("no notifications.smtp_url in the config: nothing is sent\n");
    return Status::Ok();
  }
  DeliveryReport report;
  const Status st = NoticeRound(s.config, *s.layout, clock, &report);
  // What was sent before a failure is reported too; then the failure is the command's.
  PrintResult(o.json,
              {{"sent", report.sent}, {"failed", report.failed}, {"pending", report.pending}},
              "sent " + std::to_string(report.sent) + ", failed " + std::to_string(report.failed) +
                  ", pending " + std::to_string(report.pending));
  return st;
}

}  // namespace

void RegisterNotifyCommand(CommandTable* table, const Clock& clock) {
  CLI::App* notify = table->Group("notify", "E-mail notices");
  auto o = std::make_shared<WorkOptions>();
  AddWorkOptions(
      table,
      table->Add(notify, "send", "Send the notices that are due now",
                 [table, o, &clock] { return RunNotifySend(table->config_path(), *o, clock); }),
      false, o.get());
}

}  // namespace portal
