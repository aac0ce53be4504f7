// portal-staff audit verify | list: the staff's hash-chained audit trail (audit_log.h).
#include <cstdio>
#include <memory>
#include <vector>

#include "core/command_output.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace {

using ojson = nlohmann::ordered_json;

Status RunAuditVerify(const std::string& config_path, const WorkOptions& o, const Clock& clock) {
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(config_path, o, false, clock, &w));
  VerifyReport r;
  PORTAL_RETURN_IF_ERROR(w.audit->Verify(&r));
  if (o.json) {
    PrintJson({{"ok", r.ok}, {"entries", r.count}, {"first_bad", r.seq}, {"reason", r.reason}});
  } else if (r.ok) {
    std::printf("audit trail intact: %lld entries\n", static_cast<long long>(r.count));
  }
  if (!r.ok) return Status::InvalidInput("audit trail broken: " + r.reason);
  return Status::Ok();
}

void PrintEntries(bool json, const std::vector<AuditEntry>& entries) {
  if (json) {
    ojson out = ojson::array();
    for (const auto& e : entries) {
      out.push_back({{"seq", e.seq},
                     {"at", When(e.at)},
                     {"staff_fingerprint", e.staff_fingerprint},
                     {"os_user", e.os_user},
                     {"action", e.action},
                     {"document", e.document},
                     {"detail", e.detail},
                     {"hash", e.hash}});
    }
    PrintJson(out);
    return;
  }
  for (const auto& e : entries) {
    std::printf("%6lld  %s  %-10s  %-11s  %-32s  %s\n", static_cast<long long>(e.seq),
                When(e.at).c_str(), e.os_user.c_str(), e.action.c_str(),
                e.document.empty() ? "-" : e.document.c_str(), e.detail.c_str());
  }
}

Status RunAuditList(const std::string& config_path, const WorkOptions& o, const Clock& clock) {
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(config_path, o, false, clock, &w));
  AuditFilter filter;
  filter.document = o.receipt;
  std::vector<AuditEntry> entries;
  PORTAL_RETURN_IF_ERROR(w.audit->List(filter, &entries));
  PrintEntries(o.json, entries);
  return Status::Ok();
}

}  // namespace

void RegisterAuditCommands(CommandTable* table, const Clock& clock) {
  CLI::App* audit = table->Group("audit", "The audit trail");
  auto verify = std::make_shared<WorkOptions>();
  AddWorkOptions(table,
                 table->Add(audit, "verify", "Check the hash chain",
                            [table, verify, &clock] {
                              return RunAuditVerify(table->config_path(), *verify, clock);
                            }),
                 false, verify.get());
  auto list = std::make_shared<WorkOptions>();
  CLI::App* cmd = table->Add(audit, "list", "Entries, oldest first", [table, list, &clock] {
    return RunAuditList(table->config_path(), *list, clock);
  });
  AddWorkOptions(table, cmd, false, list.get());
  cmd->add_option("--document", list->receipt, "Only this receipt's entries");
}

}  // namespace portal
