#define BOOST_TEST_MODULE profile_view_test
#include "mailbox/staff/profile_view.h"

#include <algorithm>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "mailbox/common/fhir_document.h"
#include "tests/test_util.h"

namespace portal {
namespace {

using json = nlohmann::json;

constexpr int64_t kNow = 1795786400;  // 2026-11-27T13:33:20Z
const char kStaffKey[] = "9A8B7C6D5E4F30211203F4E5D6C7B8A9F0E1D2C3";

PortalConfig Config() {
  PortalConfig c;
  BOOST_REQUIRE(LoadConfig(testing::SourceDir() / "content" / "portal.toml", &c).ok());
  return c;
}

DocumentContext Context() {
  DocumentContext c;
  c.receipt = "5d41402abc4b2a76b9719d911017c592";
  c.patient_id = "pat-1";
  c.mrn = "M123456";
  c.received_at = 1795700000;  // 2026-11-26T13:33:20Z
  c.signer_fingerprint = "3F2A9C6B1D4E8F7A0B5C2D6E9F1A4B7C8D0E3F21";
  c.signed_request = R"({"version":1,"mrn":"M123456"})";
  c.request_signature = std::string("\x88\x75\x04\x00", 4);
  return c;
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

std::string EveryChangeTask() { return BuildChangeTask(Config(), Context(), EveryChange()); }

// A record with every field, an old address before the home one and both kinds of contact.
const char kPatient[] = R"json({
  "resourceType": "Patient",
  "id": "pat-1",
  "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                       "code": "MR"}]},
                  "value": "M123456"}],
  "extension": [
    {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
     "extension": [
       {"url": "ombCategory", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238",
                                              "code": "2106-3", "display": "White"}},
       {"url": "text", "valueString": "White"}]},
    {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity",
     "extension": [{"url": "text", "valueString": "Not Hispanic or Latino"}]},
    {"url": "http://hl7.org/fhir/StructureDefinition/patient-religion",
     "valueCodeableConcept": {"coding": [{
       "system": "http://terminology.hl7.org/CodeSystem/v3-ReligiousAffiliation",
       "code": "1013", "display": "Christian (non-Catholic, non-specific)"
}]
}
}
  ],
  "telecom": [
    {"system": "phone", "value": "860-555-0100", "use": "home"},
    {"system": "phone", "value": "860-555-0177", "use": "mobile"},
    {"system": "email", "value": "zoe@example.org", "use": "home"}
  ],
  "address": [
    {"use": "old", "line": ["1 Old Road"], "city": "Groton", "state": "CT", "postalCode": "06340"},
    {"use": "home", "line": ["599 Schowalter Promenade"], "city": "Norwich", "state": "CT",
     "postalCode": "06360", "country": "US"}
  ],
  "maritalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
                                "code": "S", "display": "Never Married"}],
                    "text": "Never Married"},
  "contact": [
    {"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                   "code": "N", "display": "Next-of-Kin"}]}],
     "name": {"family": "Zenwick", "given": ["Abe"]},
     "telecom": [{"system": "phone", "value": "860-555-0133", "use": "home"}],
     "address": {"line": ["4 Oak Lane"], "city": "Mystic", "state": "CT", "postalCode": "06355"}},
    {"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                   "code": "C"}]}],
     "name": {"text": "Cy Zenwick"}}
  ]
  })json";

void CheckRows(const std::vector<ProfileRow>& actual, const std::vector<ProfileRow>& expected) {
  BOOST_TEST_REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    BOOST_TEST_CONTEXT("row " << i) {
      BOOST_TEST(actual[i].field == expected[i].field);
      BOOST_TEST(actual[i].label == expected[i].label);
      BOOST_TEST(actual[i].current == expected[i].current);
      BOOST_TEST(actual[i].proposed == expected[i].proposed);
    }
  }
}

std::vector<ProfileRow> Compare(std::string_view patient, std::string_view task) {
  std::vector<ProfileRow> rows;
  const Status s = CompareProfile(Config(), patient, task, &rows);
  BOOST_TEST_REQUIRE(s.ok(), s.message());
  return rows;
}

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

const char kDash[] = " \xe2\x80\x94 ";

BOOST_AUTO_TEST_CASE(each_proposed_value_stands_beside_the_record_in_config_order) {
  CheckRows(Compare(kPatient, EveryChangeTask()),
            {{"marital_status", "Marital status", "Never Married (S)", "Married (M)"},
             {"race", "Race", "White", "Two or more races"},
             {"religion", "Religion", "Christian (non-Catholic, non-specific)", "Quaker"},
             {"address", "Address", "599 Schowalter Promenade, Norwich, CT 06360, US",
              "12 Elm Street, Apt 3, Norwich, CT 06360"},
             {"phone_numbers", "Home and other phone numbers",
              "home 860-555-0100; mobile 860-555-0177", "home 860 555-0100; (860) 555-0199"},
             {"email", "E-mail address", "zoe@example.org", "z@example.org"},
             {"next_of_kin", "Next of kin: name, address and phone numbers",
              std::string("Abe Zenwick") + kDash + "4 Oak Lane, Mystic, CT 06355" + kDash +
                  "home 860-555-0133",
              std::string("Ada Zenwick") + kDash + "4 Oak Lane, Mystic, CT 06355, USA" + kDash +
                  "mobile +1 860 555 0111"},
             {"person_to_notify", "Person to notify: name, address and phone numbers", "Cy Zenwick",
              std::string("Bo Zenwick") + kDash + "work 860.555.0122"}});
}

BOOST_AUTO_TEST_CASE(rows_follow_the_config_not_the_task_and_only_proposed_fields_appear) {
  const char task[] = R"({
    "resourceType": "Task", "id": "r1", "status": "received", "intent": "proposal",
    "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "change"}]},
    "focus": {"reference": "Patient/pat-1"},
    "input": [
      {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "email"}]},
       "valueContactPoint": {"system": "email", "value": "new@example.org"}},
      {"type": {"coding": [{"system": "urn:portal:profile-field", "code": "marital_status"}]},
       "valueCodeableConcept": {"coding": [
         {"system": "http://terminology.hl7.org/CodeSystem/v3-NullFlavor", "code": "UNK"}]}},
      {"type": {"coding": [{"system": "urn:portal:profile-field",
                            "code": "person_to_notify.phone"}]},
       "valueContactPoint": {"system": "phone", "value": "860 555 0144", "use": "home"}},
      {"type": {"coding": [{"system": "urn:portal:profile-field",
                            "code": "person_to_notify.phone"}]},
       "valueContactPoint": {"system": "phone", "value": "860 555 0155"}}
    ]})";
  CheckRows(Compare(kPatient, task),
            {{"marital_status", "Marital status", "Never Married (S)", "unknown (UNK)"},
             {"email", "E-mail address", "zoe@example.org", "new@example.org"},
             {"person_to_notify", "Person to notify: name, address and phone numbers", "Cy Zenwick",
              "home 860 555 0144; 860 555 0155"}});
}

BOOST_AUTO_TEST_CASE(current_values_fall_back_to_what_the_record_has) {
  // Marital status as text only; race by OMB category only; religion as text; no home address
  // (the first not marked old is taken); contacts in other roles; no telecom at all.
  const char patient[] = R"({
    "resourceType": "Patient",
    "maritalStatus": {"text": "Separated"},
    "extension": [
      {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
       "extension": [
         {"url": "ombCategory", "valueCoding": {"code": "2106-3", "display": "White"}},
         {"url": "ombCategory", "valueCoding": {"code": "2028-9", "display": "Asian"}},
         {"url": "detailed", "valueCoding": {"code": "2039-6", "display": "Japanese"}}]},
      {"url": "http://hl7.org/fhir/StructureDefinition/patient-religion",
       "valueCodeableConcept": {"text": "Buddhist"}}
    ],
    "address": [
      {"use": "old", "line": ["1 Old Road"], "city": "Groton"},
      {"use": "work", "line": ["9 Mill St"], "city": "Norwich", "state": "CT"},
      {"line": ["10 Other St"]}
    ],
    "contact": [
      {"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                     "code": "E"}]}],
       "name": {"text": "Employer Person"}},
      {"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                                     "code": "N"}]}],
       "name": {"text": "Wrong System"}}
    ]
  })";
  const std::vector<ProfileRow> rows = Compare(patient, EveryChangeTask());
  BOOST_TEST_REQUIRE(rows.size() == 8u);
  const std::vector<std::string> expected = {
      "Separated",        "White, Asian",     "Buddhist",         "9 Mill St, Norwich, CT",
      "(none on record)", "(none on record)", "(none on record)", "(none on record)"};
  for (size_t i = 0; i < rows.size(); ++i) {
    BOOST_TEST(rows[i].current == expected[i], rows[i].field);
  }
}

BOOST_AUTO_TEST_CASE(marital_status_without_a_display_is_named_from_the_value_set) {
  const char patient[] = R"({"resourceType": "Patient", "maritalStatus": {"coding": [
    {"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": "W"}]}})";
  BOOST_TEST(Compare(patient, EveryChangeTask())[0].current == "Widowed (W)");
  const char unknown_system[] = R"({"resourceType": "Patient", "maritalStatus": {"coding": [
    {"system": "urn:local", "code": "W"}]}})";
  BOOST_TEST(Compare(unknown_system, EveryChangeTask())[0].current == "W");
}

BOOST_AUTO_TEST_CASE(an_unknown_or_unreadable_record_is_said_so_beside_every_value) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "(record unavailable)"},
      {"not json", "(record unreadable)"},
      {"[]", "(record unreadable)"},
      {R"({"resourceType": "Observation"})", "(record unreadable)"},
      {"{\"resourceType\": \"Patient\", \"id\": \"\xff\"}", "(record unreadable)"}};
  for (const auto& [patient, text] : cases) {
    BOOST_TEST_CONTEXT("patient " << patient) {
      const std::vector<ProfileRow> rows = Compare(patient, EveryChangeTask());
      BOOST_TEST_REQUIRE(rows.size() == 8u);
      for (const auto& row : rows) BOOST_TEST(row.current == text);
      BOOST_TEST(rows[0].proposed == "Married (M)");
    }
  }
}

BOOST_AUTO_TEST_CASE(odd_patient_json_never_crashes) {
  const char* patients[] = {
      "{}",
      "null",
      "\"Patient\"",
      R"({"resourceType": "Patient", "maritalStatus": "M", "extension": {"url": 1},
          "address": "12 Main St", "telecom": {"system": "phone"}, "contact": 7})",
      R"({"resourceType": "Patient", "maritalStatus": {"coding": "M", "text": 5},
          "extension": [null, 1, "x", [], {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race", "extension": [null, {"url": "text"}, {"url": "ombCategory", "valueCoding": 3}]},
                        {"url": "http://hl7.org/fhir/StructureDefinition/patient-religion", "valueCodeableConcept": {"coding": [null, 2, {"code": 1}]}}],
          "address": [null, 1, {"use": 5, "line": "x", "city": ["y"]}, {"line": [1, null]}],
          "telecom": [null, {"system": "phone", "value": 5, "use": ["home"]}, {"system": "email"}],
          "contact": [null, {"relationship": "N"}, {"relationship": [null, {"coding": {"code": "N"}}]},
                      {"relationship": [{"coding": [null, {"system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "N"}]}],
                       "name": ["x"], "address": [1], "telecom": "860"}]})",
      R"({"resourceType": "Patient", "maritalStatus": {"coding": [{"code": "M", "display": 7}]}})",
      "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"};
  for (const char* patient : patients) {
    BOOST_TEST_CONTEXT("patient " << patient) {
      const std::vector<ProfileRow> rows = Compare(patient, EveryChangeTask());
      BOOST_TEST(rows.size() == 8u);
      for (const auto& row : rows) BOOST_TEST(!row.current.empty());
    }
  }
  // Values of the wrong type read as absent; a contact whose parts are all unreadable too.
  const std::vector<ProfileRow> rows = Compare(patients[4], EveryChangeTask());
  BOOST_TEST(rows[0].current == "(none on record)");
  BOOST_TEST(rows[6].current == "(none on record)");
  BOOST_TEST(Compare(patients[5], EveryChangeTask())[0].current == "M");

  // Deep nesting, at the top and inside an element read.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  BOOST_TEST(Compare(deep, EveryChangeTask())[0].current == "(record unreadable)");
  const std::string deep_inside =
      R"({"resourceType": "Patient", "extension": [)" + deep + ", " + deep + "]}";
  BOOST_TEST(Compare(deep_inside, EveryChangeTask())[1].current == "(none on record)");
}

// A real (synthetic) US Core Patient: the first address has no use and the second is old; race
// by the US Core extension; no e-mail, religion or contacts.
BOOST_AUTO_TEST_CASE(a_us_core_sample_patient_reads_as_expected) {
  const json bundle = json::parse(testing::Slurp(
      testing::SharedDir() / "fhir-samples" / "us-core-bundles" / "uscore_bundle_patient_85.json"));
  std::string patient;
  for (const json& entry : bundle["entry"]) {
    if (entry["resource"]["resourceType"] == "Patient") patient = entry["resource"].dump();
  }
  BOOST_TEST_REQUIRE(!patient.empty());
  const std::vector<ProfileRow> rows = Compare(patient, EveryChangeTask());
  BOOST_TEST_REQUIRE(rows.size() == 8u);
  const std::vector<std::string> expected = {
      "Married (M)",       "White",
      "(none on record)",  "934 Olson Highlands, Lowell, MA 01854, US",
      "home 555-510-6254", "(none on record)",
      "(none on record)",  "(none on record)"};
  for (size_t i = 0; i < rows.size(); ++i) {
    BOOST_TEST(rows[i].current == expected[i], rows[i].field);
  }
}

const char kTaskHead[] = R"({"resourceType": "Task", "id": "r1",
  "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "change"}]},
  "focus": {"reference": "Patient/pat-1"}, )";

BOOST_AUTO_TEST_CASE(odd_task_json_is_refused_never_crashes) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "not a FHIR Task"},
      {"{", "not a FHIR Task"},
      {"[]", "not a FHIR Task"},
      {R"({"resourceType": "Communication"})", "not a FHIR Task"},
      {R"({"resourceType": "Task"})", "code is not \"change\""},
      {R"({"resourceType": "Task", "code": {"coding": [{"code": "fulfill"}]}})",
       "code is not \"change\""},
      {R"({"resourceType": "Task", "code": {"coding": "change"}})", "code is not \"change\""},
      {std::string(kTaskHead) + R"("input": {"x": 1}})", "input is not a list"},
      {std::string(kTaskHead) +
           R"("input": [{"type": {"coding": [{"system": "urn:portal:profile-field",
                                              "code": "shoe_size"}]}, "valueString": "9"}]})",
       "input 0: unknown profile field \"shoe_size\""},
      {std::string(kTaskHead) +
           R"("input": [{"type": {"coding": [{"system": "urn:portal:profile-field",
                                              "code": 5}]}}]})",
       "input 0: unknown profile field \"\""},
      {std::string(kTaskHead) +
           R"("input": [null, {"type": {"coding": [{"system": "urn:portal:profile-field",
                                                    "code": "address"}]},
                                "valueAddress": "12 Main St"}]})",
       "input 1 (address): no valueAddress"},
      {std::string(kTaskHead) +
           R"("input": [{"type": {"coding": [{"system": "urn:portal:profile-field",
                                              "code": "race"}]},
                         "valueCodeableConcept": {}}]})",
       "input 0 (race): no valueCodeableConcept"}};
  for (const auto& [task, message] : cases) {
    BOOST_TEST_CONTEXT("task " << task) {
      std::vector<ProfileRow> rows;
      Status s = CompareProfile(Config(), kPatient, task, &rows);
      BOOST_TEST((s.code() == Status::Code::kInvalidInput));
      BOOST_TEST(s.message().find(message) != std::string::npos, s.message());
      std::string ndjson;
      s = BuildChangeExport(Config(), task, {}, kStaffKey, kNow, &ndjson);
      BOOST_TEST((s.code() == Status::Code::kInvalidInput));
      BOOST_TEST(s.message().find(message) != std::string::npos, s.message());
    }
  }
  // Inputs that are not profile fields (the transport, oddities) are passed over.
  const std::string no_fields = std::string(kTaskHead) + R"("input": [null, 1, "x", {}]})";
  BOOST_TEST(Compare(kPatient, no_fields).empty());
}

BOOST_AUTO_TEST_CASE(a_field_the_config_does_not_list_is_refused_by_name) {
  PortalConfig config = Config();
  std::erase_if(config.profile_fields,
                [](const PortalConfig::ProfileField& f) { return f.id == "religion"; });
  std::vector<ProfileRow> rows;
  const Status s = CompareProfile(config, kPatient, EveryChangeTask(), &rows);
  BOOST_TEST((s.code() == Status::Code::kInvalidInput));
  BOOST_TEST(s.message() ==
             "change Task input 2: \"religion\" is not a profile field in the config");
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

  json patient = json::parse(kPatient);
  patient["extension"][2] = {{"url", "http://hl7.org/fhir/StructureDefinition/patient-religion"},
                             {"valueCodeableConcept", {{"text", tricky}}}};
  patient["contact"][0]["name"] = {{"text", tricky}};
  const std::vector<ProfileRow> rows = Compare(patient.dump(), task);
  BOOST_TEST(rows[2].current == tricky);
  BOOST_TEST(rows[2].proposed == tricky);
  BOOST_TEST(rows[3].proposed == tricky + ", " + tricky + ", CT 06360");
  BOOST_TEST(rows[6].current.starts_with(tricky + kDash));
  BOOST_TEST(rows[6].proposed == tricky);

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
