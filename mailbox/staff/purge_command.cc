// portal-staff purge: deletes completed items older than staff.retention_days from the queue,
// and the staff copies of their replies; each purge is an audit entry. Needs no staff key (a
// timer runs it).
#include <memory>
#include <vector>

#include "core/command_output.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/reply_copies.h"
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
  // Every copy folder whose item is gone, not only today's: a purge cut short is finished here.
  int copies = 0;
  PORTAL_RETURN_IF_ERROR(
      RemoveOrphanReplyCopies(w.s.layout->reply_copies_dir, w.queue.get(), &copies));
  PrintResult(o.json, {{"purged", purged.size()}, {"reply_copies_removed", copies}},
              "purged " + std::to_string(purged.size()) + " completed item(s)" +
                  (copies > 0 ? "; removed the staff copies of replies to " +
                                    std::to_string(copies) + " purged item(s)"
                              : std::string()));
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
