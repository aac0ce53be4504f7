// portal-staff staff add | list | remove: the records staff's pinned keys; every document the
// mailbox queues is encrypted to each. Changes are audited under the OS user who made them.
#include <cstdio>
#include <memory>
#include <regex>
#include <vector>

#include "core/command_output.h"
#include "core/fhir_time.h"
#include "core/file_util.h"
#include "mailbox/staff/audit_log.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/staff_identity.h"
#include "mailbox/staff/staff_session.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace {

struct StaffKeyOptions {
  std::string key_file;     // add: the staff member's OpenPGP public key.
  std::string user;         // add: their login name.
  std::string fingerprint;  // remove.
  bool json = false;        // list.
};

std::string When(int64_t t) { return t == 0 ? "never" : FormatInstant(t); }

// Staff keys change who can read the queue: audited under the OS user who changed them (no
// staff key: an administrator may hold none). Unsigned, the entry is covered by the anchor at
// once and by the next staff signature, whose hash chains it.
Status AuditKeyChange(const Session& s, const std::string& action, const std::string& fpr,
                      const std::string& user, int64_t now) {
  std::unique_ptr<AuditLog> audit;
  PORTAL_RETURN_IF_ERROR(OpenAuditTrail(s, &audit));
  if (action == "staff-add") {
    // The trail keeps each staff key as pinned, for checking its signatures after removal.
    std::string key;
    PORTAL_RETURN_IF_ERROR(ReadFile(s.registry->KeyFile(fpr), &key));
    PORTAL_RETURN_IF_ERROR(audit->KeepSignerKey(fpr, key));
  }
  AuditEntry e;
  e.at = now;
  e.os_user = ActingUser();
  e.action = action;
  e.detail = "key " + fpr + (user.empty() ? "" : " for " + user);
  return audit->Append(e, nullptr);
}

Status RunStaffAdd(const std::string& config_path, const StaffKeyOptions& o, const Clock& clock) {
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(config_path, &s));
  static const std::regex kUser("[a-z_][a-z0-9_.-]{0,31}");
  if (!std::regex_match(o.user, kUser)) {
    return Status::Usage("--user must be a login name (a-z, 0-9, _ . -; up to 32 characters)");
  }
  EnrolledKey key;
  std::string data;
  PORTAL_RETURN_IF_ERROR(ReadUsableKey(s, o.key_file, &key, &data));
  StaffKey staff{key.fingerprint, o.user, key.expires, 0};
  PORTAL_RETURN_IF_ERROR(s.registry->AddStaffKey(staff, data, clock.Now()));
  PORTAL_RETURN_IF_ERROR(AuditKeyChange(s, "staff-add", key.fingerprint, o.user, clock.Now()));
  std::printf("staff key pinned: %s for %s (%s)\n", key.fingerprint.c_str(), o.user.c_str(),
              key.expires == 0 ? "does not expire"
                               : ("expires " + When(key.expires).substr(0, 10)).c_str());
  std::printf("documents queued from now on are encrypted to it\n");
  return Status::Ok();
}

void PrintStaffKeys(const std::vector<StaffKey>& keys) {
  if (keys.empty()) {
    std::printf("no staff keys: the mailbox accepts nothing until one is added (staff add)\n");
    return;
  }
  std::printf("%-12s  %-40s  %s\n", "USER", "FINGERPRINT", "EXPIRES");
  for (const auto& k : keys) {
    std::printf("%-12s  %-40s  %s\n", k.user.c_str(), k.fingerprint.c_str(),
                When(k.expires).c_str());
  }
}

Status RunStaffList(const std::string& config_path, const StaffKeyOptions& o) {
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(config_path, &s));
  std::vector<StaffKey> keys;
  PORTAL_RETURN_IF_ERROR(s.registry->StaffKeys(&keys));
  if (!o.json) {
    PrintStaffKeys(keys);
    return Status::Ok();
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& k : keys) {
    out.push_back({{"fingerprint", k.fingerprint},
                   {"user", k.user},
                   {"expires", k.expires == 0 ? nullptr : nlohmann::ordered_json(When(k.expires))},
                   {"added_at", When(k.added_at)}});
  }
  PrintJson(out);
  return Status::Ok();
}

Status RunStaffRemove(const std::string& config_path, const StaffKeyOptions& o,
                      const Clock& clock) {
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(config_path, &s));
  // `staff remove` deletes the key's file from keys/: the trail keeps a copy first, so `audit
  // verify` still checks what the key signed.
  std::string key;
  if (ReadFile(s.registry->KeyFile(o.fingerprint), &key).ok()) {
    std::unique_ptr<AuditLog> audit;
    PORTAL_RETURN_IF_ERROR(AuditLog::Open(s.layout->audit_db, &audit));
    PORTAL_RETURN_IF_ERROR(audit->KeepSignerKey(o.fingerprint, key));
  }
  PORTAL_RETURN_IF_ERROR(s.registry->RemoveStaffKey(o.fingerprint));
  PORTAL_RETURN_IF_ERROR(AuditKeyChange(s, "staff-remove", o.fingerprint, "", clock.Now()));
  std::printf("staff key unpinned: %s (documents already queued stay encrypted to it)\n",
              o.fingerprint.c_str());
  return Status::Ok();
}

}  // namespace

void RegisterStaffKeyCommands(CommandTable* table, const Clock& clock) {
  CLI::App* staff =
      table->Group("staff", "Records-staff keys: queued documents are encrypted to each");
  auto o = std::make_shared<StaffKeyOptions>();
  CLI::App* add =
      table->Add(staff, "add", "Pin a staff member's OpenPGP public key",
                 [table, o, &clock] { return RunStaffAdd(table->config_path(), *o, clock); });
  add->add_option("--key", o->key_file, "The staff member's public key file")->required();
  add->add_option("--user", o->user, "The staff member's login name")->required();
  CLI::App* list = table->Add(staff, "list", "List the pinned staff keys",
                              [table, o] { return RunStaffList(table->config_path(), *o); });
  list->add_flag("--json", o->json, "JSON output");
  CLI::App* remove = table->Add(staff, "remove", "Unpin a staff key", [table, o, &clock] {
    return RunStaffRemove(table->config_path(), *o, clock);
  });
  remove->add_option("--fingerprint", o->fingerprint, "The key's fingerprint")->required();
}

}  // namespace portal
