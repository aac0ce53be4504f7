#include "mailbox/staff/staff_commands.h"

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/fhir_time.h"
#include "mailbox/common/queue_store.h"
#include "mailbox/staff/audit_log.h"
#include "mailbox/staff/staff_identity.h"
#include "mailbox/staff/staff_session.h"

namespace portal {

namespace {

std::string When(int64_t t) { return t == 0 ? "never" : FormatInstant(t); }

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

// Staff keys change who can read the queue: audited under the OS user who changed them.
Status AuditKeyChange(const Session& s, const std::string& action, const std::string& fpr,
                      const std::string& user) {
  std::unique_ptr<AuditLog> audit;
  PORTAL_RETURN_IF_ERROR(AuditLog::Open(s.layout->audit_db, &audit));
  AuditEntry e;
  e.at = Now();
  e.os_user = OsUserName();
  e.action = action;
  e.detail = "key " + fpr + (user.empty() ? "" : " for " + user);
  return audit->Append(e, nullptr);
}

// "90m", "36h", "7d" -> seconds; -1 if malformed.
int64_t ParseAge(const std::string& text) {
  static const std::regex kAge("([0-9]{1,6})([mhd])");
  std::smatch m;
  if (!std::regex_match(text, m, kAge)) return -1;
  const int64_t n = std::stoll(m[1].str());
  return m[2] == "m" ? n * 60 : m[2] == "h" ? n * 3600 : n * 86400;
}

}  // namespace

Status RunStaffAddCommand(const StaffOptions& options) {
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(options.config_path, &s));
  static const std::regex kUser("[a-z_][a-z0-9_.-]{0,31}");
  if (!std::regex_match(options.user, kUser)) {
    return Status::Usage("--user must be a login name (a-z, 0-9, _ . -; up to 32 characters)");
  }
  EnrolledKey key;
  std::string data;
  PORTAL_RETURN_IF_ERROR(ReadUsableKey(s, options.key_file, &key, &data));
  StaffKey staff{key.fingerprint, options.user, key.expires, 0};
  PORTAL_RETURN_IF_ERROR(s.registry->AddStaffKey(staff, data, Now()));
  PORTAL_RETURN_IF_ERROR(AuditKeyChange(s, "staff-add", key.fingerprint, options.user));
  std::printf("staff key pinned: %s for %s (%s)\n", key.fingerprint.c_str(), options.user.c_str(),
              key.expires == 0 ? "does not expire"
                               : ("expires " + When(key.expires).substr(0, 10)).c_str());
  std::printf("documents queued from now on are encrypted to it\n");
  return Status::Ok();
}

Status RunStaffListCommand(const StaffOptions& options) {
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(options.config_path, &s));
  std::vector<StaffKey> keys;
  PORTAL_RETURN_IF_ERROR(s.registry->StaffKeys(&keys));
  if (options.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& k : keys) {
      out.push_back(
          {{"fingerprint", k.fingerprint},
           {"user", k.user},
           {"expires", k.expires == 0 ? nullptr : nlohmann::ordered_json(When(k.expires))},
           {"added_at", When(k.added_at)}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return Status::Ok();
  }
  if (keys.empty()) {
    std::printf("no staff keys: the mailbox accepts nothing until one is added (staff add)\n");
    return Status::Ok();
  }
  std::printf("%-12s  %-40s  %s\n", "USER", "FINGERPRINT", "EXPIRES");
  for (const auto& k : keys) {
    std::printf("%-12s  %-40s  %s\n", k.user.c_str(), k.fingerprint.c_str(),
                When(k.expires).c_str());
  }
  return Status::Ok();
}

Status RunStaffRemoveCommand(const StaffOptions& options) {
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(options.config_path, &s));
  PORTAL_RETURN_IF_ERROR(s.registry->RemoveStaffKey(options.fingerprint));
  PORTAL_RETURN_IF_ERROR(AuditKeyChange(s, "staff-remove", options.fingerprint, ""));
  std::printf("staff key unpinned: %s (documents already queued stay encrypted to it)\n",
              options.fingerprint.c_str());
  return Status::Ok();
}

Status RunQueueListCommand(const StaffOptions& options) {
  std::optional<ItemState> state;
  if (!options.state.empty()) {
    state.emplace();
    if (!ParseItemState(options.state, &*state)) {
      return Status::Usage("--state must be requested, received, accepted, rejected or completed");
    }
  }
  std::optional<ItemKind> kind;
  if (!options.kind.empty()) {
    kind.emplace();
    if (!ParseItemKind(options.kind, &*kind)) {
      return Status::Usage("--kind must be message or profile-change");
    }
  }
  const int64_t older = options.older_than.empty() ? 0 : ParseAge(options.older_than);
  if (older < 0) return Status::Usage("--older-than must be like 90m, 36h or 7d");
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(options.config_path, &s));
  std::unique_ptr<QueueStore> queue;
  PORTAL_RETURN_IF_ERROR(QueueStore::Open(s.layout->mailbox_db, &queue));
  std::vector<QueuedItem> items;
  PORTAL_RETURN_IF_ERROR(queue->List(state, &items));
  const int64_t now = Now();
  std::erase_if(items, [&](const QueuedItem& i) {
    return (kind && i.kind != *kind) ||
           (!options.provider.empty() && i.provider != options.provider) ||
           (older > 0 && now - i.received_at < older);
  });
  if (options.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& i : items) {
      out.push_back({{"receipt", i.receipt},
                     {"kind", std::string(ToString(i.kind))},
                     {"state", std::string(ToString(i.state))},
                     {"provider", i.provider},
                     {"received_at", FormatInstant(i.received_at)},
                     {"bytes", i.bytes}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return Status::Ok();
  }
  if (items.empty()) {
    std::printf("the queue is empty\n");
    return Status::Ok();
  }
  std::printf("%-32s  %-14s  %-9s  %-12s  %-20s  %s\n", "RECEIPT", "KIND", "STATE", "PROVIDER",
              "RECEIVED", "WAITING");
  for (const auto& i : items) {
    const int64_t waited = std::max<int64_t>(0, now - i.received_at);
    char waiting[32];
    if (waited < 3600) {
      std::snprintf(waiting, sizeof waiting, "%lldm", static_cast<long long>(waited / 60));
    } else if (waited < 2 * 86400) {
      std::snprintf(waiting, sizeof waiting, "%lldh", static_cast<long long>(waited / 3600));
    } else {
      std::snprintf(waiting, sizeof waiting, "%lldd", static_cast<long long>(waited / 86400));
    }
    std::printf("%-32s  %-14s  %-9s  %-12s  %-20s  %s\n", i.receipt.c_str(),
                std::string(ToString(i.kind)).c_str(), std::string(ToString(i.state)).c_str(),
                i.provider.empty() ? "-" : i.provider.c_str(), FormatInstant(i.received_at).c_str(),
                waiting);
  }
  std::printf("%zu item%s\n", items.size(), items.size() == 1 ? "" : "s");
  return Status::Ok();
}

}  // namespace portal
