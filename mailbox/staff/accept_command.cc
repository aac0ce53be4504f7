// portal-staff accept: accepts a profile change's listed fields (the rest rejected), exports the
// Task and the accepted Patient elements as FHIR NDJSON for the EHR, completes the item and
// queues the patient's notice.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <system_error>

#include "core/command_output.h"
#include "core/file_util.h"
#include "mailbox/staff/change_export.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/profile_compare.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

struct AcceptOptions {
  WorkOptions work;
  std::string fields;  // Comma-separated profile field ids ("" = all proposed).
};

std::set<std::string> SplitFields(const std::string& csv) {
  std::set<std::string> out;
  std::stringstream in(csv);
  for (std::string f; std::getline(in, f, ',');) {
    if (!f.empty()) out.insert(f);
  }
  return out;
}

std::string JoinFields(const std::set<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "" : ",") + f;
  return out;
}

// What is decided: the fields the staff member listed (all proposed by default), or, when an
// accept by this key was cut short after its decision, the fields decided then.
struct Decision {
  bool resuming = false;
  std::set<std::string> proposed, accepted, rejected;
};

Status Decide(const Work& w, const QueuedItem& item, const ParsedDocument& doc,
              const std::string& fields, Decision* d) {
  std::vector<ProfileRow> rows;
  PORTAL_RETURN_IF_ERROR(CompareProfile(w.s.config, "", doc, &rows));
  for (const auto& r : rows) d->proposed.insert(r.field);
  // An item accepted by this key whose export or completion did not happen (the disk was full,
  // the terminal closed) is finished by running accept again, with the fields decided then.
  d->resuming = item.state == ItemState::kAccepted && item.claimed_by == w.who.fingerprint;
  d->accepted = d->resuming      ? SplitFields(item.accepted_fields)
                : fields.empty() ? d->proposed
                                 : SplitFields(fields);
  for (const auto& f : d->accepted) {
    if (!d->proposed.count(f)) {
      return Status::Usage("--fields: " + f + " is not proposed by this request (it proposes " +
                           JoinFields(d->proposed) + ")");
    }
  }
  std::set_difference(d->proposed.begin(), d->proposed.end(), d->accepted.begin(),
                      d->accepted.end(), std::inserter(d->rejected, d->rejected.begin()));
  return Status::Ok();
}

// The export holds PHI: a private folder, a file only the service user reads.
Status WriteExport(const fs::path& file, const std::string& ndjson) {
  PORTAL_RETURN_IF_ERROR(WriteFileAtomically(file, ndjson, 0700));
  std::error_code ec;
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, ec);
  if (ec) return Status::IoError(file.string() + ": cannot make private: " + ec.message());
  return Status::Ok();
}

void PrintAccepted(bool json, const std::string& receipt, const Decision& d, const fs::path& file) {
  std::string text = "accepted: " + JoinFields(d.accepted);
  if (!d.rejected.empty()) text += "\nrejected: " + JoinFields(d.rejected);
  text += "\nexported for the EHR: " + file.string();
  PrintResult(json,
              {{"receipt", receipt},
               {"state", std::string(ToString(ItemState::kCompleted))},
               {"accepted", d.accepted},
               {"rejected", d.rejected},
               {"export", file.string()}},
              text);
}

Status RunAccept(const std::string& config_path, const AcceptOptions& o, const Clock& clock) {
  const std::string& receipt = o.work.receipt;
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(config_path, o.work, true, clock, &w));
  QueuedItem item;
  ParsedDocument doc;
  PORTAL_RETURN_IF_ERROR(LoadItem(&w, receipt, &item, &doc));
  PORTAL_RETURN_IF_ERROR(RequireProfileChange(item));
  Decision d;
  PORTAL_RETURN_IF_ERROR(Decide(w, item, doc, o.fields, &d));
  const int64_t now = clock.Now();
  std::string ndjson;
  PORTAL_RETURN_IF_ERROR(
      BuildChangeExport(w.s.config, doc, d.accepted, w.who.fingerprint, now, &ndjson));
  if (!d.resuming) {
    PORTAL_RETURN_IF_ERROR(w.claims->Decide(receipt, w.who.fingerprint, now, ItemState::kAccepted,
                                            JoinFields(d.accepted), ""));
    PORTAL_RETURN_IF_ERROR(
        Audit(&w, "accept", receipt,
              "fields: " + JoinFields(d.accepted) +
                  (d.rejected.empty() ? "" : "; rejected: " + JoinFields(d.rejected))));
  }
  const fs::path file = w.s.config.staff.exports_dir / (receipt + ".ndjson");
  PORTAL_RETURN_IF_ERROR(WriteExport(file, ndjson));
  PORTAL_RETURN_IF_ERROR(Audit(&w, "export", receipt, "ndjson"));
  PORTAL_RETURN_IF_ERROR(w.claims->Complete(receipt, now));
  PORTAL_RETURN_IF_ERROR(Audit(&w, "complete", receipt));
  QueueNotice(&w, doc, Notice::kProcessed);
  PrintAccepted(o.work.json, receipt, d, file);
  return Status::Ok();
}

}  // namespace

void RegisterAcceptCommand(CommandTable* table, const Clock& clock) {
  auto o = std::make_shared<AcceptOptions>();
  CLI::App* cmd = table->Add(
      nullptr, "accept", "Accept a profile change (some fields, or all) and export it for the EHR",
      [table, o, &clock] { return RunAccept(table->config_path(), *o, clock); });
  AddWorkOptions(table, cmd, true, &o->work);
  cmd->add_option("--fields", o->fields,
                  "Comma-separated field ids to accept (default: every proposed field); "
                  "the others are rejected");
}

}  // namespace portal
