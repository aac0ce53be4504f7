#define BOOST_TEST_MODULE change_export_test
#include "mailbox/staff/change_export.h"

#include <algorithm>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "tests/mailbox/staff/profile_test_data.h"

namespace portal {
namespace {

using json = nlohmann::json;
using namespace portal::testing;

// The lines of an NDJSON text: each must be '\n'-terminated compact JSON.
std::vector<json> Lines(const std::string& ndjson) {
  std::vector<json> out;
  BOOST_TEST_REQUIRE(ndjson.ends_with('\n'));
  size_t start = 0;
  while (start < ndjson.size()) {
    const size_t end = ndjson.find('\n', start);
    const std::string line = ndjson.substr(start, end - start);
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    BOOST_TEST_REQUIRE(j.is_object(), line);
    BOOST_TEST(j.dump() == line);
    out.push_back(j);
    start = end + 1;
  }
  return out;
}

std::string Export(std::string_view task, const std::set<std::string>& accepted) {
  std::string ndjson;
  const Status s = BuildChangeExport(Config(), task, accepted, kStaffKey, kNow, &ndjson);
  BOOST_TEST_REQUIRE(s.ok(), s.message());
  return ndjson;
}

BOOST_AUTO_TEST_CASE(odd_task_json_is_refused_never_crashes) {
  for (const auto& [task, message] : OddTasks()) {
    BOOST_TEST_CONTEXT("task " << task) {
      std::string ndjson;
      Status s = BuildChangeExport(Config(), task, {}, kStaffKey, kNow, &ndjson);
      BOOST_TEST((s.code() == Status::Code::kInvalidInput));
      BOOST_TEST(s.message().find(message) != std::string::npos, s.message());
    }
  }
}

BOOST_AUTO_TEST_CASE(quotes_newlines_and_non_ascii_survive) {
  const std::string tricky =
      "She said \"no\" & <b>left</b>\\ \n\ttab Zo\xc3\xab \xe2\x82\xac \xe6\x97\xa5 "
      "\xf0\x9f\x98\x80";
  ProfileChangeRequest r = EveryChange();
  r.changes.religion = tricky;
  r.changes.address = PostalAddress{{tricky}, tricky, "CT", "06360", ""};
  r.changes.next_of_kin = ContactPerson{tricky, std::nullopt, {}};
  const std::string task = BuildChangeTask(Config(), Context(), r);

  const std::string ndjson = Export(task, {"religion", "address", "next_of_kin"});
  BOOST_TEST(std::count(ndjson.begin(), ndjson.end(), '\n') == 2);
  const std::vector<json> lines = Lines(ndjson);
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[1]["extension"][0]["valueCodeableConcept"]["text"] == tricky);
  BOOST_TEST(lines[1]["address"][0]["line"][0] == tricky);
  BOOST_TEST(lines[1]["address"][0]["city"] == tricky);
  BOOST_TEST(lines[1]["contact"][0]["name"]["text"] == tricky);
}

// The Task as BuildChangeTask wrote it, decided: no transport attachments, completed by staff.
json DecidedTask(const std::string& business_status, const json& outputs) {
  json task = json::parse(R"({
    "resourceType": "Task",
    "id": "5d41402abc4b2a76b9719d911017c592",
    "identifier": [{"system": "urn:portal:receipt", "value": "5d41402abc4b2a76b9719d911017c592"}],
    "status": "completed",
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
    "lastModified": "2026-11-27T13:33:20Z",
    "owner": {"identifier": {"system": "urn:portal:staff-key",
                             "value": "9A8B7C6D5E4F30211203F4E5D6C7B8A9F0E1D2C3"}},
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
       "valueContactPoint": {"system": "phone", "value": "860.555.0122", "use": "work"}}
    ]
  })");
  task["businessStatus"] = {{"text", business_status}};
  task["output"] = outputs;
  return task;
}

BOOST_AUTO_TEST_CASE(a_partial_accept_exports_only_the_accepted_elements) {
  const std::vector<json> lines =
      Lines(Export(EveryChangeTask(), {"marital_status", "address", "next_of_kin"}));
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  const json expected_task = DecidedTask(
      "accepted: marital_status, address, next_of_kin; "
      "rejected: race, religion, phone_numbers, email, person_to_notify",
      json::parse(R"([
    {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "marital_status"}]},
     "valueCode": "accepted"},
    {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "race"}]},
     "valueCode": "rejected"},
    {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "religion"}]},
     "valueCode": "rejected"},
    {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "address"}]},
     "valueCode": "accepted"},
    {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "phone_numbers"}]},
     "valueCode": "rejected"},
    {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "email"}]},
     "valueCode": "rejected"},
    {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "next_of_kin"}]},
     "valueCode": "accepted"},
    {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "person_to_notify"}]},
     "valueCode": "rejected"}])"));
  BOOST_TEST(lines[0] == expected_task, "actual: " << lines[0].dump(2));
  BOOST_TEST(lines[1] == json::parse(R"({
    "resourceType": "Patient",
    "id": "pat-1",
    "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                         "code": "MR"}]},
                    "value": "M123456"}],
    "maritalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
                                  "code": "M", "display": "Married"}]},
    "address": [{"use": "home", "line": ["12 Elm Street", "Apt 3"], "city": "Norwich",
                 "state": "CT", "postalCode": "06360"}],
    "contact": [{
      "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                    "code": "N", "display": "Next-of-Kin"}]}],
      "name": {"text": "Ada Zenwick"},
      "address": {"use": "home", "line": ["4 Oak Lane"], "city": "Mystic", "state": "CT",
                  "postalCode": "06355", "country": "USA"},
      "telecom": [{"system": "phone", "value": "+1 860 555 0111", "use": "mobile"}]}]
  })"),
             "actual: " << lines[1].dump(2));
}

BOOST_AUTO_TEST_CASE(accepting_everything_exports_every_element) {
  const std::vector<json> lines = Lines(
      Export(EveryChangeTask(), {"marital_status", "race", "religion", "address", "phone_numbers",
                                 "email", "next_of_kin", "person_to_notify"}));
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[0]["businessStatus"]["text"] ==
             "accepted: marital_status, race, religion, address, phone_numbers, email, "
             "next_of_kin, person_to_notify; rejected: none");
  for (const json& output : lines[0]["output"]) BOOST_TEST(output["valueCode"] == "accepted");
  BOOST_TEST(lines[1] == json::parse(R"({
    "resourceType": "Patient",
    "id": "pat-1",
    "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                         "code": "MR"}]},
                    "value": "M123456"}],
    "maritalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
                                  "code": "M", "display": "Married"}]},
    "extension": [
      {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
       "extension": [{"url": "text", "valueString": "Two or more races"}]},
      {"url": "http://hl7.org/fhir/StructureDefinition/patient-religion",
       "valueCodeableConcept": {"text": "Quaker"}}
    ],
    "address": [{"use": "home", "line": ["12 Elm Street", "Apt 3"], "city": "Norwich",
                 "state": "CT", "postalCode": "06360"}],
    "telecom": [
      {"system": "phone", "value": "860 555-0100", "use": "home"},
      {"system": "phone", "value": "(860) 555-0199"},
      {"system": "email", "value": "z@example.org"}
    ],
    "contact": [
      {"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                     "code": "N", "display": "Next-of-Kin"}]}],
       "name": {"text": "Ada Zenwick"},
       "address": {"use": "home", "line": ["4 Oak Lane"], "city": "Mystic", "state": "CT",
                   "postalCode": "06355", "country": "USA"},
       "telecom": [{"system": "phone", "value": "+1 860 555 0111", "use": "mobile"}]},
      {"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                     "code": "C", "display": "Emergency Contact"}]}],
       "name": {"text": "Bo Zenwick"},
       "telecom": [{"system": "phone", "value": "860.555.0122", "use": "work"}]}
    ]
  })"),
             "actual: " << lines[1].dump(2));
}

// A small Task written out, so the exact bytes of the NDJSON can be too.
const char kSmallTask[] = R"({"resourceType": "Task", "id": "r1", "status": "received",
  "intent": "proposal",
  "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "change"}]},
  "focus": {"reference": "Patient/pat-9"}, "lastModified": "2026-11-26T13:33:20Z",
  "input": [
    {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "race"}]},
     "valueCodeableConcept": {"text": "Asian"}},
    {"type": {"coding": [{"system": "urn:portal:task-input", "code": "signed-request"}]},
     "valueAttachment": {"contentType": "application/json", "data": "e30=",
                         "title": "signed request"}},
    {"type": {"coding": [{"system": "urn:portal:task-input", "code": "request-signature"}]},
     "valueAttachment": {"contentType": "application/pgp-signature", "data": "iHUEAA==",
                         "title": "request signature by 3F2A"}}]})";

std::string SmallTaskLine(const std::string& decision) {
  return R"({"businessStatus":{"text":")" +
         std::string(decision == "accepted" ? "accepted: race; rejected: none"
                                            : "accepted: none; rejected: race") +
         R"("},"code":{"coding":[{"code":"change","system":"http://hl7.org/fhir/CodeSystem/task-code"}]},)"
         R"("focus":{"reference":"Patient/pat-9"},"id":"r1",)"
         R"("input":[{"type":{"coding":[{"code":"race","system":"urn:portal:profile-field"}]},)"
         R"("valueCodeableConcept":{"text":"Asian"}}],"intent":"proposal",)"
         R"("lastModified":"2026-11-27T13:33:20Z",)"
         R"("output":[{"type":{"coding":[{"code":"race","system":"urn:portal:profile-field"}]},)"
         R"("valueCode":")" +
         decision +
         R"("}],"owner":{"identifier":{"system":"urn:portal:staff-key",)"
         R"("value":"9A8B7C6D5E4F30211203F4E5D6C7B8A9F0E1D2C3"}},)"
         R"("resourceType":"Task","status":"completed"})"
         "\n";
}

BOOST_AUTO_TEST_CASE(nothing_accepted_exports_only_the_task) {
  BOOST_TEST(Export(kSmallTask, {}) == SmallTaskLine("rejected"));
}

BOOST_AUTO_TEST_CASE(the_exact_ndjson_of_an_accepted_field) {
  BOOST_TEST(Export(kSmallTask, {"race"}) ==
             SmallTaskLine("accepted") +
                 R"({"extension":[{"extension":[{"url":"text","valueString":"Asian"}],)"
                 R"("url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-race"}],)"
                 R"("id":"pat-9","resourceType":"Patient"})"
                 "\n");
}

BOOST_AUTO_TEST_CASE(an_accepted_field_the_task_does_not_propose_is_refused_by_name) {
  for (const std::string id : {"religion", "no_such_field", ""}) {
    std::string ndjson = "untouched";
    const Status s =
        BuildChangeExport(Config(), kSmallTask, {"race", id}, kStaffKey, kNow, &ndjson);
    BOOST_TEST((s.code() == Status::Code::kInvalidInput));
    BOOST_TEST(s.message() == "accepted field \"" + id +
                                  "\" is not among the fields this change request proposes");
    BOOST_TEST(ndjson == "untouched");
  }
}

BOOST_AUTO_TEST_CASE(the_patient_is_named_by_identifier_when_its_id_is_unknown) {
  DocumentContext context = Context();
  context.patient_id = "";
  const std::string task = BuildChangeTask(Config(), context, EveryChange());
  const std::vector<json> lines = Lines(Export(task, {"email"}));
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[1] == json::parse(R"({
    "resourceType": "Patient",
    "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                         "code": "MR"}]},
                    "value": "M123456"}],
    "telecom": [{"system": "email", "value": "z@example.org"}]})"));

  const std::pair<std::string, std::string> bad_focus[] = {
      {R"("focus": {"reference": "Group/1"})", "focus is not a Patient reference"},
      {R"("focus": {"reference": "Patient/"})", "focus is not a Patient reference"},
      {R"("focus": "Patient/1")", "focus names no Patient"},
      {R"("for": {"reference": "Patient/1"})", "focus names no Patient"}};
  for (const auto& [focus, message] : bad_focus) {
    const std::string odd =
        R"({"resourceType": "Task", "code": {"coding": [{"code": "change"}]},)" + focus +
        R"(, "input": [
      {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "race"}]},
       "valueCodeableConcept": {"text": "Asian"}}]})";
    std::string ndjson;
    const Status s = BuildChangeExport(Config(), odd, {"race"}, kStaffKey, kNow, &ndjson);
    BOOST_TEST(s.message() == "change Task: " + message);
  }
}

BOOST_AUTO_TEST_CASE(a_race_without_text_is_not_exported) {
  const std::string task = std::string(kTaskHead) + R"("input": [
    {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "race"}]},
     "valueCodeableConcept": {"coding": [{"system": "urn:oid:2.16.840.1.113883.6.238"}]}}]})";
  BOOST_TEST(Compare(kPatient, task)[0].proposed == "");
  std::string ndjson;
  const Status s = BuildChangeExport(Config(), task, {"race"}, kStaffKey, kNow, &ndjson);
  BOOST_TEST(s.message() == "change Task: race has no text");
}

}  // namespace
}  // namespace portal
