#include "mailbox/common/fhir_document_reader.h"

#include <utility>

#include "core/base64.h"
#include "mailbox/common/fhir_systems.h"

namespace portal {

namespace {

constexpr char kMessage[] = "message";
constexpr char kChangeTask[] = "change Task";

// The value[x] each profile input carries, by its code, as BuildChangeTask writes them.
const char* ValueType(std::string_view code) {
  static const std::pair<std::string_view, const char*> kTypes[] = {
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
  for (const auto& [known, type] : kTypes) {
    if (code == known) return type;
  }
  return nullptr;
}

Status Malformed(const std::string& where, const std::string& what) {
  return Status::InvalidInput(where + ": " + what);
}

// The first coding of `codeable` in `system`; empty when there is none.
JsonView CodingIn(JsonView codeable, std::string_view system) {
  for (JsonView coding : codeable["coding"]) {
    if (coding["system"].Str() == system) return coding;
  }
  return JsonView();
}

// An optional string: "" when absent, an error when present but not a string.
Status OptionalString(JsonView value, const std::string& where, const std::string& name,
                      std::string* out) {
  if (value.empty()) return Status::Ok();
  if (!value.IsString()) return Malformed(where, name + " is not a string");
  *out = value.Str();
  return Status::Ok();
}

// A reference to the patient: "Patient/<id>" and/or an identifier. `required`: absent is an
// error too.
Status ReadPatient(JsonView ref, const std::string& where, const std::string& name, bool required,
                   DocumentPatient* out) {
  if (ref.empty() && !required) return Status::Ok();
  if (!ref.IsObject()) return Malformed(where, name + " names no Patient");
  const JsonView reference = ref["reference"];
  if (!reference.empty()) {
    const std::string text = reference.Str();
    if (!text.starts_with("Patient/") || text.size() == 8) {
      return Malformed(where, name + " is not a Patient reference");
    }
    out->reference = text;
  }
  const JsonView identifier = ref["identifier"];
  if (!identifier.empty()) {
    if (!identifier.IsObject()) return Malformed(where, name + ".identifier is not an object");
    PORTAL_RETURN_IF_ERROR(
        OptionalString(identifier["value"], where, name + ".identifier.value", &out->mrn));
    out->identifier = identifier.json();
  }
  if (reference.empty() && identifier.empty()) return Malformed(where, name + " names no Patient");
  return Status::Ok();
}

// The contained resource `reference` ("#<id>") names, of type `type`.
Status ContainedResource(JsonView doc, const std::string& reference, const char* type,
                         const std::string& where, const std::string& name, JsonView* out) {
  const std::string id = reference.substr(1);
  for (JsonView contained : doc["contained"]) {
    if (contained["id"].Str() != id) continue;
    if (contained["resourceType"].Str() != type) {
      return Malformed(where, name + " is not a " + type);
    }
    *out = contained;
    return Status::Ok();
  }
  return Malformed(where, name + " names no contained resource");
}

// Communication.sender, Task.requester: the patient (nothing to read: the subject or focus names
// them), or "#<id>" naming a contained RelatedPerson with the proxy's key as its identifier.
Status ReadSender(JsonView doc, const char* field, const std::string& where, SendingProxy* out) {
  const JsonView reference = doc[field]["reference"];
  if (!reference.IsString() || !reference.Str().starts_with("#")) return Status::Ok();
  JsonView person;
  PORTAL_RETURN_IF_ERROR(
      ContainedResource(doc, reference.Str(), "RelatedPerson", where, field, &person));
  for (JsonView identifier : person["identifier"]) {
    if (identifier["system"].Str() == fhir_systems::kProxyKey) {
      out->fingerprint = identifier["value"].Str();
    }
  }
  if (out->fingerprint.empty()) {
    return Malformed(where, std::string(field) + " RelatedPerson has no proxy key identifier");
  }
  const JsonView names = person["name"];
  if (names.IsArray() && names.size() > 0) {
    PORTAL_RETURN_IF_ERROR(
        OptionalString(names[0]["text"], where, "RelatedPerson name", &out->label));
  }
  out->present = true;
  return Status::Ok();
}

// An attachment's bytes; an error for a second one of the same name, or data not base64.
Status ReadAttachment(JsonView attachment, const std::string& where, const std::string& name,
                      std::string* out, bool* seen) {
  if (*seen) return Malformed(where, "two " + name + "s");
  *seen = true;
  const JsonView data = attachment["data"];
  if (!data.IsString() || !Base64Decode(data.Str(), out)) {
    return Malformed(where, name + " is not base64 data");
  }
  return Status::Ok();
}

// --- Communication ---------------------------------------------------------------------------

struct Seen {
  bool body = false;
  bool request = false;
  bool signature = false;
};

Status ReadPayloadPart(JsonView part, size_t index, ParsedDocument* out, Seen* seen) {
  const std::string where = std::string(kMessage) + " payload " + std::to_string(index);
  const JsonView text = part["contentString"];
  if (!text.empty()) {
    if (!text.IsString()) return Malformed(where, "contentString is not a string");
    if (seen->body) return Malformed(kMessage, "two texts in the payload");
    seen->body = true;
    out->body = text.Str();
    return Status::Ok();
  }
  const JsonView attachment = part["contentAttachment"];
  const std::string type = attachment["contentType"].Str();
  if (type == "application/json") {
    return ReadAttachment(attachment, where, "signed request", &out->signed_request,
                          &seen->request);
  }
  if (type == "application/pgp-signature") {
    return ReadAttachment(attachment, where, "request signature", &out->request_signature,
                          &seen->signature);
  }
  return Status::Ok();  // Nothing the writer puts there; passed over.
}

Status ReadCommunication(ParsedDocument* out) {
  const JsonView doc(out->resource);
  PORTAL_RETURN_IF_ERROR(ReadPatient(doc["subject"], kMessage, "subject", true, &out->patient));
  PORTAL_RETURN_IF_ERROR(ReadSender(doc, "sender", kMessage, &out->proxy));
  for (JsonView recipient : doc["recipient"]) {
    const JsonView identifier = recipient["identifier"];
    if (identifier["system"].Str() == fhir_systems::kProvider) {
      out->provider = identifier["value"].Str();
    }
  }
  const JsonView topic = doc["topic"];
  if (!topic.empty() && !topic.IsObject()) return Malformed(kMessage, "topic is not an object");
  PORTAL_RETURN_IF_ERROR(OptionalString(topic["text"], kMessage, "topic.text", &out->subject));
  PORTAL_RETURN_IF_ERROR(OptionalString(doc["sent"], kMessage, "sent", &out->sent));
  const JsonView payload = doc["payload"];
  if (!payload.IsArray()) return Malformed(kMessage, "payload is not a list");
  Seen seen;
  for (size_t i = 0; i < payload.size(); ++i) {
    PORTAL_RETURN_IF_ERROR(ReadPayloadPart(payload[i], i, out, &seen));
  }
  if (!seen.body) return Malformed(kMessage, "no text in the payload");
  return Status::Ok();
}

// --- Task ------------------------------------------------------------------------------------

bool IsChangeTask(JsonView doc) {
  for (JsonView coding : doc["code"]["coding"]) {
    const JsonView system = coding["system"];
    if (coding["code"].Str() == "change" &&
        (system.empty() || system.Str() == fhir_systems::kTaskCode)) {
      return true;
    }
  }
  return false;
}

Status ReadProposedValue(JsonView input, JsonView coding, size_t index, ParsedDocument* out) {
  const std::string where = std::string(kChangeTask) + " input " + std::to_string(index);
  ProposedValue v;
  v.input = index;
  v.code = coding["code"].Str();
  const char* type = ValueType(v.code);
  if (type == nullptr) {
    return Status::InvalidInput(where + ": unknown profile field \"" + v.code + "\"");
  }
  const JsonView value = input[type];
  if (!value.IsObject() || value.json().empty()) {
    return Status::InvalidInput(where + " (" + v.code + "): no " + type);
  }
  const size_t dot = v.code.find('.');
  v.field = v.code.substr(0, dot);
  v.part = dot == std::string::npos ? "" : v.code.substr(dot + 1);
  v.value_type = type;
  v.value = value.json();
  out->proposed.push_back(std::move(v));
  return Status::Ok();
}

Status ReadTransport(JsonView input, JsonView coding, size_t index, ParsedDocument* out,
                     Seen* seen) {
  const std::string where = std::string(kChangeTask) + " input " + std::to_string(index);
  const std::string code = coding["code"].Str();
  if (code == "signed-request") {
    return ReadAttachment(input["valueAttachment"], where, "signed request", &out->signed_request,
                          &seen->request);
  }
  if (code == "request-signature") {
    return ReadAttachment(input["valueAttachment"], where, "request signature",
                          &out->request_signature, &seen->signature);
  }
  return Status::Ok();
}

Status ReadChangeTask(ParsedDocument* out) {
  const JsonView doc(out->resource);
  if (!IsChangeTask(doc)) return Malformed(kChangeTask, "code is not \"change\"");
  const JsonView inputs = doc["input"];
  if (!inputs.json().is_null() && !inputs.IsArray()) {
    return Malformed(kChangeTask, "input is not a list");
  }
  Seen seen;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const JsonView input = inputs[i];
    const JsonView field = CodingIn(input["type"], fhir_systems::kProfileField);
    const JsonView transport = CodingIn(input["type"], fhir_systems::kTaskInput);
    if (!field.empty()) {
      PORTAL_RETURN_IF_ERROR(ReadProposedValue(input, field, i, out));
    } else if (!transport.empty()) {
      PORTAL_RETURN_IF_ERROR(ReadTransport(input, transport, i, out, &seen));
    }
  }
  PORTAL_RETURN_IF_ERROR(ReadPatient(doc["focus"], kChangeTask, "focus", true, &out->focus));
  PORTAL_RETURN_IF_ERROR(ReadSender(doc, "requester", kChangeTask, &out->proxy));
  return ReadPatient(doc["for"], kChangeTask, "for", false, &out->patient);
}

}  // namespace

std::string DocumentPatient::PatientId() const {
  return reference.starts_with("Patient/") ? reference.substr(8) : "";
}

Status ReadDocument(ItemKind kind, std::string_view json_text, ParsedDocument* out) {
  *out = ParsedDocument();
  out->kind = kind;
  const bool message = kind == ItemKind::kMessage;
  const std::string type = message ? "Communication" : "Task";
  if (!ParseJson(json_text, &out->resource) ||
      JsonView(out->resource)["resourceType"].Str() != type) {
    return Malformed(message ? kMessage : kChangeTask, "not a FHIR " + type + " resource");
  }
  const JsonView id = JsonView(out->resource)["id"];
  if (!id.empty() && !id.IsString()) {
    return Malformed(message ? kMessage : kChangeTask, "id is not a string");
  }
  out->receipt = id.Str();
  return message ? ReadCommunication(out) : ReadChangeTask(out);
}

Status ReadRowDocument(std::string_view receipt, ItemKind kind, std::string_view provider,
                       std::string_view json_text, ParsedDocument* out) {
  const Status moved = Status::InvalidInput("the document in queue row " + std::string(receipt) +
                                            " belongs to another row; it was moved or copied");
  // The kind first: a message copied into a Task's row is that, not a malformed Task.
  nlohmann::json probe;
  if (ParseJson(json_text, &probe)) {
    const std::string type = JsonView(probe)["resourceType"].Str();
    if ((type == "Communication" || type == "Task") &&
        (type == "Communication") != (kind == ItemKind::kMessage)) {
      return moved;
    }
  }
  PORTAL_RETURN_IF_ERROR(ReadDocument(kind, json_text, out));
  // Every document the daemon wrote has the receipt as its id and as a receipt identifier.
  bool identified = false;
  for (JsonView identifier : JsonView(out->resource)["identifier"]) {
    if (identifier["system"].Str() != fhir_systems::kReceipt) continue;
    if (identifier["value"].Str() != receipt) return moved;
    identified = true;
  }
  if (!identified || out->receipt != receipt) return moved;
  // A message's provider; a change request has none, in its row or in the Task.
  if (out->provider != provider) return moved;
  return Status::Ok();
}

bool IsTransportInput(JsonView input) {
  const std::string code = CodingIn(input["type"], fhir_systems::kTaskInput)["code"].Str();
  return code == "signed-request" || code == "request-signature";
}

}  // namespace portal
