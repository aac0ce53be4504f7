#define BOOST_TEST_MODULE fhir_resource_test
#include "generator/records/fhir_resource.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

using Where = ResolvedReference::Where;

const std::vector<std::string> kNoBases;
const std::vector<std::string> kLocalBase = {"https://ehr.example.org/fhir/"};

struct Read {
  Status status;
  FhirResource resource;
};

// Parses `json` and reads it as one resource outside any Bundle.
Read ReadJson(const std::string& json, const std::vector<std::string>& bases = kNoBases) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  BOOST_REQUIRE(parser.parse(json).get(element) == simdjson::SUCCESS);
  Read out;
  out.status = ReadFhirResource(element, json, ReferenceResolver(bases), &out.resource);
  return out;
}

// The patient a resource is filed under ("" for shared), requiring that it was read.
std::string PatientOf(const std::string& json) {
  Read r = ReadJson(json);
  BOOST_REQUIRE_MESSAGE(r.status.ok(), r.status.message());
  return r.resource.patient_id;
}

BOOST_AUTO_TEST_CASE(type_names_and_ids_follow_fhir_syntax) {
  BOOST_TEST(IsFhirTypeName("Claim"));
  BOOST_TEST(IsFhirTypeName("ExplanationOfBenefit"));
  BOOST_TEST(!IsFhirTypeName("claim"));
  BOOST_TEST(!IsFhirTypeName("C"));
  BOOST_TEST(!IsFhirTypeName("Claim2"));
  BOOST_TEST(!IsFhirTypeName("Claim Smith"));
  BOOST_TEST(IsFhirTypeName("A" + std::string(63, 'b')));
  BOOST_TEST(!IsFhirTypeName("A" + std::string(64, 'b')));
  BOOST_TEST(IsFhirId("a-1.B"));
  BOOST_TEST(IsFhirId(std::string(64, '7')));
  BOOST_TEST(!IsFhirId(std::string(65, '7')));
  BOOST_TEST(!IsFhirId(""));
  BOOST_TEST(!IsFhirId("a/b"));
  BOOST_TEST(!IsFhirId("a_b"));
}

BOOST_AUTO_TEST_CASE(relative_references_are_local_absolute_ones_only_under_a_local_base) {
  const ReferenceResolver plain(kNoBases);
  ResolvedReference r = plain.Resolve("Patient/x");
  BOOST_TEST((r.where == Where::kLocal));
  BOOST_TEST(r.type == "Patient");
  BOOST_TEST(r.id == "x");
  r = plain.Resolve("Patient/x/_history/3");
  BOOST_TEST((r.where == Where::kLocal));
  BOOST_TEST(r.id == "x");
  r = plain.Resolve("https://elsewhere/fhir/Patient/x");
  BOOST_TEST((r.where == Where::kForeign));
  BOOST_TEST(r.type == "Patient");
  BOOST_TEST(r.id == "x");
  BOOST_TEST((plain.Resolve("https://ehr.example.org/fhir/Patient/x").where == Where::kForeign));
  for (const char* unreadable : {"urn:uuid:0b6e7a2c", "Patient", "Patient/", "Patient/x/y",
                                 "Patient?identifier=M123456", "#contained", "patient/x", ""}) {
    BOOST_TEST((plain.Resolve(unreadable).where == Where::kUnreadable), unreadable);
  }

  const ReferenceResolver local(kLocalBase);
  r = local.Resolve("https://ehr.example.org/fhir/Patient/x/_history/1");
  BOOST_TEST((r.where == Where::kLocal));
  BOOST_TEST(r.type == "Patient");
  BOOST_TEST(r.id == "x");
  BOOST_TEST(
      (local.Resolve("https://ehr.example.org/fhir/other/Patient/x").where == Where::kUnreadable));
  BOOST_TEST((local.Resolve("https://ehr.example.org/fhirs/Patient/x").where == Where::kForeign));
  BOOST_TEST((local.Resolve("http://ehr.example.org/fhir/Patient/x").where == Where::kForeign));
  BOOST_TEST((local.Resolve("Patient/x").where == Where::kLocal));
}

BOOST_AUTO_TEST_CASE(a_bundles_full_urls_name_its_entries) {
  const ReferenceResolver::FullUrls urls = {
      {"urn:uuid:0b6e7a2c", {"Patient", "p1"}},
      {"https://elsewhere/fhir/Patient/x", {"Patient", "x"}},
  };
  const ReferenceResolver in_bundle(kNoBases, &urls);
  ResolvedReference r = in_bundle.Resolve("urn:uuid:0b6e7a2c");
  BOOST_TEST((r.where == Where::kLocal));
  BOOST_TEST(r.id == "p1");
  // The entry is in this extract, so its absolute full URL names it here.
  BOOST_TEST((in_bundle.Resolve("https://elsewhere/fhir/Patient/x").where == Where::kLocal));
  BOOST_TEST((in_bundle.Resolve("https://elsewhere/fhir/Patient/y").where == Where::kForeign));
  BOOST_TEST((in_bundle.Resolve("urn:uuid:ffff").where == Where::kUnreadable));
}

BOOST_AUTO_TEST_CASE(real_export_types_are_filed_by_the_r4_patient_compartment) {
  // Type, and the field (as written in the resource) that names its Patient.
  const std::vector<std::pair<std::string, std::string>> kFields = {
      {"Claim",
       R"("patient":{"reference":"Patient/p1"},"provider":{"reference":"Organization/o"})"},
      {"ExplanationOfBenefit", R"("patient":{"reference":"Patient/p1"})"},
      {"CarePlan", R"("subject":{"reference":"Patient/p1"})"},
      {"CareTeam", R"("subject":{"reference":"Patient/p1"})"},
      {"ImagingStudy", R"("subject":{"reference":"Patient/p1"})"},
      {"MedicationAdministration", R"("subject":{"reference":"Patient/p1"})"},
      {"SupplyDelivery", R"("patient":{"reference":"Patient/p1"})"},
      {"Goal", R"("subject":{"reference":"Patient/p1"})"},
      {"Device", R"("patient":{"reference":"Patient/p1"})"},
      // Appointment.participant.actor: the first Patient among the participants.
      {"Appointment", R"("participant":[{"actor":{"reference":"Practitioner/dr"}},)"
                      R"({"actor":{"reference":"Patient/p1"}}])"},
      {"Account", R"("subject":[{"reference":"Patient/p1"}])"},  // A list.
  };
  for (const auto& [type, field] : kFields) {
    BOOST_TEST(PatientOf(R"({"resourceType":")" + type + R"(","id":"x1",)" + field + "}") == "p1",
               type);
  }
}

BOOST_AUTO_TEST_CASE(shared_and_optional_types_are_nobodys_without_a_patient) {
  BOOST_TEST(PatientOf(R"({"resourceType":"Provenance","id":"pv1","target":[)"
                       R"({"reference":"Patient/p1"}],"recorded":"2024-01-02T03:04:05Z"})") == "");
  BOOST_TEST(PatientOf(R"({"resourceType":"Location","id":"l1","name":"Ward 3"})") == "");
  BOOST_TEST(PatientOf(R"({"resourceType":"Organization","id":"o1"})") == "");
  BOOST_TEST(PatientOf(R"({"resourceType":"Device","id":"d1"})") == "");
  BOOST_TEST(PatientOf(R"({"resourceType":"SupplyDelivery","id":"s1"})") == "");
  BOOST_TEST(PatientOf(R"({"resourceType":"Specimen","id":"sp1","subject":)"
                       R"({"reference":"Location/l1"}})") == "");
}

BOOST_AUTO_TEST_CASE(an_unknown_type_is_filed_under_the_patient_it_names) {
  BOOST_TEST(PatientOf(R"({"resourceType":"Spaceship","id":"s1","subject":)"
                       R"({"reference":"Patient/p1"}})") == "p1");
  BOOST_TEST(PatientOf(R"({"resourceType":"Spaceship","id":"s1","patient":)"
                       R"({"reference":"Patient/p2"},"subject":{"reference":"Patient/p1"}})") ==
             "p2");
  BOOST_TEST(PatientOf(R"({"resourceType":"Spaceship","id":"s1","patient":)"
                       R"({"reference":"Group/g1"},"subject":{"reference":"Patient/p1"}})") ==
             "p1");
  BOOST_TEST(PatientOf(R"({"resourceType":"Spaceship","id":"s1","subject":)"
                       R"({"reference":"Group/g1"}})") == "");
  BOOST_TEST(PatientOf(R"({"resourceType":"Spaceship","id":"s1","subject":"not a reference"})") ==
             "");
  BOOST_TEST(PatientOf(R"({"resourceType":"Spaceship","id":"s1"})") == "");
}

BOOST_AUTO_TEST_CASE(broken_records_fail_naming_the_field_never_a_value) {
  struct Case {
    std::string json;
    std::string message;
  };
  const std::vector<Case> cases = {
      {R"([1,2])", "not a JSON object"},
      {R"({"id":"x1"})", "no resourceType"},
      {R"({"resourceType":"Patient Smith","id":"x1"})",
       "resourceType is not a FHIR resource type name"},
      {R"({"resourceType":"Claim","patient":{"reference":"Patient/p1"}})", "Claim without an id"},
      {R"({"resourceType":"Claim","id":"Smith, John"})", "Claim: id is not a valid FHIR id"},
      {R"({"resourceType":"Claim","id":"c1"})", "Claim/c1: no patient reference (patient)"},
      {R"({"resourceType":"Claim","id":"c1","patient":{"reference":"Organization/o1"}})",
       "Claim/c1: patient does not reference a Patient"},
      {R"({"resourceType":"CarePlan","id":"cp1","subject":{"display":"John Smith"}})",
       "CarePlan/cp1: no patient reference (subject)"},
      {R"({"resourceType":"Observation","id":"o1","subject":{"reference":"Patient/p1"},)"
       R"("effectiveDateTime":"2026-02-31"})",
       "Observation/o1: effectiveDateTime is not a valid FHIR date"},
      {R"({"resourceType":"Encounter","id":"e1","subject":{"reference":"Patient/p1"},)"
       R"("period":{"start":"2025-04-31T10:00:00Z"}})",
       "Encounter/e1: period.start is not a valid FHIR date"},
  };
  for (const auto& c : cases) {
    Read r = ReadJson(c.json);
    BOOST_TEST(!r.status.ok(), c.json);
    BOOST_TEST(r.status.message() == c.message, c.json);
  }
  // A bad date is charged to the patient already known.
  BOOST_TEST(ReadJson(cases[8].json).resource.patient_id == "p1");
}

BOOST_AUTO_TEST_CASE(another_servers_patient_is_never_the_local_one) {
  for (const char* type : {"Observation", "Spaceship", "Specimen"}) {
    Read r = ReadJson(std::string(R"({"resourceType":")") + type +
                      R"(","id":"o1","subject":{"reference":"https://elsewhere/fhir/Patient/x"}})");
    BOOST_TEST(!r.status.ok(), type);
    BOOST_TEST(r.status.message() ==
                   std::string(type) + "/o1: subject references another server's Patient",
               type);
    BOOST_TEST(r.resource.patient_id == "", type);
  }
  const std::string local = R"({"resourceType":"Observation","id":"o1","subject":)"
                            R"({"reference":"https://ehr.example.org/fhir/Patient/x"}})";
  BOOST_TEST(!ReadJson(local).status.ok());
  Read r = ReadJson(local, kLocalBase);
  BOOST_REQUIRE_MESSAGE(r.status.ok(), r.status.message());
  BOOST_TEST(r.resource.patient_id == "x");
}

BOOST_AUTO_TEST_CASE(the_stored_text_is_the_records_own_minified) {
  const std::string json =
      "{ \"resourceType\" : \"Observation\",\n  \"id\" : \"o1\",\n"
      "  \"subject\" : { \"reference\" : \"Patient/p1\" },\n"
      "  \"valueQuantity\" : { \"value\" : 1.50, \"unit\" : \"mmol / L\" },\n"
      "  \"component\" : [ { \"valueInteger\" : 1234567 }, { \"valueQuantity\" : "
      "{ \"value\" : 0.000012 } }, { \"valueQuantity\" : { \"value\" : 1e3 } } ],\n"
      "  \"note\" : [ { \"text\" : \"caf\\u00e9  \\\"two  spaces\\\"\" } ] }\n";
  Read r = ReadJson(json);
  BOOST_REQUIRE_MESSAGE(r.status.ok(), r.status.message());
  BOOST_TEST(r.resource.json ==
             R"({"resourceType":"Observation","id":"o1","subject":{"reference":"Patient/p1"},)"
             R"("valueQuantity":{"value":1.50,"unit":"mmol / L"},"component":[)"
             R"({"valueInteger":1234567},{"valueQuantity":{"value":0.000012}},)"
             R"({"valueQuantity":{"value":1e3}}],)"
             R"("note":[{"text":"caf\u00e9  \"two  spaces\""}]})");
  // SHA-256 of that text, from sha256sum.
  BOOST_TEST(r.resource.hash == "8ffc02629fe6c762c186f5fa18c13ed76954f7ce6398b1846e061884b89cb620");
}

// DuplicateKeyPath of `json` (parsed with simdjson, which keeps both members).
std::string DuplicateIn(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  BOOST_REQUIRE(parser.parse(json).get(element) == simdjson::SUCCESS);
  return DuplicateKeyPath(element);
}

BOOST_AUTO_TEST_CASE(a_key_named_twice_is_found_at_any_depth_by_its_path) {
  BOOST_TEST(DuplicateIn(R"({"resourceType":"Patient","id":"a","id":"b"})") == "id");
  BOOST_TEST(DuplicateIn(R"({"resourceType":"Observation","id":"o","subject":{"reference":)"
                         R"("Patient/a","reference":"Patient/b"}})") == "subject.reference");
  BOOST_TEST(DuplicateIn(R"({"code":{"coding":[{"code":"1"},{"system":"s","code":"2",)"
                         R"("system":"t"}]}})") == "code.coding[1].system");
  BOOST_TEST(DuplicateIn(R"({"a":[[{"x":1}],[{"y":{"z":1,"z":2}}]]})") == "a[1][0].y.z");
  // A key that is not an element name is not written out.
  BOOST_TEST(DuplicateIn(R"({"ext":{"Zen wick":1,"Zen wick":2}})") == "ext.?");
  // Past 16 members the keys are sorted: the duplicate is found wherever it is.
  std::string wide = R"({"resourceType":"Basic","id":"w","x":{)";
  for (int i = 0; i < 40; ++i) wide += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  BOOST_TEST(DuplicateIn(wide + R"("k39":0}})") == "x.k39");
  BOOST_TEST(DuplicateIn(wide + R"("k40":0}})") == "");
  // The same key in sibling objects, or differing in case, is no duplicate.
  BOOST_TEST(DuplicateIn(R"({"a":{"k":1},"b":{"k":1},"K":1,"k":[{"k":1},{"k":2}]})") == "");
  BOOST_TEST(DuplicateIn(R"([1,"x",null,{}])") == "");
}

}  // namespace
}  // namespace portal
