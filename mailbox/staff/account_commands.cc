// portal-staff account show|lock|unlock|remove: the patients' accounts that open a record, for
// the desk (a caller's "Forgot Logon ID?" after checking their ID, a lost phone, a death). Every
// one needs the staff member's key and is audited, reading a Logon ID included.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/account_secrets.h"
#include "core/account_store.h"
#include "core/command_output.h"
#include "core/reply_dropbox.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace {

using ojson = nlohmann::ordered_json;

struct AccountOptions {
  WorkOptions work;
  std::string mrn;
  std::string role;         // "" | self | proxy: which account, when several open the record.
  std::string fingerprint;  // The account's key, likewise.
  bool yes = false;         // remove: really.
};

// What staff read of one account linked to the record.
struct Shown {
  Account account;
  AccountRecord link;  // Its link to the record asked about.
  int64_t failures = 0;
  int64_t locked_until = 0;
  std::vector<AccountEvent> events;
};

const AccountRecord* LinkTo(const Account& a, const std::string& mrn) {
  for (const auto& r : a.records) {
    if (r.mrn == mrn) return &r;
  }
  return nullptr;
}

bool HasOwnRecordElsewhere(const Account& a, const std::string& mrn) {
  for (const auto& r : a.records) {
    if (r.role == RecordRole::kSelf && r.mrn != mrn) return true;
  }
  return false;
}

struct Opened {
  Work w;
  std::unique_ptr<AccountStore> store;
};

Status Open(const std::string& config_path, const AccountOptions& o, const Clock& clock,
            Opened* out) {
  PORTAL_RETURN_IF_ERROR(OpenWork(config_path, o.work, true, clock, &out->w));
  PORTAL_RETURN_IF_ERROR(CheckMrnFormat(out->w.s.config, o.mrn));
  return AccountStore::Open(out->w.s.registry.get(), &out->store);
}

// The one account --mrn (with --role / --fingerprint) names; InvalidInput for none or several.
Status PickAccount(AccountStore* store, const AccountOptions& o, Account* out) {
  std::vector<Account> all;
  PORTAL_RETURN_IF_ERROR(store->AccountsOfRecord(o.mrn, &all));
  std::vector<Account> matching;
  for (auto& a : all) {
    const AccountRecord* link = LinkTo(a, o.mrn);
    if (link == nullptr) continue;
    if (!o.role.empty() && o.role != ToString(link->role)) continue;
    if (!o.fingerprint.empty() && o.fingerprint != a.fingerprint) continue;
    matching.push_back(std::move(a));
  }
  if (matching.empty()) {
    return Status::InvalidInput("no account that opens this record matches (see account show)");
  }
  if (matching.size() > 1) {
    return Status::InvalidInput(std::to_string(matching.size()) +
                                " accounts open this record: choose one with --role self|proxy "
                                "or --fingerprint FPR (see account show)");
  }
  *out = std::move(matching[0]);
  return Status::Ok();
}

std::string Describe(const Account& a, const std::string& mrn) {
  const AccountRecord* link = LinkTo(a, mrn);
  return std::string("role: ") + (link ? ToString(link->role) : "?") + ", key " + a.fingerprint;
}

// --- show ---

std::string CodeState(const ActivationCode& c, int64_t now) {
  if (c.used_at != 0) return "used";
  return c.expires_at <= now ? "expired" : "unused";
}

ojson AccountJson(const Shown& s, int64_t now) {
  const Account& a = s.account;
  ojson events = ojson::array();
  for (const auto& e : s.events) events.push_back({{"at", When(e.at)}, {"event", e.event}});
  return {{"logon_id", a.logon_id},
          {"role", ToString(s.link.role)},
          {"label", s.link.label},
          {"fingerprint", a.fingerprint},
          {"created_at", When(a.created_at)},
          {"last_sign_in_at", When(a.last_sign_in_at)},
          {"updated_at", When(a.updated_at)},
          {"locked", a.locked},
          {"sign_in_failures", s.failures},
          {"waiting_until", s.locked_until > now ? When(s.locked_until) : "-"},
          {"other_records", a.records.size() - 1},
          {"history", events}};
}

ojson CodeJson(const ActivationCode& c, int64_t now) {
  return {{"kind", ToString(c.kind)},         {"key_holder", c.label},
          {"created_at", When(c.created_at)}, {"created_by", c.created_by},
          {"expires_at", When(c.expires_at)}, {"used_at", When(c.used_at)},
          {"state", CodeState(c, now)}};
}

void PrintShownText(const std::vector<Shown>& shown, const std::vector<ActivationCode>& codes,
                    int64_t now) {
  if (shown.empty()) std::printf("no account opens this record\n");
  for (const auto& s : shown) {
    const Account& a = s.account;
    std::printf("account: Logon ID %s (%s%s)\n", a.logon_id.c_str(), ToString(s.link.role),
                s.link.label.empty() ? "" : (", " + s.link.label).c_str());
    std::printf("  key %s, created %s, updated %s, last sign-in %s\n", a.fingerprint.c_str(),
                When(a.created_at).c_str(), When(a.updated_at).c_str(),
                When(a.last_sign_in_at).c_str());
    std::printf("  %s; %lld sign-in failure(s)%s\n", a.locked ? "LOCKED by staff" : "not locked",
                static_cast<long long>(s.failures),
                s.locked_until > now ? (", waiting until " + When(s.locked_until)).c_str() : "");
    if (a.records.size() > 1) {
      std::printf("  also opens %zu other record(s)\n", a.records.size() - 1);
    }
    for (const auto& e : s.events) std::printf("  %s  %s\n", When(e.at).c_str(), e.event.c_str());
  }
  if (codes.empty()) std::printf("no activation codes for this record\n");
  for (const auto& c : codes) {
    std::printf("activation code (%s%s): made %s, expires %s, %s%s\n", ToString(c.kind),
                c.label.empty() ? "" : (" for " + c.label).c_str(), When(c.created_at).c_str(),
                When(c.expires_at).c_str(), CodeState(c, now).c_str(),
                c.used_at != 0 ? (" " + When(c.used_at)).c_str() : "");
  }
}

Status RunShow(const std::string& config_path, const AccountOptions& o, const Clock& clock) {
  Opened op;
  PORTAL_RETURN_IF_ERROR(Open(config_path, o, clock, &op));
  AccountSecrets secrets;
  PORTAL_RETURN_IF_ERROR(AccountSecrets::Load(op.w.s.layout->accounts_pepper, &secrets));
  const int64_t now = clock.Now();
  std::vector<Account> accounts;
  PORTAL_RETURN_IF_ERROR(op.store->AccountsOfRecord(o.mrn, &accounts));
  std::vector<Shown> shown;
  for (auto& a : accounts) {
    if (LinkTo(a, o.mrn) == nullptr) continue;
    Shown s;
    s.link = *LinkTo(a, o.mrn);
    s.account = std::move(a);
    PORTAL_RETURN_IF_ERROR(
        op.store->SignInState(secrets.LogonKey(s.account.logon_id), &s.failures, &s.locked_until));
    PORTAL_RETURN_IF_ERROR(op.store->EventsOf(s.account.id, &s.events));
    shown.push_back(std::move(s));
  }
  std::vector<ActivationCode> codes;
  PORTAL_RETURN_IF_ERROR(op.store->ActivationCodesOf(o.mrn, &codes));
  PORTAL_RETURN_IF_ERROR(
      Audit(&op.w, "account-view", "", "accounts: " + std::to_string(shown.size())));
  if (!o.work.json) {
    PrintShownText(shown, codes, now);
    return Status::Ok();
  }
  ojson out = {{"accounts", ojson::array()}, {"activation_codes", ojson::array()}};
  for (const auto& s : shown) out["accounts"].push_back(AccountJson(s, now));
  for (const auto& c : codes) out["activation_codes"].push_back(CodeJson(c, now));
  PrintJson(out);
  return Status::Ok();
}

// --- lock, unlock, remove ---

Status RunLock(const std::string& config_path, const AccountOptions& o, const Clock& clock,
               bool lock) {
  Opened op;
  PORTAL_RETURN_IF_ERROR(Open(config_path, o, clock, &op));
  Account a;
  PORTAL_RETURN_IF_ERROR(PickAccount(op.store.get(), o, &a));
  const char* done = lock ? "locked" : "unlocked";
  if (a.locked == lock) {
    PrintResult(o.work.json, {{"fingerprint", a.fingerprint}, {"locked", lock}, {"changed", false}},
                std::string("the account was ") + done + " already; nothing changed");
    return Status::Ok();
  }
  PORTAL_RETURN_IF_ERROR(op.store->SetLocked(a.id, lock, clock.Now()));
  PORTAL_RETURN_IF_ERROR(
      Audit(&op.w, lock ? "account-lock" : "account-unlock", "", Describe(a, o.mrn)));
  const std::string help = op.w.s.config.help_line.display;
  PrintResult(o.work.json, {{"fingerprint", a.fingerprint}, {"locked", lock}, {"changed", true}},
              lock ? "account locked: signing in (for every record it opens) answers \"this "
                     "account is locked; call " +
                         help + "\" until account unlock; published summaries and replies stay"
                   : "account unlocked: the patient can sign in again");
  return Status::Ok();
}

// What remove does, said before it is done.
std::string RemoveEffects(bool self) {
  return self ? "removing this account forgets its Logon ID, password and key blob, unpins its "
                "key and unenrolls the record (its proxies' access ends too; their accounts "
                "stay); the patient can register again, and the next nightly run removes the "
                "summary"
              : "removing this proxy's account forgets its Logon ID, password and key blob and "
                "unpins its key from the record; the next nightly run re-encrypts the summary "
                "without it";
}

Status RunRemove(const std::string& config_path, const AccountOptions& o, const Clock& clock) {
  Opened op;
  PORTAL_RETURN_IF_ERROR(Open(config_path, o, clock, &op));
  Account a;
  PORTAL_RETURN_IF_ERROR(PickAccount(op.store.get(), o, &a));
  const AccountRecord* link = LinkTo(a, o.mrn);
  const bool self = link->role == RecordRole::kSelf;
  if (!self && HasOwnRecordElsewhere(a, o.mrn)) {
    return Status::InvalidInput(
        "refused: this proxy's account is also their own patient account; remove it from their "
        "own record, or revoke their key here with proxy revoke");
  }
  if (!o.yes) {
    return Status::InvalidInput("not removed: " + RemoveEffects(self) + "; run again with --yes");
  }
  Enrollment e;
  bool enrolled = false;
  if (self) PORTAL_RETURN_IF_ERROR(op.w.s.registry->Find(o.mrn, &e, &enrolled));
  PORTAL_RETURN_IF_ERROR(op.store->RemoveAccount(a.id));
  PORTAL_RETURN_IF_ERROR(op.w.s.registry->SweepKeyFiles());
  // As unenroll does: replies sealed for the old key go; the nightly run unpublishes the rest.
  std::error_code ec;
  if (enrolled) std::filesystem::remove_all(ReplyFolder(op.w.s.layout->replies_dir, e.token), ec);
  PORTAL_RETURN_IF_ERROR(Audit(&op.w, "account-remove", "", Describe(a, o.mrn)));
  PrintResult(o.work.json, {{"fingerprint", a.fingerprint}, {"removed", true}},
              self ? "account removed; the record is unenrolled: the patient can register again, "
                     "and the next nightly run removes the summary"
                   : "proxy account removed; the next nightly run re-encrypts the summary without "
                     "its key");
  return Status::Ok();
}

void AddSelectors(CLI::App* cmd, AccountOptions* o) {
  cmd->add_option("--role", o->role, "Which account, when several open the record")
      ->check(CLI::IsMember({"self", "proxy"}));
  cmd->add_option("--fingerprint", o->fingerprint, "Which account, by its key's fingerprint");
}

}  // namespace

void RegisterAccountCommands(CommandTable* table, const Clock& clock) {
  auto o = std::make_shared<AccountOptions>();
  CLI::App* group = table->Group("account", "Patients' accounts that open a record (audited)");
  const auto add = [&](const std::string& name, const std::string& help,
                       std::function<Status(const std::string&)> run) {
    CLI::App* cmd =
        table->Add(group, name, help, [table, run] { return run(table->config_path()); });
    AddWorkOptions(table, cmd, false, &o->work);
    cmd->add_option("--mrn", o->mrn, "The patient's medical record number")->required();
    return cmd;
  };
  add("show",
      "Logon IDs, keys, sign-ins, lock state and history of the accounts, and the record's "
      "activation codes",
      [o, &clock](const std::string& c) { return RunShow(c, *o, clock); });
  AddSelectors(add("lock", "Stop an account signing in until unlocked",
                   [o, &clock](const std::string& c) { return RunLock(c, *o, clock, true); }),
               o.get());
  AddSelectors(add("unlock", "Let a locked account sign in again",
                   [o, &clock](const std::string& c) { return RunLock(c, *o, clock, false); }),
               o.get());
  CLI::App* remove = add("remove", "Forget an account and unpin its key (asks for --yes)",
                         [o, &clock](const std::string& c) { return RunRemove(c, *o, clock); });
  AddSelectors(remove, o.get());
  remove->add_flag("--yes", o->yes, "Really remove it");
}

}  // namespace portal
