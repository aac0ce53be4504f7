// portal-staff reject: rejects a whole profile change with a reason code (never free text: it
// could put PHI in the clear into the queue), completes it and queues the patient's notice.
#include <memory>

#include "core/command_output.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/word_lists.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace {

struct RejectOptions {
  WorkOptions work;
  std::string reason;  // A RejectionReason's word.
};

Status RunReject(const std::string& config_path, const RejectOptions& o, const Clock& clock) {
  RejectionReason reason;
  if (!ParseRejectionReason(o.reason, &reason)) {
    return Status::Usage("--reason must be one of: " + ListWords(RejectionReasonNames()));
  }
  const std::string& receipt = o.work.receipt;
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(config_path, o.work, true, clock, &w));
  QueuedItem item;
  ParsedDocument doc;
  PORTAL_RETURN_IF_ERROR(LoadItem(&w, receipt, &item, &doc));
  PORTAL_RETURN_IF_ERROR(RequireProfileChange(item));
  const int64_t now = clock.Now();
  const std::string code(ToString(reason));
  PORTAL_RETURN_IF_ERROR(
      w.claims->Decide(receipt, w.who.fingerprint, now, ItemState::kRejected, "", code));
  PORTAL_RETURN_IF_ERROR(Audit(&w, "reject", receipt, "reason: " + code));
  PORTAL_RETURN_IF_ERROR(w.claims->Complete(receipt, now));
  PORTAL_RETURN_IF_ERROR(Audit(&w, "complete", receipt));
  QueueNotice(&w, doc, Notice::kProcessed);
  PrintResult(o.work.json,
              {{"receipt", receipt},
               {"state", std::string(ToString(ItemState::kCompleted))},
               {"rejected", true}},
              "rejected " + receipt);
  return Status::Ok();
}

}  // namespace

void RegisterRejectCommand(CommandTable* table, const Clock& clock) {
  auto o = std::make_shared<RejectOptions>();
  CLI::App* cmd =
      table->Add(nullptr, "reject", "Reject a whole profile change",
                 [table, o, &clock] { return RunReject(table->config_path(), *o, clock); });
  AddWorkOptions(table, cmd, true, &o->work);
  cmd->add_option("--reason", o->reason, "One of: " + ListWords(RejectionReasonNames()))
      ->required();
}

}  // namespace portal
