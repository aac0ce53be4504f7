// portal-staff show: checks both signatures, decrypts an item and prints it; a profile change
// field by field beside the record's values. Audited as a view.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "core/command_output.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/profile_compare.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace {

using ojson = nlohmann::ordered_json;

struct Shown {
  QueuedItem item;
  ParsedDocument doc;
  PatientSignature patient;
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

void PrintFieldTable(const std::vector<ProfileRow>& rows) {
  size_t w1 = 5, w2 = 9;
  for (const auto& r : rows) {
    w1 = std::max(w1, r.field.size());
    w2 = std::max(w2, r.current.size());
  }
  std::printf("\n%-*s  %-*s  %s\n", static_cast<int>(w1), "FIELD", static_cast<int>(w2),
              "ON RECORD", "PROPOSED");
  for (const auto& r : rows) {
    std::printf("%-*s  %-*s  %s\n", static_cast<int>(w1), r.field.c_str(), static_cast<int>(w2),
                r.current.c_str(), r.proposed.c_str());
  }
}

void PrintShownText(const Shown& s) {
  std::printf("%s  %s  %s  received %s\n", s.item.receipt.c_str(),
              std::string(ToString(s.item.kind)).c_str(),
              std::string(ToString(s.item.state)).c_str(), When(s.item.received_at).c_str());
  std::printf("mailbox signature: good\n");
  std::printf("patient signature: %s\n",
              s.patient.good ? ("good, key " + s.patient.fingerprint).c_str()
                             : "NOT VERIFIED against the keys pinned now (key replaced or revoked "
                               "since?) — check before acting");
  std::printf("MRN: %s\n", s.doc.patient.mrn.c_str());
  if (s.item.kind == ItemKind::kMessage) {
    std::printf("to: %s\nsubject: %s\n\n%s\n", s.item.provider.c_str(), s.doc.subject.c_str(),
                s.doc.body.c_str());
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
