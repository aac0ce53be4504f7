#define BOOST_TEST_MODULE fhir_document_test
#include "mailbox/common/fhir_document.h"

#include <openssl/evp.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace portal
