#include "mailbox/staff/change_export.h"

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "core/fhir_time.h"
#include "core/json_view.h"
#include "mailbox/common/fhir_systems.h"
#include "mailbox/staff/fhir_text.h"
#include "mailbox/staff/profile_change.h"

namespace portal {

namespace {

using json = nlohmann::json;
using Values = std::vector<const ProposedValue*>;

json Coding(const char* system, const std::string& code, const std::string& display) {
  json coding = {{"system", system}, {"code", code}};
  if (!display.empty()) coding["display"] = display;
  return coding;
}

// The proposed codeable, its coding given the value set's display.
json MaritalStatus(const json& proposed) {
  json codeable = proposed;
  const JsonView coding = JsonView(proposed)["coding"][0];
  const std::string display = MaritalDisplay(coding["system"].Str(), coding["code"].Str());
  if (!display.empty() && coding["display"].empty()) codeable["coding"][0]["display"] = display;
  return codeable;
}

json RaceExtension(const json& proposed) {
  return {{"url", fhir_systems::kRaceUrl},
          {"extension",
           json::array({{{"url", "text"}, {"valueString", ConceptText(JsonView(proposed))}}})}};
}

json ContactEntry(const std::string& field, const Values& values) {
  const std::string role = ContactRole(field);
  json contact = {
      {"relationship",
       json::array({{{"coding", json::array({Coding(
                                    fhir_systems::kContactRole, role,
                                    role == "N" ? "Next-of-Kin" : "Emergency Contact")})}}})}};
  for (const ProposedValue* v : values) {
    if (v->part == "phone") {
      contact["telecom"].push_back(v->value);
    } else {
      contact[v->part] = v->value;
    }
  }
  return contact;
}

Status AddElement(const std::string& field, const Values& values, json* patient) {
  json& p = *patient;
  const json& first = values.front()->value;
  if (field == "marital_status") p["maritalStatus"] = MaritalStatus(first);
  if (field == "race") {
    // US Core requires the race extension's text.
    if (ConceptText(JsonView(first)).empty()) {
      return Status::InvalidInput("change Task: race has no text");
    }
    p["extension"].push_back(RaceExtension(first));
  }
  if (field == "religion") {
    p["extension"].push_back(
        {{"url", fhir_systems::kReligionUrl}, {"valueCodeableConcept", first}});
  }
  if (field == "address") p["address"] = json::array({first});
  if (field == "phone_numbers" || field == "email") {
    for (const ProposedValue* v : values) p["telecom"].push_back(v->value);
  }
  if (!ContactRole(field).empty()) p["contact"].push_back(ContactEntry(field, values));
  return Status::Ok();
}

// The Patient the Task's focus names: its resource id (when known) and MRN identifier.
json PatientShell(const DocumentPatient& focus) {
  json patient = {{"resourceType", "Patient"}};
  if (!focus.reference.empty()) patient["id"] = focus.PatientId();
  if (focus.identifier.is_object()) patient["identifier"] = json::array({focus.identifier});
  return patient;
}

std::string OrNone(const std::vector<std::string>& ids) {
  return ids.empty() ? "none" : JoinNonEmpty(ids, ", ");
}

json CompletedTask(const ParsedDocument& task, const ProfileChange& change,
                   const std::set<std::string>& accepted, const std::string& staff_fingerprint,
                   int64_t now) {
  json out = task.resource;
  std::vector<std::string> yes, no;
  json outputs = json::array();
  for (const auto& field : change.fields) {
    const bool ok = accepted.count(field) > 0;
    (ok ? yes : no).push_back(field);
    outputs.push_back(
        {{"type",
          {{"coding", json::array({{{"system", fhir_systems::kProfileField}, {"code", field}}})}}},
         {"valueCode", ok ? "accepted" : "rejected"}});
  }
  json inputs = json::array();
  for (JsonView input : JsonView(task.resource)["input"]) {
    if (!IsTransportInput(input)) inputs.push_back(input.json());
  }
  out["status"] = "completed";
  out["lastModified"] = FormatInstant(now);
  std::string decided = "accepted: " + OrNone(yes) + "; rejected: " + OrNone(no);
  // A proxy's request keeps its contained RelatedPerson and Provenance (requester "#proxy");
  // the status says so too, for the EHR's staff reading the export.
  if (task.proxy.present) decided += "; requested by a proxy for the patient";
  out["businessStatus"] = {{"text", decided}};
  out["owner"] = {
      {"identifier", {{"system", fhir_systems::kStaffKey}, {"value", staff_fingerprint}}}};
  out.erase("input");  // FHIR lists may not be empty: each is set only when it has entries.
  out.erase("output");
  if (!inputs.empty()) out["input"] = std::move(inputs);
  if (!outputs.empty()) out["output"] = std::move(outputs);
  return out;
}

// Values come from a parser that refused invalid UTF-8; nothing is replaced in practice.
std::string Line(const json& resource) {
  return resource.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

Status BuildChangeExport(const PortalConfig& config, const ParsedDocument& task,
                         const std::set<std::string>& accepted_fields,
                         const std::string& staff_fingerprint, int64_t now, std::string* ndjson) {
  ProfileChange change;
  PORTAL_RETURN_IF_ERROR(GroupProposedFields(config, task, &change));
  for (const auto& id : accepted_fields) {
    if (!change.values.count(id)) {
      return Status::InvalidInput("accepted field \"" + id +
                                  "\" is not among the fields this change request proposes");
    }
  }
  json patient = PatientShell(task.focus);
  for (const auto& field : change.fields) {
    if (accepted_fields.count(field)) {
      PORTAL_RETURN_IF_ERROR(AddElement(field, change.values.find(field)->second, &patient));
    }
  }
  *ndjson = Line(CompletedTask(task, change, accepted_fields, staff_fingerprint, now));
  if (!accepted_fields.empty()) *ndjson += Line(patient);
  return Status::Ok();
}

Status BuildChangeExport(const PortalConfig& config, std::string_view task_json,
                         const std::set<std::string>& accepted_fields,
                         const std::string& staff_fingerprint, int64_t now, std::string* ndjson) {
  ParsedDocument task;
  PORTAL_RETURN_IF_ERROR(ReadDocument(ItemKind::kProfileChange, task_json, &task));
  return BuildChangeExport(config, task, accepted_fields, staff_fingerprint, now, ndjson);
}

}  // namespace portal
