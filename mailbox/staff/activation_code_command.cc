// portal-staff activation-code: a single-use code that opens a patient's account (after photo
// ID at the desk) or links a proxy (the Patient Portal Access form), with an optional printable
// letter. The code is printed once and kept only as its hash; the audit names the kind only.
#include <cstdio>
#include <memory>

#include "core/account_codes.h"
#include "core/account_store.h"
#include "core/command_output.h"
#include "core/fhir_time.h"
#include "core/file_util.h"
#include "mailbox/staff/activation_letter.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace {

constexpr int64_t kMaxDays = 365;
constexpr size_t kMaxKeyHolderChars = 100;

struct CodeOptions {
  WorkOptions work;
  std::string mrn;
  bool proxy = false;
  std::string key_holder;
  int64_t days = 0;
  CLI::Option* days_set = nullptr;
  std::string letter;  // --letter: where the HTML goes ("" = none).
};

// A name as staff wrote it: 1 to 100 characters (UTF-8), no control characters (C0, DEL, C1),
// not only spaces. It goes into the letter (escaped) and the proxy link's label.
bool GoodKeyHolder(const std::string& name) {
  size_t chars = 0;
  bool visible = false;
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == 0xc2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(name[i + 1]) <= 0x9f) {
      return false;  // U+0080..U+009F.
    }
    if ((c & 0xc0) != 0x80) ++chars;  // Not a continuation byte: a new character.
    visible = visible || c != ' ';
  }
  return visible && chars <= kMaxKeyHolderChars;
}

// What can be checked before anything is opened (usage errors come first).
Status CheckUsage(const CodeOptions& o) {
  if (o.proxy != !o.key_holder.empty()) {
    return Status::Usage("--proxy and --key-holder NAME go together (a proxy's code names them)");
  }
  if (o.proxy && !GoodKeyHolder(o.key_holder)) {
    return Status::Usage("--key-holder is 1 to 100 characters without control characters");
  }
  if (o.days_set->count() > 0 && (o.days < 1 || o.days > kMaxDays)) {
    return Status::Usage("--days is 1 to 365");
  }
  return Status::Ok();
}

// What the code may open: an eligible record; a patient code only one without a patient
// account, a proxy code only one whose patient's key is pinned (the link needs it).
Status CheckRecord(Work* w, AccountStore* store, const CodeOptions& o, int64_t now) {
  std::string patient_id;
  PORTAL_RETURN_IF_ERROR(CheckEligiblePatient(w->s, o.mrn, now, &patient_id));
  if (o.proxy) {
    Enrollment e;
    bool enrolled = false;
    PORTAL_RETURN_IF_ERROR(w->s.registry->Find(o.mrn, &e, &enrolled));
    if (!enrolled) {
      return Status::InvalidInput(
          "refused: the patient is not enrolled yet (no account, no key); a proxy can be linked "
          "once they are");
    }
    return Status::Ok();
  }
  Account account;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(store->FindByRecord(o.mrn, RecordRole::kSelf, &account, &found));
  if (found) {
    return Status::InvalidInput(
        "refused: this record already has a patient account; use account remove first, or "
        "Forgot Password");
  }
  return Status::Ok();
}

// The end of the hospital's local day `days` days from now, so the date printed is exactly
// the last day the code works; *last_day is that date.
int64_t EndOfLocalDay(const TimeZone& zone, int64_t now, int64_t days, std::string* last_day) {
  *last_day = zone.LocalDate(now + days * 86400);
  FhirDateTime d;
  (void)ParseFhirDateTime(*last_day, &d);  // LocalDate always writes a valid date.
  int year = d.year;
  unsigned month = d.month, day = d.day + 1;
  if (day > DaysInMonth(year, month)) {
    day = 1;
    if (++month > 12) {
      month = 1;
      ++year;
    }
  }
  return zone.StartOfDay(year, month, day);
}

Status RunActivationCode(const std::string& config_path, const CodeOptions& o, const Clock& clock) {
  PORTAL_RETURN_IF_ERROR(CheckUsage(o));
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(config_path, o.work, true, clock, &w));
  PORTAL_RETURN_IF_ERROR(CheckMrnFormat(w.s.config, o.mrn));
  const int64_t days = o.days_set->count() > 0 ? o.days : w.s.config.accounts.activation_code_days;
  const int64_t now = clock.Now();
  std::unique_ptr<AccountStore> store;
  PORTAL_RETURN_IF_ERROR(AccountStore::Open(w.s.registry.get(), &store));
  PORTAL_RETURN_IF_ERROR(CheckRecord(&w, store.get(), o, now));

  std::string normalized;
  const std::string code = NewActivationCode();
  if (!NormalizeActivationCode(code, &normalized)) return Status::IoError("bad activation code");
  ActivationCode c;
  c.code_hash = ActivationCodeHash(normalized);
  c.mrn = o.mrn;
  c.kind = o.proxy ? CodeKind::kProxy : CodeKind::kPatient;
  c.label = o.key_holder;
  c.created_by = w.who.fingerprint;
  c.created_at = now;
  std::string last_day;
  c.expires_at = EndOfLocalDay(w.s.config.site.zone, now, days, &last_day);

  // The letter first (never over an existing file), so a refusal leaves no code behind; a
  // letter whose code could not be stored is removed again.
  if (!o.letter.empty()) {
    std::string html;
    PORTAL_RETURN_IF_ERROR(
        ActivationLetterHtml(w.s.config, {code, c.kind, o.key_holder, last_day}, &html));
    PORTAL_RETURN_IF_ERROR(WriteLetterFile(o.letter, html));
  }
  Status st = store->AddActivationCode(c);
  if (st.ok()) st = Audit(&w, "activation-code", "", ToString(c.kind));
  if (!st.ok()) {
    if (!o.letter.empty()) (void)RemoveFileDurably(o.letter);
    return st;
  }
  const std::string zone = w.s.config.site.zone.name();
  PrintResult(o.work.json,
              {{"code", code},
               {"kind", ToString(c.kind)},
               {"expires_at", FormatInstant(c.expires_at)},
               {"valid_through", last_day},
               {"time_zone", zone},
               {"letter", !o.letter.empty()}},
              std::string("activation code for the ") + (o.proxy ? "proxy" : "patient") + ": " +
                  code + "\nsingle use, valid through " + last_day + " (" + zone +
                  ")\nhand it over now" +
                  (o.letter.empty() ? "" : " (the letter: print it, then delete the file)") +
                  ": only its hash is kept, it cannot be shown again");
  return Status::Ok();
}

}  // namespace

void RegisterActivationCodeCommand(CommandTable* table, const Clock& clock) {
  auto o = std::make_shared<CodeOptions>();
  CLI::App* cmd = table->Add(
      nullptr, "activation-code",
      "Make a single-use code that opens a patient's account (after photo ID) or links a proxy",
      [table, o, &clock] { return RunActivationCode(table->config_path(), *o, clock); });
  AddWorkOptions(table, cmd, false, &o->work);
  cmd->add_option("--mrn", o->mrn, "The patient's medical record number")->required();
  cmd->add_flag("--proxy", o->proxy,
                "A proxy's code (Patient Portal Access form): links the record to the proxy's "
                "account");
  cmd->add_option("--key-holder", o->key_holder,
                  "With --proxy: the proxy's name as on the form (shown on the letter and the "
                  "link)");
  o->days_set = cmd->add_option("--days", o->days,
                                "Days the code is valid (default accounts.activation_code_days)");
  cmd->add_option("--letter", o->letter,
                  "Also write a printable letter (HTML, mode 0600; never over an existing file)");
}

}  // namespace portal
