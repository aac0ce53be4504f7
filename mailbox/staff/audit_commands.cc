// portal-staff audit verify | list: the staff's hash-chained, signed and anchored audit trail
// (audit_log.h, audit_anchor.h).
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "core/command_output.h"
#include "core/file_util.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/staff_proof.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace {

using ojson = nlohmann::ordered_json;

// Checks entries' signatures in one throw-away home holding each signer's public key: the
// pinned key file from keys/, else (a removed staff member) the copy the trail kept. A key that
// has expired since still counts (entries were signed while it was valid); a revoked one never.
class SignatureChecker {
 public:
  SignatureChecker(const Session& s, AuditLog* audit) : s_(s), audit_(audit) {}
  std::set<std::string> removed;  // Signers checked against the trail's copy.

  Status Check(const std::string& fpr, std::string_view text, std::string_view sig, bool* good) {
    *good = false;
    if (home_ == nullptr) PORTAL_RETURN_IF_ERROR(ProofHome::Create(&home_));
    auto [it, added] = have_.emplace(fpr, false);
    if (added) {
      std::string key;
      bool found = ReadFile(s_.registry->KeyFile(fpr), &key).ok();
      if (!found) {
        PORTAL_RETURN_IF_ERROR(audit_->SignerKey(fpr, &key, &found));
        if (found) removed.insert(fpr);
      }
      it->second = found && home_->AddKey(key).ok();
    }
    if (!it->second) return Status::Ok();  // No public key for it: nothing can verify.
    return home_->Check(fpr, text, sig, /*allow_expired=*/true, good);
  }

 private:
  const Session& s_;
  AuditLog* audit_;
  std::unique_ptr<ProofHome> home_;
  std::map<std::string, bool> have_;  // Fingerprint -> its key is in the home.
};

std::string Range(int64_t from, int64_t to) {
  return from == to ? "entry " + std::to_string(from)
                    : "entries " + std::to_string(from) + ".." + std::to_string(to);
}

// What the trail holds and what covers it, one line each.
void PrintCoverage(const VerifyReport& r, const SignatureChecker& checker,
                   const std::filesystem::path& anchor) {
  if (r.unsigned_v1 > 0) {
    std::printf("%s predate signing (hash chain only)\n", Range(1, r.unsigned_v1).c_str());
  }
  std::printf("%lld signed by %zu staff key(s), each signature checked against the pinned key",
              static_cast<long long>(r.signed_count), r.signers.size());
  if (!checker.removed.empty()) {
    std::printf(" (%zu removed since: checked against the key the trail kept)",
                checker.removed.size());
  }
  std::printf("\n");
  if (r.system_count > 0) {
    std::printf(
        "%lld without a staff key (purge, staff add/remove), covered by the next signed "
        "entry's chain",
        static_cast<long long>(r.system_count - r.after_last_signature));
    if (r.after_last_signature > 0) {
      std::printf("; the newest %lld only by the anchor and syslog",
                  static_cast<long long>(r.after_last_signature));
    }
    std::printf("\n");
  }
  if (!r.anchored) {
    std::printf(
        "UNANCHORED: no [staff] audit_anchor is set; someone who can write var/ can cut the newest "
        "entries and fix both heads unseen (compare with the portal-audit lines in syslog)\n");
  } else if (r.anchor_from == 0) {
    std::printf("anchored in %s, which names no entry yet: all entries predate the anchor\n",
                anchor.c_str());
  } else {
    std::printf(
        "anchored in %s: %s match it%s\n", anchor.c_str(), Range(r.anchor_from, r.count).c_str(),
        r.anchor_from > 1 ? (", " + Range(1, r.anchor_from - 1) + " predate it").c_str() : "");
  }
}

Status RunAuditVerify(const std::string& config_path, const WorkOptions& o, const Clock& clock) {
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(config_path, o, false, clock, &w));
  SignatureChecker checker(w.s, w.audit.get());
  VerifyReport r;
  PORTAL_RETURN_IF_ERROR(w.audit->Verify(
      [&checker](const std::string& fpr, std::string_view text, std::string_view sig, bool* good) {
        return checker.Check(fpr, text, sig, good);
      },
      &r));
  const std::filesystem::path anchor =
      w.audit->anchor() != nullptr ? w.audit->anchor()->path() : std::filesystem::path();
  if (o.json) {
    PrintJson({{"ok", r.ok},
               {"entries", r.count},
               {"first_bad", r.seq},
               {"reason", r.reason},
               {"predate_signing", r.unsigned_v1},
               {"signed", r.signed_count},
               {"signers", r.signers},
               {"without_staff_key", r.system_count},
               {"after_last_signature", r.after_last_signature},
               {"anchored", r.anchored},
               {"anchor_from", r.anchor_from}});
  } else if (r.ok) {
    std::printf("audit trail intact: %lld entries\n", static_cast<long long>(r.count));
    PrintCoverage(r, checker, anchor);
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
                     {"hash", e.hash},
                     {"signed", !e.signature.empty()}});
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
  AddWorkOptions(
      table,
      table->Add(
          audit, "verify", "Check the hash chain, the staff signatures and the anchor",
          [table, verify, &clock] { return RunAuditVerify(table->config_path(), *verify, clock); }),
      false, verify.get());
  auto list = std::make_shared<WorkOptions>();
  CLI::App* cmd = table->Add(audit, "list", "Entries, oldest first", [table, list, &clock] {
    return RunAuditList(table->config_path(), *list, clock);
  });
  AddWorkOptions(table, cmd, false, list.get());
  cmd->add_option("--document", list->receipt, "Only this receipt's entries");
}

}  // namespace portal
