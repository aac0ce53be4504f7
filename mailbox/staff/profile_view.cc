#include "mailbox/staff/profile_view.h"

#include <algorithm>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/fhir_time.h"
#include "mailbox/common/fhir_systems.h"

namespace portal {

namespace {

using json = nlohmann::json;

constexpr char kNoneOnRecord[] = "(none on record)";
constexpr char kDash[] = " \xe2\x80\x94 ";  // " — " between a contact's name, address, phones.

// Lookups that never throw: anything missing or of the wrong type reads as null or [].
const json& Get(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

const json& Items(const json& array) {
  static const json kEmpty = json::array();
  return array.is_array() ? array : kEmpty;
}

const json& At(const json& array, size_t index) {
  static const json kNull;
  return array.is_array() && index < array.size() ? array[index] : kNull;
}

std::string Str(const json& value) {
  return value.is_string() ? value.get_ref<const std::string&>() : std::string();
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

const json& FirstCoding(const json& codeable) { return At(Get(codeable, "coding"), 0); }

// --- The change Task ---------------------------------------------------------------------

// The value[x] each profile input carries, by input code.
const char* ValueKey(std::string_view code) {
  static const std::pair<std::string_view, const char*> kKeys[] = {
      {"marital_status", "valueCodeableConcept"},
      {"race", "valueCodeableConcept"},
      {"religion", "valueCodeableConcept"},
      {"address", "valueAddress"},
      {"phone_numbers", "valueContactPoint"},
      {"email", "valueContactPoint"},
      {"next_of_kin.name", "valueHumanName"},
      {"next_of_kin.address", "valueAddress"},
      {"next_of_kin.phone", "valueContactPoint"},
      {"person_to_notify.name", "valueHumanName"},
      {"person_to_notify.address", "valueAddress"},
      {"person_to_notify.phone", "valueContactPoint"}};
  for (const auto& [known, key] : kKeys) {
    if (code == known) return key;
  }
  return nullptr;
}

struct TaskInput {
  std::string part;   // "" for a whole field, else "name", "address" or "phone".
  const json* value;  // The input's value[x], an object.
};

struct ChangeTask {
  json doc;
  std::map<std::string, std::vector<TaskInput>> inputs;  // By config field id.
  std::vector<std::string> fields;                       // Proposed field ids, config order.
};

bool IsProfileField(const PortalConfig& config, const std::string& id) {
  return std::any_of(config.profile_fields.begin(), config.profile_fields.end(),
                     [&](const PortalConfig::ProfileField& f) { return f.id == id; });
}

Status ReadInput(const PortalConfig& config, const json& input, size_t index, ChangeTask* task) {
  const json& coding = FirstCoding(Get(input, "type"));
  if (Str(Get(coding, "system")) != fhir_systems::kProfileField) return Status::Ok();  // Transport.
  const std::string code = Str(Get(coding, "code"));
  const std::string where = "change Task input " + std::to_string(index);
  const char* key = ValueKey(code);
  if (key == nullptr) {
    return Status::InvalidInput(where + ": unknown profile field \"" + code + "\"");
  }
  const json& value = Get(input, key);
  if (!value.is_object() || value.empty()) {
    return Status::InvalidInput(where + " (" + code + "): no " + key);
  }
  const size_t dot = code.find('.');
  const std::string field = code.substr(0, dot);
  if (!IsProfileField(config, field)) {
    return Status::InvalidInput(where + ": \"" + field + "\" is not a profile field in the config");
  }
  task->inputs[field].push_back({dot == std::string::npos ? "" : code.substr(dot + 1), &value});
  return Status::Ok();
}

Status ReadChangeTask(const PortalConfig& config, std::string_view task_json, ChangeTask* task) {
  task->doc = json::parse(task_json, nullptr, /*allow_exceptions=*/false);
  const json& doc = task->doc;
  if (!doc.is_object() || Str(Get(doc, "resourceType")) != "Task") {
    return Status::InvalidInput("change Task: not a FHIR Task resource");
  }
  if (Str(Get(FirstCoding(Get(doc, "code")), "code")) != "change") {
    return Status::InvalidInput("change Task: code is not \"change\"");
  }
  const json& inputs = Get(doc, "input");
  if (!inputs.is_null() && !inputs.is_array()) {
    return Status::InvalidInput("change Task: input is not a list");
  }
  for (size_t i = 0; i < Items(inputs).size(); ++i) {
    PORTAL_RETURN_IF_ERROR(ReadInput(config, inputs[i], i, task));
  }
  for (const auto& f : config.profile_fields) {
    if (task->inputs.count(f.id)) task->fields.push_back(f.id);
  }
  return Status::Ok();
}

// --- Readable text -----------------------------------------------------------------------

// The display of FHIR R4's marital-status value set (HL7 v3 MaritalStatus and NullFlavor UNK).
std::string MaritalDisplay(const std::string& system, const std::string& code) {
  static const std::pair<std::string_view, const char*> kDisplays[] = {
      {"A", "Annulled"},          {"C", "Common Law"}, {"D", "Divorced"},   {"I", "Interlocutory"},
      {"L", "Legally Separated"}, {"M", "Married"},    {"P", "Polygamous"}, {"S", "Never Married"},
      {"T", "Domestic partner"},  {"U", "unmarried"},  {"W", "Widowed"}};
  if (system == fhir_systems::kNullFlavor) return code == "UNK" ? "unknown" : "";
  if (system != fhir_systems::kMaritalStatus) return "";
  for (const auto& [known, display] : kDisplays) {
    if (code == known) return display;
  }
  return "";
}

// "Married (M)"; the codeable's text when it has no coded value.
std::string MaritalText(const json& codeable) {
  const json& coding = FirstCoding(codeable);
  const std::string code = Str(Get(coding, "code"));
  if (code.empty()) return Str(Get(codeable, "text"));
  std::string display = Str(Get(coding, "display"));
  if (display.empty()) display = MaritalDisplay(Str(Get(coding, "system")), code);
  return display.empty() ? code : display + " (" + code + ")";
}

// The text, else the codings' displays (else codes).
std::string ConceptText(const json& codeable) {
  const std::string text = Str(Get(codeable, "text"));
  if (!text.empty()) return text;
  std::vector<std::string> parts;
  for (const json& coding : Items(Get(codeable, "coding"))) {
    const std::string display = Str(Get(coding, "display"));
    parts.push_back(display.empty() ? Str(Get(coding, "code")) : display);
  }
  return Join(parts, ", ");
}

// "12 Main St, Apt 3, Norwich, CT 06360, USA"; the address's text when it has no parts.
std::string AddressLine(const json& address) {
  std::vector<std::string> parts;
  for (const json& line : Items(Get(address, "line"))) parts.push_back(Str(line));
  parts.push_back(Str(Get(address, "city")));
  parts.push_back(Join({Str(Get(address, "state")), Str(Get(address, "postalCode"))}, " "));
  parts.push_back(Str(Get(address, "country")));
  const std::string line = Join(parts, ", ");
  return line.empty() ? Str(Get(address, "text")) : line;
}

// "mobile 860 555 0199"; the bare number when it has no use.
std::string PhoneText(const json& point) {
  return Join({Str(Get(point, "use")), Str(Get(point, "value"))}, " ");
}

std::string NameText(const json& name) {
  const std::string text = Str(Get(name, "text"));
  if (!text.empty()) return text;
  std::vector<std::string> parts;
  for (const json& given : Items(Get(name, "given"))) parts.push_back(Str(given));
  parts.push_back(Str(Get(name, "family")));
  return Join(parts, " ");
}

// Phones "home 860 555 0100; mobile …" or e-mail addresses "a@example.org; …".
std::string TelecomText(const json& telecom, const std::string& system) {
  std::vector<std::string> parts;
  for (const json& point : Items(telecom)) {
    if (Str(Get(point, "system")) != system) continue;
    parts.push_back(system == "phone" ? PhoneText(point) : Str(Get(point, "value")));
  }
  return Join(parts, "; ");
}

// --- Current values from the Patient -----------------------------------------------------

std::string RaceText(const json& patient) {
  for (const json& extension : Items(Get(patient, "extension"))) {
    if (Str(Get(extension, "url")) != fhir_systems::kRaceUrl) continue;
    std::string text;
    std::vector<std::string> categories;
    for (const json& part : Items(Get(extension, "extension"))) {
      const std::string url = Str(Get(part, "url"));
      if (url == "text") text = Str(Get(part, "valueString"));
      if (url == "ombCategory") {
        const json& coding = Get(part, "valueCoding");
        const std::string display = Str(Get(coding, "display"));
        categories.push_back(display.empty() ? Str(Get(coding, "code")) : display);
      }
    }
    const std::string out = text.empty() ? Join(categories, ", ") : text;
    if (!out.empty()) return out;
  }
  return "";
}

std::string ReligionText(const json& patient) {
  std::vector<std::string> parts;
  for (const json& extension : Items(Get(patient, "extension"))) {
    if (Str(Get(extension, "url")) == fhir_systems::kReligionUrl) {
      parts.push_back(ConceptText(Get(extension, "valueCodeableConcept")));
    }
  }
  return Join(parts, ", ");
}

// The home address, else the first one not marked old.
std::string CurrentAddress(const json& patient) {
  const json* chosen = nullptr;
  for (const json& address : Items(Get(patient, "address"))) {
    const std::string use = Str(Get(address, "use"));
    if (use == "home") return AddressLine(address);
    if (chosen == nullptr && use != "old" && address.is_object()) chosen = &address;
  }
  return chosen == nullptr ? "" : AddressLine(*chosen);
}

bool HasRole(const json& contact, const std::string& role) {
  for (const json& relationship : Items(Get(contact, "relationship"))) {
    for (const json& coding : Items(Get(relationship, "coding"))) {
      if (Str(Get(coding, "system")) == fhir_systems::kContactRole &&
          Str(Get(coding, "code")) == role) {
        return true;
      }
    }
  }
  return false;
}

// Every contact in the role (v2-0131 N next of kin, C emergency contact), " | " between them.
std::string ContactsText(const json& patient, const std::string& role) {
  std::vector<std::string> contacts;
  for (const json& contact : Items(Get(patient, "contact"))) {
    if (!HasRole(contact, role)) continue;
    contacts.push_back(Join({NameText(Get(contact, "name")), AddressLine(Get(contact, "address")),
                             TelecomText(Get(contact, "telecom"), "phone")},
                            kDash));
  }
  return Join(contacts, " | ");
}

std::string ContactRole(const std::string& field) {
  return field == "next_of_kin" ? "N" : field == "person_to_notify" ? "C" : "";
}

std::string CurrentText(const std::string& field, const json& patient) {
  if (field == "marital_status") return MaritalText(Get(patient, "maritalStatus"));
  if (field == "race") return RaceText(patient);
  if (field == "religion") return ReligionText(patient);
  if (field == "address") return CurrentAddress(patient);
  if (field == "phone_numbers") return TelecomText(Get(patient, "telecom"), "phone");
  if (field == "email") return TelecomText(Get(patient, "telecom"), "email");
  return ContactsText(patient, ContactRole(field));
}

// --- Proposed values from the Task -------------------------------------------------------

std::string InputText(const std::string& field, const TaskInput& input) {
  const json& value = *input.value;
  if (field == "marital_status") return MaritalText(value);
  if (field == "race" || field == "religion") return ConceptText(value);
  if (input.part == "name") return NameText(value);
  if (field == "address" || input.part == "address") return AddressLine(value);
  if (field == "email") return Str(Get(value, "value"));
  return PhoneText(value);
}

std::string ProposedText(const std::string& field, const std::vector<TaskInput>& inputs) {
  if (ContactRole(field).empty()) {
    std::vector<std::string> parts;
    for (const auto& input : inputs) parts.push_back(InputText(field, input));
    return Join(parts, "; ");
  }
  std::vector<std::string> name, address, phones;
  for (const auto& input : inputs) {
    auto& parts = input.part == "name" ? name : input.part == "address" ? address : phones;
    parts.push_back(InputText(field, input));
  }
  return Join({Join(name, " "), Join(address, "; "), Join(phones, "; ")}, kDash);
}

// --- The export --------------------------------------------------------------------------

json Coding(const char* system, const std::string& code, const std::string& display) {
  json coding = {{"system", system}, {"code", code}};
  if (!display.empty()) coding["display"] = display;
  return coding;
}

// The proposed codeable, its coding given the value set's display.
json MaritalStatus(const json& proposed) {
  json codeable = proposed;
  const json& coding = FirstCoding(proposed);
  const std::string display = MaritalDisplay(Str(Get(coding, "system")), Str(Get(coding, "code")));
  if (!display.empty() && !coding.contains("display")) codeable["coding"][0]["display"] = display;
  return codeable;
}

json RaceExtension(const json& proposed) {
  return {{"url", fhir_systems::kRaceUrl},
          {"extension", json::array({{{"url", "text"}, {"valueString", ConceptText(proposed)}}})}};
}

json ContactEntry(const std::string& field, const std::vector<TaskInput>& inputs) {
  const std::string role = ContactRole(field);
  json contact = {
      {"relationship",
       json::array({{{"coding", json::array({Coding(
                                    fhir_systems::kContactRole, role,
                                    role == "N" ? "Next-of-Kin" : "Emergency Contact")})}}})}};
  for (const auto& input : inputs) {
    if (input.part == "phone") {
      contact["telecom"].push_back(*input.value);
    } else {
      contact[input.part] = *input.value;
    }
  }
  return contact;
}

Status AddElement(const std::string& field, const std::vector<TaskInput>& inputs, json* patient) {
  json& p = *patient;
  const json& first = *inputs.front().value;
  if (field == "marital_status") p["maritalStatus"] = MaritalStatus(first);
  if (field == "race") {
    // US Core requires the race extension's text.
    if (ConceptText(first).empty()) return Status::InvalidInput("change Task: race has no text");
    p["extension"].push_back(RaceExtension(first));
  }
  if (field == "religion") {
    p["extension"].push_back(
        {{"url", fhir_systems::kReligionUrl}, {"valueCodeableConcept", first}});
  }
  if (field == "address") p["address"] = json::array({first});
  if (field == "phone_numbers" || field == "email") {
    for (const auto& input : inputs) p["telecom"].push_back(*input.value);
  }
  if (!ContactRole(field).empty()) p["contact"].push_back(ContactEntry(field, inputs));
  return Status::Ok();
}

// The Patient the Task's focus names: its resource id (when known) and MRN identifier.
Status PatientShell(const json& task, json* patient) {
  const json& focus = Get(task, "focus");
  const std::string reference = Str(Get(focus, "reference"));
  const json& identifier = Get(focus, "identifier");
  *patient = {{"resourceType", "Patient"}};
  if (!reference.empty()) {
    if (!reference.starts_with("Patient/") || reference.size() == 8) {
      return Status::InvalidInput("change Task: focus is not a Patient reference");
    }
    (*patient)["id"] = reference.substr(8);
  }
  if (identifier.is_object()) (*patient)["identifier"] = json::array({identifier});
  if (reference.empty() && !identifier.is_object()) {
    return Status::InvalidInput("change Task: focus names no Patient");
  }
  return Status::Ok();
}

bool IsTransport(const json& input) {
  const json& coding = FirstCoding(Get(input, "type"));
  const std::string code = Str(Get(coding, "code"));
  return Str(Get(coding, "system")) == fhir_systems::kTaskInput &&
         (code == "signed-request" || code == "request-signature");
}

std::string OrNone(const std::vector<std::string>& ids) {
  return ids.empty() ? "none" : Join(ids, ", ");
}

json CompletedTask(const ChangeTask& task, const std::set<std::string>& accepted,
                   const std::string& staff_fingerprint, int64_t now) {
  json out = task.doc;
  std::vector<std::string> yes, no;
  json outputs = json::array();
  for (const auto& field : task.fields) {
    const bool ok = accepted.count(field) > 0;
    (ok ? yes : no).push_back(field);
    outputs.push_back(
        {{"type",
          {{"coding", json::array({{{"system", fhir_systems::kProfileField}, {"code", field}}})}}},
         {"valueCode", ok ? "accepted" : "rejected"}});
  }
  json inputs = json::array();
  for (const json& input : Items(Get(task.doc, "input"))) {
    if (!IsTransport(input)) inputs.push_back(input);
  }
  out["status"] = "completed";
  out["lastModified"] = FormatInstant(now);
  out["businessStatus"] = {{"text", "accepted: " + OrNone(yes) + "; rejected: " + OrNone(no)}};
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

Status CompareProfile(const PortalConfig& config, std::string_view patient_json,
                      std::string_view task_json, std::vector<ProfileRow>* rows) {
  ChangeTask task;
  PORTAL_RETURN_IF_ERROR(ReadChangeTask(config, task_json, &task));
  std::string unavailable;
  json patient;
  if (patient_json.empty()) {
    unavailable = "(record unavailable)";
  } else {
    patient = json::parse(patient_json, nullptr, /*allow_exceptions=*/false);
    if (!patient.is_object() || Str(Get(patient, "resourceType")) != "Patient") {
      unavailable = "(record unreadable)";
    }
  }
  rows->clear();
  for (const auto& f : config.profile_fields) {
    const auto it = task.inputs.find(f.id);
    if (it == task.inputs.end()) continue;
    std::string current = unavailable.empty() ? CurrentText(f.id, patient) : unavailable;
    rows->push_back({f.id, f.label, current.empty() ? kNoneOnRecord : std::move(current),
                     ProposedText(f.id, it->second)});
  }
  return Status::Ok();
}

Status BuildChangeExport(const PortalConfig& config, std::string_view task_json,
                         const std::set<std::string>& accepted_fields,
                         const std::string& staff_fingerprint, int64_t now, std::string* ndjson) {
  ChangeTask task;
  PORTAL_RETURN_IF_ERROR(ReadChangeTask(config, task_json, &task));
  for (const auto& id : accepted_fields) {
    if (!task.inputs.count(id)) {
      return Status::InvalidInput("accepted field \"" + id +
                                  "\" is not among the fields this change request proposes");
    }
  }
  json patient;
  PORTAL_RETURN_IF_ERROR(PatientShell(task.doc, &patient));
  for (const auto& field : task.fields) {
    if (accepted_fields.count(field)) {
      PORTAL_RETURN_IF_ERROR(AddElement(field, task.inputs.at(field), &patient));
    }
  }
  *ndjson = Line(CompletedTask(task, accepted_fields, staff_fingerprint, now));
  if (!accepted_fields.empty()) *ndjson += Line(patient);
  return Status::Ok();
}

}  // namespace portal
