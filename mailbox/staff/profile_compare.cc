#include "mailbox/staff/profile_compare.h"

#include <nlohmann/json.hpp>

#include "core/json_view.h"
#include "mailbox/common/fhir_systems.h"
#include "mailbox/staff/fhir_text.h"
#include "mailbox/staff/profile_change.h"

namespace portal {

namespace {

constexpr char kNoneOnRecord[] = "(none on record)";
constexpr char kDash[] = " \xe2\x80\x94 ";  // " — " between a contact's name, address, phones.

// --- Current values from the Patient -----------------------------------------------------

std::string RaceText(JsonView patient) {
  for (JsonView extension : patient["extension"]) {
    if (extension["url"].Str() != fhir_systems::kRaceUrl) continue;
    std::string text;
    std::vector<std::string> categories;
    for (JsonView part : extension["extension"]) {
      const std::string url = part["url"].Str();
      if (url == "text") text = part["valueString"].Str();
      if (url == "ombCategory") {
        const JsonView coding = part["valueCoding"];
        const std::string display = coding["display"].Str();
        categories.push_back(display.empty() ? coding["code"].Str() : display);
      }
    }
    const std::string out = text.empty() ? JoinNonEmpty(categories, ", ") : text;
    if (!out.empty()) return out;
  }
  return "";
}

std::string ReligionText(JsonView patient) {
  std::vector<std::string> parts;
  for (JsonView extension : patient["extension"]) {
    if (extension["url"].Str() == fhir_systems::kReligionUrl) {
      parts.push_back(ConceptText(extension["valueCodeableConcept"]));
    }
  }
  return JoinNonEmpty(parts, ", ");
}

// The home address, else the first one not marked old.
std::string CurrentAddress(JsonView patient) {
  JsonView chosen;
  for (JsonView address : patient["address"]) {
    const std::string use = address["use"].Str();
    if (use == "home") return AddressLine(address);
    if (chosen.empty() && use != "old" && address.IsObject()) chosen = address;
  }
  return chosen.empty() ? "" : AddressLine(chosen);
}

bool HasRole(JsonView contact, const std::string& role) {
  for (JsonView relationship : contact["relationship"]) {
    for (JsonView coding : relationship["coding"]) {
      if (coding["system"].Str() == fhir_systems::kContactRole && coding["code"].Str() == role) {
        return true;
      }
    }
  }
  return false;
}

// Every contact in the role (v2-0131 N next of kin, C emergency contact), " | " between them.
std::string ContactsText(JsonView patient, const std::string& role) {
  std::vector<std::string> contacts;
  for (JsonView contact : patient["contact"]) {
    if (!HasRole(contact, role)) continue;
    contacts.push_back(JoinNonEmpty({NameText(contact["name"]), AddressLine(contact["address"]),
                                     TelecomText(contact["telecom"], "phone")},
                                    kDash));
  }
  return JoinNonEmpty(contacts, " | ");
}

std::string CurrentText(const std::string& field, JsonView patient) {
  if (field == "marital_status") return MaritalText(patient["maritalStatus"]);
  if (field == "race") return RaceText(patient);
  if (field == "religion") return ReligionText(patient);
  if (field == "address") return CurrentAddress(patient);
  if (field == "phone_numbers") return TelecomText(patient["telecom"], "phone");
  if (field == "email") return TelecomText(patient["telecom"], "email");
  return ContactsText(patient, ContactRole(field));
}

// --- Proposed values from the Task -------------------------------------------------------

std::string ValueText(const std::string& field, const ProposedValue& v) {
  const JsonView value(v.value);
  if (field == "marital_status") return MaritalText(value);
  if (field == "race" || field == "religion") return ConceptText(value);
  if (v.part == "name") return NameText(value);
  if (field == "address" || v.part == "address") return AddressLine(value);
  if (field == "email") return value["value"].Str();
  return PhoneText(value);
}

std::string ProposedText(const std::string& field,
                         const std::vector<const ProposedValue*>& values) {
  if (ContactRole(field).empty()) {
    std::vector<std::string> parts;
    for (const ProposedValue* v : values) parts.push_back(ValueText(field, *v));
    return JoinNonEmpty(parts, "; ");
  }
  std::vector<std::string> name, address, phones;
  for (const ProposedValue* v : values) {
    auto& parts = v->part == "name" ? name : v->part == "address" ? address : phones;
    parts.push_back(ValueText(field, *v));
  }
  return JoinNonEmpty(
      {JoinNonEmpty(name, " "), JoinNonEmpty(address, "; "), JoinNonEmpty(phones, "; ")}, kDash);
}

}  // namespace

Status CompareProfile(const PortalConfig& config, std::string_view patient_json,
                      const ParsedDocument& task, std::vector<ProfileRow>* rows) {
  ProfileChange change;
  PORTAL_RETURN_IF_ERROR(GroupProposedFields(config, task, &change));
  std::string unavailable;
  nlohmann::json patient;
  if (patient_json.empty()) {
    unavailable = "(record unavailable)";
  } else if (!ParseJson(patient_json, &patient) ||
             JsonView(patient)["resourceType"].Str() != "Patient") {
    unavailable = "(record unreadable)";
  }
  rows->clear();
  for (const auto& f : config.profile_fields) {
    const auto it = change.values.find(f.id);
    if (it == change.values.end()) continue;
    std::string current = unavailable.empty() ? CurrentText(f.id, JsonView(patient)) : unavailable;
    rows->push_back({f.id, f.label, current.empty() ? kNoneOnRecord : std::move(current),
                     ProposedText(f.id, it->second)});
  }
  return Status::Ok();
}

Status CompareProfile(const PortalConfig& config, std::string_view patient_json,
                      std::string_view task_json, std::vector<ProfileRow>* rows) {
  ParsedDocument task;
  PORTAL_RETURN_IF_ERROR(ReadDocument(ItemKind::kProfileChange, task_json, &task));
  return CompareProfile(config, patient_json, task, rows);
}

}  // namespace portal
