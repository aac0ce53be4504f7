#define BOOST_TEST_MODULE fhir_document_test
#include "mailbox/common/fhir_document.h"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <nlohmann/json.hpp>

#include "mailbox/common/fhir_document_reader.h"
#include "tests/test_util.h"

namespace portal {
namespace {

using json = nlohmann::json;

PortalConfig Config() {
  PortalConfig c;
  BOOST_REQUIRE(LoadConfig(testing::SourceDir() / "content" / "portal.toml", &c).ok());
  return c;
}

// The builder copies the signed bytes without reading them; the signature is binary.
const char kSignedMessage[] =
    R"({"version":1,"mrn":"M123456","to":"conncare","subject":"Refill question",)"
    R"("body":"Can my prescription be renewed?","nonce":"Zq3vW8x_Kp-20261126a",)"
    R"("timestamp":"2026-11-26T13:30:00Z"})";
const std::string kSignature("\x88\x75\x04\x00\x16\x0a\x00\x1d\xff\xfe", 10);

DocumentContext Context(const std::string& signed_request) {
  DocumentContext c;
  c.receipt = "5d41402abc4b2a76b9719d911017c592";
  c.patient_id = "pat-1";
  c.mrn = "M123456";
  c.received_at = 1795700000;  // 2026-11-26T13:33:20Z
  c.signer_fingerprint = "3F2A9C6B1D4E8F7A0B5C2D6E9F1A4B7C8D0E3F21";
  c.signed_request = signed_request;
  c.request_signature = kSignature;
  return c;
}

MessageRequest Message() {
  MessageRequest m;
  m.mrn = "M123456";
  m.provider = "conncare";
  m.subject = "Refill question";
  m.body = "Can my prescription be renewed?";
  m.nonce = "Zq3vW8x_Kp-20261126a";
  m.timestamp = 1795699800;  // 2026-11-26T13:30:00Z
  return m;
}

// Decoded with OpenSSL directly, not with the code under test.
std::string DecodeBase64(const std::string& text) {
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  BOOST_REQUIRE(n >= 0);
  const size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

json Parse(const std::string& document) {
  const json j = json::parse(document, nullptr, /*allow_exceptions=*/false);
  BOOST_REQUIRE(j.is_object());
  return j;
}

BOOST_AUTO_TEST_CASE(a_message_becomes_a_communication_to_the_provider) {
  const json actual = Parse(BuildCommunication(Config(), Context(kSignedMessage), Message()));
  const json expected = json::parse(R"({
    "resourceType": "Communication",
    "id": "5d41402abc4b2a76b9719d911017c592",
    "identifier": [{"system": "urn:portal:receipt", "value": "5d41402abc4b2a76b9719d911017c592"}],
    "status": "completed",
    "category": [{"text": "Patient portal message"}],
    "subject": {
      "reference": "Patient/pat-1",
      "identifier": {
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                             "code": "MR"}]},
        "value": "M123456"
      }
    },
    "sender": {
      "reference": "Patient/pat-1",
      "identifier": {
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                             "code": "MR"}]},
        "value": "M123456"
      }
    },
    "recipient": [{"identifier": {"system": "urn:portal:provider", "value": "conncare"},
                   "display": "ConnCare"}],
    "topic": {"text": "Refill question"},
    "sent": "2026-11-26T13:30:00Z",
    "received": "2026-11-26T13:33:20Z",
    "payload": [
      {"contentString": "Can my prescription be renewed?"},
      {"contentAttachment": {
        "contentType": "application/json",
        "data": "eyJ2ZXJzaW9uIjoxLCJtcm4iOiJNMTIzNDU2IiwidG8iOiJjb25uY2FyZSIsInN1YmplY3QiOiJSZWZpbGwgcXVlc3Rpb24iLCJib2R5IjoiQ2FuIG15IHByZXNjcmlwdGlvbiBiZSByZW5ld2VkPyIsIm5vbmNlIjoiWnEzdlc4eF9LcC0yMDI2MTEyNmEiLCJ0aW1lc3RhbXAiOiIyMDI2LTExLTI2VDEzOjMwOjAwWiJ9",
        "title": "signed request"}},
      {"contentAttachment": {
        "contentType": "application/pgp-signature",
        "data": "iHUEABYKAB3//g==",
        "title": "request signature by 3F2A9C6B1D4E8F7A0B5C2D6E9F1A4B7C8D0E3F21"}}
    ]
  })");
  BOOST_TEST(actual == expected, "actual: " << actual.dump(2));
  BOOST_TEST(DecodeBase64(actual["payload"][1]["contentAttachment"]["data"]) == kSignedMessage);
  BOOST_TEST(DecodeBase64(actual["payload"][2]["contentAttachment"]["data"]) == kSignature);
}

ProfileChangeRequest EveryChange() {
  ProfileChanges c;
  c.marital_status = "M";
  c.race = "Two or more races";
  c.religion = "Quaker";
  c.address = PostalAddress{{"12 Elm Street", "Apt 3"}, "Norwich", "CT", "06360", ""};
  c.phone_numbers = {{"home", "860 555-0100"}, {"other", "(860) 555-0199"}};
  c.email = "z@example.org";
  c.next_of_kin = ContactPerson{"Ada Zenwick",
                                PostalAddress{{"4 Oak Lane"}, "Mystic", "CT", "06355", "USA"},
                                {{"mobile", "+1 860 555 0111"}}};
  c.person_to_notify = ContactPerson{"Bo Zenwick", std::nullopt, {{"work", "860.555.0122"}}};
  ProfileChangeRequest r;
  r.mrn = "M123456";
  r.changes = c;
  r.nonce = "Zq3vW8x_Kp-20261126b";
  r.timestamp = 1795699800;
  return r;
}

BOOST_AUTO_TEST_CASE(a_profile_change_becomes_a_task_with_one_input_per_value) {
  const std::string signed_request = R"({"version":1,"mrn":"M123456"})";
  const json actual = Parse(BuildChangeTask(Config(), Context(signed_request), EveryChange()));
  const json expected = json::parse(R"({
    "resourceType": "Task",
    "id": "5d41402abc4b2a76b9719d911017c592",
    "identifier": [{"system": "urn:portal:receipt", "value": "5d41402abc4b2a76b9719d911017c592"}],
    "status": "received",
    "intent": "proposal",
    "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "change",
                         "display": "Change the focal resource"}]},
    "focus": {"reference": "Patient/pat-1", "identifier": {
      "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                           "code": "MR"}]},
      "value": "M123456"}},
    "for": {"reference": "Patient/pat-1", "identifier": {
      "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                           "code": "MR"}]},
      "value": "M123456"}},
    "requester": {"reference": "Patient/pat-1", "identifier": {
      "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                           "code": "MR"}]},
      "value": "M123456"}},
    "authoredOn": "2026-11-26T13:30:00Z",
    "lastModified": "2026-11-26T13:33:20Z",
    "input": [
      {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "marital_status"}]},
       "valueCodeableConcept": {"coding": [
         {"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": "M"}]}},
      {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "race"}]},
       "valueCodeableConcept": {"text": "Two or more races"}},
      {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "religion"}]},
       "valueCodeableConcept": {"text": "Quaker"}},
      {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "address"}]},
       "valueAddress": {"use": "home", "line": ["12 Elm Street", "Apt 3"], "city": "Norwich",
                        "state": "CT", "postalCode": "06360"}},
      {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "phone_numbers"}]},
       "valueContactPoint": {"system": "phone", "value": "860 555-0100", "use": "home"}},
      {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "phone_numbers"}]},
       "valueContactPoint": {"system": "phone", "value": "(860) 555-0199"}},
      {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "email"}]},
       "valueContactPoint": {"system": "email", "value": "z@example.org"}},
      {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "next_of_kin.name"}]},
       "valueHumanName": {"text": "Ada Zenwick"}},
      {"type": {"coding": [{"system": "urn:portal:profile-field",
                            "code": "next_of_kin.address"}]},
       "valueAddress": {"use": "home", "line": ["4 Oak Lane"], "city": "Mystic", "state": "CT",
                        "postalCode": "06355", "country": "USA"}},
      {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "next_of_kin.phone"}]},
       "valueContactPoint": {"system": "phone", "value": "+1 860 555 0111", "use": "mobile"}},
      {"type": {"coding": [{"system": "urn:portal:profile-field",
                            "code": "person_to_notify.name"}]},
       "valueHumanName": {"text": "Bo Zenwick"}},
      {"type": {"coding": [{"system": "urn:portal:profile-field",
                            "code": "person_to_notify.phone"}]},
       "valueContactPoint": {"system": "phone", "value": "860.555.0122", "use": "work"}},
      {"type": {"coding": [{"system": "urn:portal:task-input", "code": "signed-request"}]},
       "valueAttachment": {"contentType": "application/json",
                           "data": "eyJ2ZXJzaW9uIjoxLCJtcm4iOiJNMTIzNDU2In0=",
                           "title": "signed request"}},
      {"type": {"coding": [{"system": "urn:portal:task-input", "code": "request-signature"}]},
       "valueAttachment": {"contentType": "application/pgp-signature",
                           "data": "iHUEABYKAB3//g==",
                           "title": "request signature by 3F2A9C6B1D4E8F7A0B5C2D6E9F1A4B7C8D0E3F21"}}
    ]
  })");
  BOOST_TEST(actual == expected, "actual: " << actual.dump(2));
  const json& inputs = actual["input"];
  BOOST_TEST(DecodeBase64(inputs[12]["valueAttachment"]["data"]) == signed_request);
  BOOST_TEST(DecodeBase64(inputs[13]["valueAttachment"]["data"]) == kSignature);
}

BOOST_AUTO_TEST_CASE(only_the_changes_sent_become_inputs_and_unk_is_a_null_flavor) {
  ProfileChangeRequest r;
  r.mrn = "M123456";
  r.changes.marital_status = "UNK";
  r.timestamp = 1795699800;
  const json actual = Parse(BuildChangeTask(Config(), Context("{}"), r));
  BOOST_TEST_REQUIRE(actual["input"].size() == 3u);
  BOOST_TEST(actual["input"][0] == json::parse(R"({
    "type": {"coding": [{"system": "urn:portal:profile-field", "code": "marital_status"}]},
    "valueCodeableConcept": {"coding": [
      {"system": "http://terminology.hl7.org/CodeSystem/v3-NullFlavor", "code": "UNK"}]}})"));
  BOOST_TEST(actual["input"][1]["type"]["coding"][0]["code"] == "signed-request");
  BOOST_TEST(actual["input"][2]["type"]["coding"][0]["code"] == "request-signature");
}

BOOST_AUTO_TEST_CASE(special_characters_survive_exactly) {
  const std::string tricky =
      "She said \"no\" & <b>left</b>\\ \n\ttab </script> Zo\xc3\xab \xe2\x82\xac "
      "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80";
  MessageRequest m = Message();
  m.subject = tricky;
  m.body = tricky + "\r\n" + tricky;
  const json communication = Parse(BuildCommunication(Config(), Context(tricky), m));
  BOOST_TEST(communication["topic"]["text"] == m.subject);
  BOOST_TEST(communication["payload"][0]["contentString"] == m.body);
  BOOST_TEST(DecodeBase64(communication["payload"][1]["contentAttachment"]["data"]) == tricky);

  ProfileChangeRequest r;
  r.mrn = "M123456";
  r.changes.religion = tricky;
  r.changes.address = PostalAddress{{tricky}, tricky, "CT", "06360", tricky};
  r.changes.next_of_kin = ContactPerson{tricky, std::nullopt, {}};
  const json task = Parse(BuildChangeTask(Config(), Context(tricky), r));
  BOOST_TEST(task["input"][0]["valueCodeableConcept"]["text"] == tricky);
  BOOST_TEST(task["input"][1]["valueAddress"]["line"][0] == tricky);
  BOOST_TEST(task["input"][1]["valueAddress"]["city"] == tricky);
  BOOST_TEST(task["input"][1]["valueAddress"]["country"] == tricky);
  BOOST_TEST(task["input"][2]["valueHumanName"]["text"] == tricky);
}

BOOST_AUTO_TEST_CASE(an_unknown_patient_id_leaves_the_identifier_alone) {
  DocumentContext context = Context(kSignedMessage);
  context.patient_id = "";
  const json identifier = json::parse(R"({"identifier": {
    "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                         "code": "MR"}]},
    "value": "M123456"}})");
  const json communication = Parse(BuildCommunication(Config(), context, Message()));
  BOOST_TEST(communication["subject"] == identifier);
  BOOST_TEST(communication["sender"] == identifier);
  const json task = Parse(BuildChangeTask(Config(), context, EveryChange()));
  BOOST_TEST(task["focus"] == identifier);
  BOOST_TEST(task["for"] == identifier);
  BOOST_TEST(task["requester"] == identifier);
}

BOOST_AUTO_TEST_CASE(the_configured_mrn_system_and_provider_name_are_used) {
  PortalConfig config = Config();
  config.mrn.identifier_system = "urn:oid:2.16.840.1.113883.3.999.1";
  MessageRequest m = Message();
  m.provider = "ob-gyn-services";
  const json communication = Parse(BuildCommunication(config, Context(kSignedMessage), m));
  BOOST_TEST(communication["subject"]["identifier"]["system"] ==
             "urn:oid:2.16.840.1.113883.3.999.1");
  BOOST_TEST(communication["recipient"] == json::parse(R"([{
    "identifier": {"system": "urn:portal:provider", "value": "ob-gyn-services"},
    "display": "OB/Gyn Services"}])"));
  const json task = Parse(BuildChangeTask(config, Context("{}"), EveryChange()));
  BOOST_TEST(task["for"]["identifier"]["system"] == "urn:oid:2.16.840.1.113883.3.999.1");
}

// --- The reader ------------------------------------------------------------------------------

const char kMrIdentifier[] = R"({
  "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
  "value": "M123456"})";

ParsedDocument Read(ItemKind kind, const std::string& document) {
  ParsedDocument doc;
  const Status s = ReadDocument(kind, document, &doc);
  BOOST_TEST_REQUIRE(s.ok(), s.message());
  return doc;
}

void CheckPatient(const DocumentPatient& p) {
  BOOST_TEST(p.reference == "Patient/pat-1");
  BOOST_TEST(p.PatientId() == "pat-1");
  BOOST_TEST(p.mrn == "M123456");
  BOOST_TEST(p.identifier == json::parse(kMrIdentifier));
}

BOOST_AUTO_TEST_CASE(a_written_communication_reads_back_part_by_part) {
  const std::string written = BuildCommunication(Config(), Context(kSignedMessage), Message());
  const ParsedDocument doc = Read(ItemKind::kMessage, written);
  BOOST_TEST((doc.kind == ItemKind::kMessage));
  BOOST_TEST(doc.resource == Parse(written));
  CheckPatient(doc.patient);
  BOOST_TEST(doc.subject == "Refill question");
  BOOST_TEST(doc.body == "Can my prescription be renewed?");
  BOOST_TEST(doc.sent == "2026-11-26T13:30:00Z");
  BOOST_TEST(doc.signed_request == kSignedMessage);
  BOOST_TEST(doc.request_signature == kSignature);
  BOOST_TEST(doc.focus.reference.empty());
  BOOST_TEST(doc.proposed.empty());
}

struct Expected {
  size_t input;
  std::string code, field, part, value_type, value;
};

BOOST_AUTO_TEST_CASE(a_written_change_task_reads_back_with_every_proposed_value) {
  const std::string signed_request = R"({"version":1,"mrn":"M123456"})";
  const std::string written = BuildChangeTask(Config(), Context(signed_request), EveryChange());
  const ParsedDocument doc = Read(ItemKind::kProfileChange, written);
  BOOST_TEST((doc.kind == ItemKind::kProfileChange));
  CheckPatient(doc.patient);
  CheckPatient(doc.focus);
  BOOST_TEST(doc.signed_request == signed_request);
  BOOST_TEST(doc.request_signature == kSignature);
  BOOST_TEST(doc.subject.empty());
  BOOST_TEST(doc.body.empty());
  const std::vector<Expected> expected = {
      {0, "marital_status", "marital_status", "", "valueCodeableConcept",
       R"({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
                       "code": "M"}]})"},
      {1, "race", "race", "", "valueCodeableConcept", R"({"text": "Two or more races"})"},
      {2, "religion", "religion", "", "valueCodeableConcept", R"({"text": "Quaker"})"},
      {3, "address", "address", "", "valueAddress",
       R"({"use": "home", "line": ["12 Elm Street", "Apt 3"], "city": "Norwich", "state": "CT",
           "postalCode": "06360"})"},
      {4, "phone_numbers", "phone_numbers", "", "valueContactPoint",
       R"({"system": "phone", "value": "860 555-0100", "use": "home"})"},
      {5, "phone_numbers", "phone_numbers", "", "valueContactPoint",
       R"({"system": "phone", "value": "(860) 555-0199"})"},
      {6, "email", "email", "", "valueContactPoint",
       R"({"system": "email", "value": "z@example.org"})"},
      {7, "next_of_kin.name", "next_of_kin", "name", "valueHumanName",
       R"({"text": "Ada Zenwick"})"},
      {8, "next_of_kin.address", "next_of_kin", "address", "valueAddress",
       R"({"use": "home", "line": ["4 Oak Lane"], "city": "Mystic", "state": "CT",
           "postalCode": "06355", "country": "USA"})"},
      {9, "next_of_kin.phone", "next_of_kin", "phone", "valueContactPoint",
       R"({"system": "phone", "value": "+1 860 555 0111", "use": "mobile"})"},
      {10, "person_to_notify.name", "person_to_notify", "name", "valueHumanName",
       R"({"text": "Bo Zenwick"})"},
      {11, "person_to_notify.phone", "person_to_notify", "phone", "valueContactPoint",
       R"({"system": "phone", "value": "860.555.0122", "use": "work"})"}};
  BOOST_TEST_REQUIRE(doc.proposed.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    BOOST_TEST_CONTEXT("proposed " << i) {
      BOOST_TEST(doc.proposed[i].input == expected[i].input);
      BOOST_TEST(doc.proposed[i].code == expected[i].code);
      BOOST_TEST(doc.proposed[i].field == expected[i].field);
      BOOST_TEST(doc.proposed[i].part == expected[i].part);
      BOOST_TEST(doc.proposed[i].value_type == expected[i].value_type);
      BOOST_TEST(doc.proposed[i].value == json::parse(expected[i].value));
    }
  }
  const JsonView inputs = JsonView(doc.resource)["input"];
  for (size_t i = 0; i < inputs.size(); ++i) BOOST_TEST(IsTransportInput(inputs[i]) == (i >= 12));
}

BOOST_AUTO_TEST_CASE(parts_are_found_by_their_type_not_their_place) {
  json message = Parse(BuildCommunication(Config(), Context(kSignedMessage), Message()));
  std::reverse(message["payload"].begin(), message["payload"].end());
  const ParsedDocument m = Read(ItemKind::kMessage, message.dump());
  BOOST_TEST(m.body == "Can my prescription be renewed?");
  BOOST_TEST(m.signed_request == kSignedMessage);
  BOOST_TEST(m.request_signature == kSignature);

  json task = Parse(BuildChangeTask(Config(), Context("{}"), EveryChange()));
  std::reverse(task["input"].begin(), task["input"].end());
  task["input"][0]["type"]["coding"].insert(task["input"][0]["type"]["coding"].begin(),
                                            json{{"system", "urn:other"}, {"code", "x"}});
  const ParsedDocument t = Read(ItemKind::kProfileChange, task.dump());
  BOOST_TEST(t.signed_request == "{}");
  BOOST_TEST(t.request_signature == kSignature);
  BOOST_TEST_REQUIRE(t.proposed.size() == 12u);
  BOOST_TEST(t.proposed[0].code == "person_to_notify.phone");
  BOOST_TEST(t.proposed[0].input == 2u);
  BOOST_TEST(t.proposed[11].code == "marital_status");
}

// Each case: a change to a document as written, and the error it gives.
struct Hostile {
  std::function<void(json*)> change;
  std::string message;
};

void CheckHostile(ItemKind kind, const std::string& written, const std::vector<Hostile>& cases) {
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.message) {
      json doc = Parse(written);
      c.change(&doc);
      ParsedDocument out;
      const Status s = ReadDocument(kind, doc.dump(), &out);
      BOOST_TEST((s.code() == Status::Code::kInvalidInput));
      BOOST_TEST(s.message() == c.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_malformed_communication_is_an_error_naming_the_part) {
  CheckHostile(
      ItemKind::kMessage, BuildCommunication(Config(), Context(kSignedMessage), Message()),
      {{[](json* d) { *d = json::array(); }, "message: not a FHIR Communication resource"},
       {[](json* d) { (*d)["resourceType"] = "Task"; },
        "message: not a FHIR Communication resource"},
       {[](json* d) { d->erase("subject"); }, "message: subject names no Patient"},
       {[](json* d) { (*d)["subject"] = "Patient/pat-1"; }, "message: subject names no Patient"},
       {[](json* d) { (*d)["subject"] = json::object(); }, "message: subject names no Patient"},
       {[](json* d) { (*d)["subject"]["reference"] = "Group/1"; },
        "message: subject is not a Patient reference"},
       {[](json* d) { (*d)["subject"]["reference"] = 7; },
        "message: subject is not a Patient reference"},
       {[](json* d) { (*d)["subject"]["identifier"] = "M123456"; },
        "message: subject.identifier is not an object"},
       {[](json* d) { (*d)["subject"]["identifier"]["value"] = 123456; },
        "message: subject.identifier.value is not a string"},
       {[](json* d) { (*d)["topic"] = "Refill question"; }, "message: topic is not an object"},
       {[](json* d) { (*d)["topic"]["text"] = json::array(); },
        "message: topic.text is not a string"},
       {[](json* d) { (*d)["sent"] = 1795699800; }, "message: sent is not a string"},
       {[](json* d) { d->erase("payload"); }, "message: payload is not a list"},
       {[](json* d) { (*d)["payload"] = json::object(); }, "message: payload is not a list"},
       {[](json* d) { (*d)["payload"].erase(0); }, "message: no text in the payload"},
       {[](json* d) { (*d)["payload"][0]["contentString"] = nullptr; },
        "message payload 0: contentString is not a string"},
       {[](json* d) {
          (*d)["payload"].push_back({{"contentString", "more"}});
        },
        "message: two texts in the payload"},
       {[](json* d) { (*d)["payload"][1]["contentAttachment"]["data"] = "not base64!"; },
        "message payload 1: signed request is not base64 data"},
       {[](json* d) { (*d)["payload"][2]["contentAttachment"].erase("data"); },
        "message payload 2: request signature is not base64 data"},
       {[](json* d) { (*d)["payload"].push_back((*d)["payload"][2]); },
        "message payload 3: two request signatures"}});
}

BOOST_AUTO_TEST_CASE(a_malformed_change_task_is_an_error_naming_the_part) {
  CheckHostile(
      ItemKind::kProfileChange, BuildChangeTask(Config(), Context("{}"), EveryChange()),
      {{[](json* d) { *d = "Task"; }, "change Task: not a FHIR Task resource"},
       {[](json* d) { (*d)["resourceType"] = "Communication"; },
        "change Task: not a FHIR Task resource"},
       {[](json* d) { d->erase("code"); }, "change Task: code is not \"change\""},
       {[](json* d) { (*d)["code"]["coding"][0]["system"] = "urn:other"; },
        "change Task: code is not \"change\""},
       {[](json* d) { (*d)["input"] = "12 Elm Street"; }, "change Task: input is not a list"},
       {[](json* d) { (*d)["input"][3]["type"]["coding"][0]["code"] = "shoe_size"; },
        "change Task input 3: unknown profile field \"shoe_size\""},
       {[](json* d) { (*d)["input"][3].erase("valueAddress"); },
        "change Task input 3 (address): no valueAddress"},
       {[](json* d) { (*d)["input"][7]["valueHumanName"] = "Ada Zenwick"; },
        "change Task input 7 (next_of_kin.name): no valueHumanName"},
       {[](json* d) { (*d)["input"][12]["valueAttachment"]["data"] = 5; },
        "change Task input 12: signed request is not base64 data"},
       {[](json* d) { (*d)["input"].push_back((*d)["input"][12]); },
        "change Task input 14: two signed requests"},
       {[](json* d) { d->erase("focus"); }, "change Task: focus names no Patient"},
       {[](json* d) {
          (*d)["focus"] = {{"reference", "Group/1"}};
        },
        "change Task: focus is not a Patient reference"},
       {[](json* d) {
          (*d)["focus"] = {{"reference", "Patient/"}};
        },
        "change Task: focus is not a Patient reference"},
       {[](json* d) { (*d)["for"] = json::array(); }, "change Task: for names no Patient"}});
}

// A proxy's document, read with nlohmann directly: the proxy is a contained RelatedPerson of the
// patient (its key as identifier, the link's label as name), the sender or requester; the
// patient stays the subject (for); a contained Provenance says the proxy wrote it onBehalfOf
// the patient.
void CheckProxyParts(const json& doc, const char* sender_field) {
  const json patient = {{"reference", "Patient/pat-1"},
                        {"identifier",
                         {{"type",
                           {{"coding", json::array({{{"system",
                                                      "http://terminology.hl7.org/CodeSystem/"
                                                      "v2-0203"},
                                                     {"code", "MR"}}})}}},
                          {"value", "M123456"}}}};
  BOOST_TEST(doc[sender_field] == json({{"reference", "#proxy"}}));
  BOOST_REQUIRE(doc["contained"].is_array());
  BOOST_REQUIRE(doc["contained"].size() == 2u);
  const json expected_person = {
      {"resourceType", "RelatedPerson"},
      {"id", "proxy"},
      {"identifier", json::array({{{"system", "urn:portal:proxy-key"},
                                   {"value", "9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A0B"}}})},
      {"patient", patient},
      {"name", json::array({{{"text", "Neighbour K."}}})}};
  BOOST_TEST(doc["contained"][0] == expected_person);
  const json expected_provenance = {
      {"resourceType", "Provenance"},
      {"id", "sent-by-proxy"},
      {"target", json::array({{{"reference", "#"}}})},
      {"recorded", "2026-11-26T13:33:20Z"},
      {"agent", json::array({{{"type",
                               {{"coding", json::array({{{"system",
                                                          "http://terminology.hl7.org/CodeSystem/"
                                                          "provenance-participant-type"},
                                                         {"code", "author"}}})}}},
                              {"who", {{"reference", "#proxy"}}},
                              {"onBehalfOf", patient}}})}};
  BOOST_TEST(doc["contained"][1] == expected_provenance);
}

DocumentContext ProxyContext(const std::string& signed_request) {
  DocumentContext c = Context(signed_request);
  c.signer_fingerprint = "9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A0B";
  c.proxy = DocumentProxy{c.signer_fingerprint, "Neighbour K."};
  return c;
}

BOOST_AUTO_TEST_CASE(a_proxys_message_is_sent_by_a_related_person_for_the_patient) {
  const std::string written = BuildCommunication(Config(), ProxyContext(kSignedMessage), Message());
  const json doc = Parse(written);
  CheckProxyParts(doc, "sender");
  BOOST_TEST(doc["subject"]["reference"] == "Patient/pat-1");
  BOOST_TEST(doc["subject"]["identifier"]["value"] == "M123456");
  const ParsedDocument read = Read(ItemKind::kMessage, written);
  BOOST_TEST(read.proxy.present);
  BOOST_TEST(read.proxy.fingerprint == "9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A0B");
  BOOST_TEST(read.proxy.label == "Neighbour K.");
  BOOST_TEST(read.patient.mrn == "M123456");
  // The patient's own message names no proxy and contains nothing.
  const std::string own = BuildCommunication(Config(), Context(kSignedMessage), Message());
  BOOST_TEST(!Parse(own).contains("contained"));
  BOOST_TEST(Parse(own)["sender"] == Parse(own)["subject"]);
  BOOST_TEST(!Read(ItemKind::kMessage, own).proxy.present);
}

BOOST_AUTO_TEST_CASE(a_proxys_change_task_is_requested_by_a_related_person_for_the_patient) {
  const std::string signed_request = R"({"version":1,"mrn":"M123456"})";
  DocumentContext context = ProxyContext(signed_request);
  const std::string written = BuildChangeTask(Config(), context, EveryChange());
  const json doc = Parse(written);
  CheckProxyParts(doc, "requester");
  BOOST_TEST(doc["for"]["reference"] == "Patient/pat-1");
  BOOST_TEST(doc["focus"]["reference"] == "Patient/pat-1");
  const ParsedDocument read = Read(ItemKind::kProfileChange, written);
  BOOST_TEST(read.proxy.present);
  BOOST_TEST(read.proxy.label == "Neighbour K.");
  // Without a label the RelatedPerson has no name, and the key names the proxy.
  context.proxy->label = "";
  const ParsedDocument unlabelled =
      Read(ItemKind::kProfileChange, BuildChangeTask(Config(), context, EveryChange()));
  BOOST_TEST(unlabelled.proxy.present);
  BOOST_TEST(unlabelled.proxy.label.empty());
  BOOST_TEST(
      !Parse(BuildChangeTask(Config(), context, EveryChange()))["contained"][0].contains("name"));
}

BOOST_AUTO_TEST_CASE(a_sender_naming_a_missing_or_wrong_contained_resource_is_an_error) {
  json doc = Parse(BuildCommunication(Config(), ProxyContext(kSignedMessage), Message()));
  ParsedDocument out;
  json missing = doc;
  missing.erase("contained");
  Status st = ReadDocument(ItemKind::kMessage, missing.dump(), &out);
  BOOST_TEST(st.message() == "message: sender names no contained resource", st.message());
  json wrong = doc;
  wrong["contained"][0]["resourceType"] = "Patient";
  st = ReadDocument(ItemKind::kMessage, wrong.dump(), &out);
  BOOST_TEST(st.message() == "message: sender is not a RelatedPerson", st.message());
  json keyless = doc;
  keyless["contained"][0].erase("identifier");
  st = ReadDocument(ItemKind::kMessage, keyless.dump(), &out);
  BOOST_TEST(st.message() == "message: sender RelatedPerson has no proxy key identifier",
             st.message());
}

constexpr char kReceipt[] = "5d41402abc4b2a76b9719d911017c592";
constexpr char kOtherReceipt[] = "0123456789abcdef0123456789abcdef";

BOOST_AUTO_TEST_CASE(a_document_reads_only_in_its_own_queue_row) {
  const std::string message = BuildCommunication(Config(), Context(kSignedMessage), Message());
  const std::string task = BuildChangeTask(Config(), Context(R"({"version":1})"), EveryChange());
  ParsedDocument out;
  BOOST_TEST(ReadRowDocument(kReceipt, ItemKind::kMessage, "conncare", message, &out).ok());
  BOOST_TEST(out.body == "Can my prescription be renewed?");
  BOOST_TEST(out.provider == "conncare");
  BOOST_TEST(out.receipt == kReceipt);
  BOOST_TEST(ReadRowDocument(kReceipt, ItemKind::kProfileChange, "", task, &out).ok());
  const std::string moved = std::string("the document in queue row ") + kOtherReceipt +
                            " belongs to another row; it was moved or copied";
  const auto refused = [&](ItemKind kind, const char* provider, const std::string& text) {
    ParsedDocument doc;
    const Status st = ReadRowDocument(kOtherReceipt, kind, provider, text, &doc);
    BOOST_TEST((st.code() == Status::Code::kInvalidInput));
    BOOST_TEST(st.message() == moved, st.message());
  };
  refused(ItemKind::kMessage, "conncare", message);  // Another row's receipt.
  refused(ItemKind::kProfileChange, "", task);
  // The right receipt in another provider's row, or in a row of the other kind.
  const auto refused_here = [&](ItemKind kind, const char* provider, const std::string& text) {
    ParsedDocument doc;
    const Status st = ReadRowDocument(kReceipt, kind, provider, text, &doc);
    BOOST_TEST(st.message() == std::string("the document in queue row ") + kReceipt +
                                   " belongs to another row; it was moved or copied",
               st.message());
  };
  refused_here(ItemKind::kMessage, "ob-gyn-services", message);
  refused_here(ItemKind::kProfileChange, "", message);
  refused_here(ItemKind::kMessage, "conncare", task);
  refused_here(ItemKind::kProfileChange, "conncare", task);
  // The id and the receipt identifier are both checked.
  json relabelled = Parse(message);
  relabelled["identifier"][0]["value"] = kOtherReceipt;
  refused_here(ItemKind::kMessage, "conncare", relabelled.dump());
  json unidentified = Parse(message);
  unidentified.erase("identifier");
  refused_here(ItemKind::kMessage, "conncare", unidentified.dump());
}

BOOST_AUTO_TEST_CASE(odd_json_never_crashes_the_reader) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  for (const std::string& text : std::vector<std::string>{
           "", "{", "null", deep,
           R"({"resourceType": "Communication", "subject": {"reference": "Patient/1"},
            "payload": [null, 1, [], {"contentAttachment": 5}, {"contentString": "hi"}]})",
           R"({"resourceType": "Task", "code": {"coding": [null, {"code": "change"}]},
            "focus": {"identifier": {}}, "input": [null, 1, "x", {}, {"type": 5},
            {"type": {"coding": [null, {"system": "urn:portal:task-input"}]}}]})"}) {
    for (ItemKind kind : {ItemKind::kMessage, ItemKind::kProfileChange}) {
      ParsedDocument out;
      (void)ReadDocument(kind, text, &out);  // Any answer but a crash or an exception.
    }
  }
  ParsedDocument out;
  BOOST_TEST(ReadDocument(ItemKind::kMessage,
                          R"({"resourceType": "Communication", "subject": {"reference":
                              "Patient/1"}, "payload": [null, 1, [], {"contentString": "hi"}]})",
                          &out)
                 .ok());
  BOOST_TEST(out.body == "hi");
  BOOST_TEST(out.patient.PatientId() == "1");
  BOOST_TEST(out.patient.mrn.empty());
  BOOST_TEST(ReadDocument(ItemKind::kProfileChange,
                          R"({"resourceType": "Task", "code": {"coding": [{"code": "change"}]},
                              "focus": {"identifier": {}}, "input": [null, 1, "x", {}]})",
                          &out)
                 .ok());
  BOOST_TEST(out.proposed.empty());
  BOOST_TEST(out.focus.identifier == json::object());
}

}  // namespace
}  // namespace portal
