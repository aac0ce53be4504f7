#include "mailbox/common/fhir_document.h"

#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "core/fhir_time.h"
#include "mailbox/common/fhir_systems.h"

namespace portal {

namespace {

using json = nlohmann::json;

// Every value comes from a parser that refused invalid UTF-8, so nothing is replaced in
// practice; were it ever, the signed request inside the document still holds the original.
std::string Dump(const json& resource) {
  return resource.dump(-1, ' ', false, json::error_handler_t::replace);
}

json ReceiptIdentifier(const DocumentContext& context) {
  return json::array({{{"system", fhir_systems::kReceipt}, {"value", context.receipt}}});
}

// The patient by resource id when known, and always by the MR-typed identifier.
json PatientReference(const PortalConfig& config, const DocumentContext& context) {
  json identifier = {
      {"type",
       {{"coding", json::array({{{"system", fhir_systems::kIdentifierType}, {"code", "MR"}}})}}},
      {"value", context.mrn}};
  if (!config.mrn.identifier_system.empty()) {
    identifier["system"] = config.mrn.identifier_system;
  }
  json reference = {{"identifier", identifier}};
  if (!context.patient_id.empty()) reference["reference"] = "Patient/" + context.patient_id;
  return reference;
}

json Attachment(const std::string& content_type, const std::string& bytes,
                const std::string& title) {
  return {{"contentType", content_type}, {"data", Base64Encode(bytes)}, {"title", title}};
}

json SignedRequest(const DocumentContext& context) {
  return Attachment("application/json", context.signed_request, "signed request");
}

json RequestSignature(const DocumentContext& context) {
  return Attachment("application/pgp-signature", context.request_signature,
                    "request signature by " + context.signer_fingerprint);
}

json ProviderRecipient(const PortalConfig& config, const std::string& provider) {
  json recipient = {{"identifier", {{"system", fhir_systems::kProvider}, {"value", provider}}}};
  for (const auto& p : config.providers) {
    if (p.id == provider) recipient["display"] = p.name;
  }
  return recipient;
}

// The id of the contained RelatedPerson a proxy's document names as its sender or requester.
constexpr char kProxyId[] = "proxy";

// Who sent it: the patient, or the proxy (a reference to the contained RelatedPerson).
json Sender(const DocumentContext& context, const json& patient) {
  if (!context.proxy) return patient;
  return {{"reference", std::string("#") + kProxyId}};
}

// A proxy's document holds the proxy as a RelatedPerson of the patient (identified by the pinned
// key, named by the link's label), and a Provenance saying the proxy wrote this resource
// ("#": the container) on behalf of the patient. Nothing for the patient's own.
void AddProxy(const DocumentContext& context, const json& patient, json* resource) {
  if (!context.proxy) return;
  json person = {
      {"resourceType", "RelatedPerson"},
      {"id", kProxyId},
      {"identifier",
       json::array({{{"system", fhir_systems::kProxyKey}, {"value", context.proxy->fingerprint}}})},
      {"patient", patient}};
  if (!context.proxy->label.empty()) {
    person["name"] = json::array({{{"text", context.proxy->label}}});
  }
  const json author = {{"system", fhir_systems::kProvenanceParticipant}, {"code", "author"}};
  const json provenance = {
      {"resourceType", "Provenance"},
      {"id", "sent-by-proxy"},
      {"target", json::array({{{"reference", "#"}}})},
      {"recorded", FormatInstant(context.received_at)},
      {"agent", json::array({{{"type", {{"coding", json::array({author})}}},
                              {"who", {{"reference", std::string("#") + kProxyId}}},
                              {"onBehalfOf", patient}}})}};
  (*resource)["contained"] = json::array({person, provenance});
}

// FHIR strings may not be empty: empty parts are left out.
json Address(const PostalAddress& address) {
  json out = {{"use", "home"}};
  if (!address.lines.empty()) out["line"] = address.lines;
  const std::pair<const char*, const std::string*> parts[] = {{"city", &address.city},
                                                              {"state", &address.state},
                                                              {"postalCode", &address.postal_code},
                                                              {"country", &address.country}};
  for (const auto& [name, value] : parts) {
    if (!value->empty()) out[name] = *value;
  }
  return out;
}

// ContactPoint.use has no "other"; such a number goes without a use.
json Phone(const PhoneNumber& phone) {
  json out = {{"system", "phone"}, {"value", phone.number}};
  if (phone.use == "home" || phone.use == "mobile" || phone.use == "work") out["use"] = phone.use;
  return out;
}

json MaritalStatus(const std::string& code) {
  const char* system = code == "UNK" ? fhir_systems::kNullFlavor : fhir_systems::kMaritalStatus;
  return {{"coding", json::array({{{"system", system}, {"code", code}}})}};
}

json Input(const char* system, const std::string& code, const char* value_type, json value) {
  return {{"type", {{"coding", json::array({{{"system", system}, {"code", code}}})}}},
          {value_type, std::move(value)}};
}

void AddField(const std::string& field, const char* value_type, json value, json* inputs) {
  inputs->push_back(Input(fhir_systems::kProfileField, field, value_type, std::move(value)));
}

void AddContactPerson(const std::string& field, const ContactPerson& person, json* inputs) {
  if (!person.name.empty()) {
    AddField(field + ".name", "valueHumanName", {{"text", person.name}}, inputs);
  }
  if (person.address) {
    AddField(field + ".address", "valueAddress", Address(*person.address), inputs);
  }
  for (const auto& phone : person.phones) {
    AddField(field + ".phone", "valueContactPoint", Phone(phone), inputs);
  }
}

// One input per proposed value, in the order of the FAQ's list of fields.
json ProfileInputs(const ProfileChanges& changes) {
  json inputs = json::array();
  if (changes.marital_status) {
    AddField("marital_status", "valueCodeableConcept", MaritalStatus(*changes.marital_status),
             &inputs);
  }
  if (changes.race) AddField("race", "valueCodeableConcept", {{"text", *changes.race}}, &inputs);
  if (changes.religion) {
    AddField("religion", "valueCodeableConcept", {{"text", *changes.religion}}, &inputs);
  }
  if (changes.address) AddField("address", "valueAddress", Address(*changes.address), &inputs);
  if (changes.phone_numbers) {
    for (const auto& phone : *changes.phone_numbers) {
      AddField("phone_numbers", "valueContactPoint", Phone(phone), &inputs);
    }
  }
  if (changes.email) {
    AddField("email", "valueContactPoint", {{"system", "email"}, {"value", *changes.email}},
             &inputs);
  }
  if (changes.next_of_kin) AddContactPerson("next_of_kin", *changes.next_of_kin, &inputs);
  if (changes.person_to_notify) {
    AddContactPerson("person_to_notify", *changes.person_to_notify, &inputs);
  }
  return inputs;
}

}  // namespace

std::string BuildCommunication(const PortalConfig& config, const DocumentContext& context,
                               const MessageRequest& message) {
  const json patient = PatientReference(config, context);
  json resource = {{"resourceType", "Communication"},
                   {"id", context.receipt},
                   {"identifier", ReceiptIdentifier(context)},
                   // Sent (by the patient or their proxy); the queue tracks its handling.
                   {"status", "completed"},
                   {"category", json::array({{{"text", "Patient portal message"}}})},
                   {"subject", patient},
                   {"sender", Sender(context, patient)},
                   {"recipient", json::array({ProviderRecipient(config, message.provider)})},
                   {"topic", {{"text", message.subject}}},
                   {"sent", FormatInstant(message.timestamp)},
                   {"received", FormatInstant(context.received_at)},
                   {"payload", json::array({{{"contentString", message.body}},
                                            {{"contentAttachment", SignedRequest(context)}},
                                            {{"contentAttachment", RequestSignature(context)}}})}};
  AddProxy(context, patient, &resource);
  return Dump(resource);
}

std::string BuildChangeTask(const PortalConfig& config, const DocumentContext& context,
                            const ProfileChangeRequest& request) {
  const json patient = PatientReference(config, context);
  json inputs = ProfileInputs(request.changes);
  inputs.push_back(
      Input(fhir_systems::kTaskInput, "signed-request", "valueAttachment", SignedRequest(context)));
  inputs.push_back(Input(fhir_systems::kTaskInput, "request-signature", "valueAttachment",
                         RequestSignature(context)));
  const json code = {{"system", fhir_systems::kTaskCode},
                     {"code", "change"},
                     {"display", "Change the focal resource"}};
  json resource = {{"resourceType", "Task"},
                   {"id", context.receipt},
                   {"identifier", ReceiptIdentifier(context)},
                   {"status", "received"},
                   {"intent", "proposal"},
                   {"code", {{"coding", json::array({code})}}},
                   {"focus", patient},
                   {"for", patient},
                   {"authoredOn", FormatInstant(request.timestamp)},
                   {"lastModified", FormatInstant(context.received_at)},
                   {"requester", Sender(context, patient)},
                   {"input", std::move(inputs)}};
  AddProxy(context, patient, &resource);
  return Dump(resource);
}

}  // namespace portal
