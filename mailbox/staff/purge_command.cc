// portal-staff purge: deletes completed items older than staff.retention_days from the queue;
// each purge is an audit entry. Needs no staff key (a timer runs it).
#include <memory>
#include <vector>

#include "core/command_output.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace {

Status RunPurge(const std::string& config_path, const WorkOptions& o, const Clock& clock) {
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(config_path, o, false, clock, &w));
  w.who.user = OsUserName();  // Purging needs no key: a timer may run it.
  const int64_t before = clock.Now() - w.s.config.staff.retention_days * 86400;
  std::vector<std::string> purged;
  PORTAL_RETURN_IF_ERROR(w.claims->PurgeCompleted(before, &purged));
  for (const auto& r : purged) PORTAL_RETURN_IF_ERROR(Audit(&w, "purge", r));
  PrintResult(o.json, {{"purged", purged.size()}},
              "purged " + std::to_string(purged.size()) + " completed item(s)");
  return Status::Ok();
}

}  // namespace

void RegisterPurgeCommand(CommandTable* table, const Clock& clock) {
  auto o = std::make_shared<WorkOptions>();
  AddWorkOptions(
      table,
      table->Add(nullptr, "purge",
                 "Delete completed items older than staff.retention_days (audited)",
                 [table, o, &clock] { return RunPurge(table->config_path(), *o, clock); }),
      false, o.get());
}

}  // namespace portal
