// portal-staff show: checks both signatures, decrypts an item and prints it; a profile change
// field by field beside the record's values. Audited as a view.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "core/command_output.h"
#include "core/terminal_text.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/profile_compare.h"
#include "mailbox/staff/sender_text.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace {

using ojson = nlohmann::ordered_json;

struct Shown {
  QueuedItem item;
  ParsedDocument doc;
  PatientSignature patient;
  ItemSender sender;
  std::vector<ProfileRow> rows;  // A profile change's fields.
};

void PrintShownJson(const Shown& s) {
  ojson out = {
      {"receipt", s.item.receipt},
      {"kind", std::string(ToString(s.item.kind))},
      {"state", std::string(ToString(s.item.state))},
      {"received_at", When(s.item.received_at)},
      {"claimed_by", s.item.claimed_user},
      {"service_signature", "good"},
      {"patient_signature", {{"good", s.patient.good}, {"fingerprint", s.patient.fingerprint}}},
      {"sender", SenderJson(s.sender)},
      {"mrn", s.doc.patient.mrn}};
  if (s.item.kind == ItemKind::kProfileChange) {
    ojson fields = ojson::array();
    for (const auto& r : s.rows) {
      fields.push_back({{"field", r.field},
                        {"label", r.label},
                        {"current", r.current},
                        {"proposed", r.proposed}});
    }
    out["fields"] = fields;
  }
  if (s.item.kind == ItemKind::kMessage) {
    out["to"] = s.item.provider;
    out["subject"] = s.doc.subject;
    out["body"] = s.doc.body;
  }
  out["document"] = s.doc.resource;
  PrintJson(out);
}

// Values from the record and the request are escaped for the terminal before they are measured.
void PrintFieldTable(const std::vector<ProfileRow>& rows) {
  std::vector<ProfileRow> safe = rows;
  size_t w1 = 5, w2 = 9;
  for (auto& r : safe) {
    r.field = TerminalSafe(r.field);
    r.current = TerminalSafe(r.current);
    r.proposed = TerminalSafe(r.proposed);
    w1 = std::max(w1, r.field.size());
    w2 = std::max(w2, r.current.size());
  }
  std::printf("\n%-*s  %-*s  %s\n", static_cast<int>(w1), "FIELD", static_cast<int>(w2),
              "ON RECORD", "PROPOSED");
  for (const auto& r : safe) {
    std::printf("%-*s  %-*s  %s\n", static_cast<int>(w1), r.field.c_str(), static_cast<int>(w2),
                r.current.c_str(), r.proposed.c_str());
  }
}

void PrintShownText(const Shown& s) {
  std::printf("%s  %s  %s  received %s\n", s.item.receipt.c_str(),
              std::string(ToString(s.item.kind)).c_str(),
              std::string(ToString(s.item.state)).c_str(), When(s.item.received_at).c_str());
  std::printf("mailbox signature: good\n");
  std::printf("%s\n", SignatureLine(s.sender, s.patient).c_str());
  const std::string sent_by = SentByText(s.sender, s.doc);
  if (!sent_by.empty()) std::printf("%s\n", sent_by.c_str());
  std::printf("MRN: %s\n", TerminalSafe(s.doc.patient.mrn).c_str());
  if (s.item.kind == ItemKind::kMessage) {
    std::printf("to: %s\nsubject: %s\n\n%s\n", TerminalSafe(s.item.provider).c_str(),
                TerminalSafe(s.doc.subject).c_str(), TerminalSafe(s.doc.body).c_str());
    return;
  }
  PrintFieldTable(s.rows);
}

Status RunShow(const std::string& config_path, const WorkOptions& o, const Clock& clock) {
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(config_path, o, true, clock, &w));
  Shown s;
  PORTAL_RETURN_IF_ERROR(LoadItem(&w, o.receipt, &s.item, &s.doc));
  PORTAL_RETURN_IF_ERROR(CheckPatientSignature(&w, s.doc, &s.patient));
  s.sender = SenderOf(&w, s.doc, s.patient);
  if (s.item.kind == ItemKind::kProfileChange) {
    PORTAL_RETURN_IF_ERROR(CompareProfile(w.s.config, RecordedPatient(w, s.doc), s.doc, &s.rows));
  }
  PORTAL_RETURN_IF_ERROR(Audit(&w, "view", o.receipt));
  if (o.json) {
    PrintShownJson(s);
  } else {
    PrintShownText(s);
  }
  return Status::Ok();
}

}  // namespace

void RegisterShowCommand(CommandTable* table, const Clock& clock) {
  auto o = std::make_shared<WorkOptions>();
  AddWorkOptions(
      table,
      table->Add(nullptr, "show",
                 "Check and decrypt an item and print it (a profile change beside the record)",
                 [table, o, &clock] { return RunShow(table->config_path(), *o, clock); }),
      true, o.get());
}

}  // namespace portal
