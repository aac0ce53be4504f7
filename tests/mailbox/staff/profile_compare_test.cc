#define BOOST_TEST_MODULE profile_compare_test
#include "mailbox/staff/profile_compare.h"

#include <algorithm>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "tests/mailbox/staff/profile_test_data.h"

namespace portal {
namespace {

using json = nlohmann::json;
using namespace portal::testing;

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
  // Past ParseJson's depth bound (64) the whole record is unreadable, wherever the nesting is.
  BOOST_TEST(Compare(deep_inside, EveryChangeTask())[1].current == "(record unreadable)");
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

BOOST_AUTO_TEST_CASE(odd_task_json_is_refused_never_crashes) {
  for (const auto& [task, message] : OddTasks()) {
    BOOST_TEST_CONTEXT("task " << task) {
      std::vector<ProfileRow> rows;
      Status s = CompareProfile(Config(), kPatient, task, &rows);
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
}

}  // namespace
}  // namespace portal
