#define BOOST_TEST_MODULE readable_model_test
// The summary model a patient can read (issue 12 section 3), from written-out FHIR records:
// allergies apart from conditions, results by panel and by test, medications with their
// instructions, visits with their facts, one row per vaccine, reports and documents.
#include <boost/test/unit_test.hpp>

#include "core/fhir_time.h"
#include "tests/generator/summaries/summary_records.h"

namespace portal {
namespace {

using namespace portal::testing;  // NOLINT: the fixture's records and lookups.

const json kActive =
    Coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active");

using Facts = Names;  // "Name: value".

Facts FactsOf(const SummaryEntry& e) {
  Facts out;
  for (const auto& f : e.facts) out.push_back(f.name + ": " + f.value);
  return out;
}

const SummaryEntry& Row(const SummaryModel& m, const std::string& section,
                        const std::string& label) {
  for (const auto& e : Section(m, section).entries) {
    if (e.label == label) return e;
  }
  BOOST_FAIL("no row " << label << " in " << section);
  return Section(m, section).entries.front();
}

BOOST_AUTO_TEST_CASE(allergies_show_substance_reaction_severity_and_criticality) {
  Records r;
  r.Add({{"resourceType", "AllergyIntolerance"},
         {"id", "a1"},
         {"clinicalStatus", kActive},
         {"category", json::array({"medication"})},
         {"criticality", "high"},
         {"code", Coding(kSnomed, "91936005", "Allergy to penicillin (finding)")},
         {"recordedDate", "2019-03-04"},
         {"reaction",
          json::array({{{"manifestation",
                         json::array({Coding(kSnomed, "39579001", "Anaphylaxis (disorder)"),
                                      Coding(kSnomed, "247472004", "Hives")})},
                        {"severity", "severe"}},
                       {{"manifestation", json::array({Coding(kSnomed, "247472004", "Hives")})},
                        {"severity", "mild"}}})}});
  r.Add({{"resourceType", "AllergyIntolerance"},
         {"id", "a2"},
         {"clinicalStatus", kActive},
         {"category", json::array({"food", "environment"})},
         {"criticality", "low"},
         {"code", {{"text", "Peanut"}}},
         {"recordedDate", "2010-05-06"}});
  r.Add({{"resourceType", "Condition"},
         {"id", "c1"},
         {"clinicalStatus", kActive},
         {"code", Coding(kSnomed, "195967001", "Asthma (disorder)")},
         {"onsetDateTime", "2021-01-01"}});
  const SummaryModel m = Summary(r);
  const SummarySection& s = Section(m, "allergies_conditions");
  BOOST_TEST(s.lists_allergies);
  BOOST_REQUIRE(s.entries.size() == 3u);
  BOOST_TEST(s.entries[0].kind == "allergy");
  BOOST_TEST(s.entries[0].label == "Allergy to penicillin");
  BOOST_TEST(s.entries[0].alert);
  BOOST_TEST(s.entries[0].date.text == "2019-03-04");
  BOOST_TEST(FactsOf(s.entries[0]) == (Facts{"Category: Medication", "Reaction: Anaphylaxis, Hives",
                                             "Severity: Severe", "Criticality: High"}),
             boost::test_tools::per_element());
  BOOST_TEST(s.entries[1].label == "Peanut");
  BOOST_TEST(!s.entries[1].alert);
  BOOST_TEST(FactsOf(s.entries[1]) == (Facts{"Category: Food, Environment", "Criticality: Low"}),
             boost::test_tools::per_element());
  BOOST_TEST(s.entries[2].kind == "condition");
  BOOST_TEST(s.entries[2].label == "Asthma");
}

// "No known allergies" (a recorded statement) differs from no allergy record at all.
BOOST_AUTO_TEST_CASE(no_known_allergy_is_not_no_record) {
  Records none;
  none.Add({{"resourceType", "Condition"},
            {"id", "c1"},
            {"clinicalStatus", kActive},
            {"code", {{"text", "Asthma"}}}});
  const SummaryModel none_model = Summary(none);
  const SummarySection& without = Section(none_model, "allergies_conditions");
  BOOST_TEST(without.lists_allergies);
  BOOST_REQUIRE(without.entries.size() == 1u);
  BOOST_TEST(without.entries[0].kind == "condition");

  for (const char* code : {"716186003", "409137002", "428607008", "429625007"}) {
    Records r = none;
    r.Add({{"resourceType", "AllergyIntolerance"},
           {"id", "nka"},
           {"clinicalStatus", kActive},
           {"code", Coding(kSnomed, code, "No known allergy (situation)")}});
    const SummaryModel m = Summary(r);
    const SummarySection& s = Section(m, "allergies_conditions");
    BOOST_REQUIRE(s.entries.size() == 2u);
    BOOST_TEST(s.entries[0].kind == "no-known-allergy", code);
    BOOST_TEST(s.Count() == 1u);  // The statement is not an allergy.
  }
  BOOST_TEST(!Section(none_model, "medications").lists_allergies);
}

// Two CBCs and a metabolic panel: hemoglobin named two ways is one test (LOINC 718-7), in the
// panel of its latest point; a glucose outside any report goes to "Other results".
BOOST_AUTO_TEST_CASE(results_by_panel_and_by_loinc_code) {
  Records r;
  auto lab = [&](const std::string& id, const std::string& loinc, const std::string& display,
                 const std::string& when, json value) {
    r.Lab(id, display, when);
    r.Patch({{"code", Coding(kLoinc, loinc, display)}, {"valueQuantity", value}});
  };
  auto gdl = [](int v) {
    return json{{"value", v}, {"system", "http://unitsofmeasure.org"}, {"code", "g/dL"}};
  };
  lab("h1", "718-7", "Hemoglobin [Mass/volume] in Blood", "2020-02-03T09:00:00Z", gdl(13));
  lab("w1", "6690-2", "Leukocytes [#/volume] in Blood", "2020-02-03T09:00:00Z", gdl(5));
  lab("h2", "718-7", "Hemoglobin", "2024-04-05T09:00:00Z", gdl(12));
  r.Patch({{"interpretation", json::array({Coding("http://terminology.hl7.org/CodeSystem/"
                                                  "v3-ObservationInterpretation",
                                                  "L")})}});
  lab("k1", "2823-3", "Potassium", "2023-01-01T09:00:00Z", gdl(7));
  r.Patch({{"interpretation", json::array({Coding("http://terminology.hl7.org/CodeSystem/"
                                                  "v3-ObservationInterpretation",
                                                  "HH")})}});
  lab("g1", "2339-0", "Glucose", "2022-01-01T09:00:00Z", gdl(90));
  r.Report("cbc1", "CBC panel", "2020-02-03T09:00:00Z", Coding(kV20074, "LAB"));
  r.Patch({{"code", Coding(kLoinc, "58410-2", "CBC panel - Blood by Automated count")},
           {"result",
            json::array({{{"reference", "Observation/h1"}}, {{"reference", "Observation/w1"}}})}});
  r.Report("cbc2", "CBC", "2024-04-05T09:00:00Z", Coding(kV20074, "LAB"));
  r.Patch({{"code", Coding(kLoinc, "58410-2", "CBC panel - Blood by Automated count")},
           {"result", json::array({{{"reference", "Observation/h2"}}})}});
  r.Report("bmp", "BMP", "2023-01-01T09:00:00Z", Coding(kV20074, "LAB"));
  r.Patch({{"code", Coding(kLoinc, "51990-0", "Basic metabolic panel - Blood")},
           {"result", json::array({{{"reference", "Observation/k1"}}})}});
  const SummaryModel m = Summary(r);
  const auto& panels = Section(m, "results").panels;
  BOOST_REQUIRE(panels.size() == 3u);
  // Newest first: the CBC (2024), the metabolic panel (2023), other results (2022).
  BOOST_TEST(panels[0].key == "http://loinc.org|58410-2");
  BOOST_TEST(panels[0].label == "CBC panel - Blood by Automated count");
  BOOST_TEST(panels[0].latest.text == "2024-04-05");
  BOOST_REQUIRE(panels[0].tests.size() == 2u);
  const ResultTest& hb = panels[0].tests[0];
  BOOST_TEST(hb.key == "http://loinc.org|718-7");
  BOOST_TEST(hb.label == "Hemoglobin");  // The latest point's name.
  BOOST_REQUIRE(hb.points.size() == 2u);
  BOOST_TEST(hb.points[0].date.text == "2024-04-05");
  BOOST_TEST(hb.points[0].value.Display() == "12 g/dL");
  BOOST_TEST(hb.points[0].flag == "Low");
  BOOST_TEST(hb.points[1].date.text == "2020-02-03");
  BOOST_TEST(hb.points[1].value.Display() == "13 g/dL");
  BOOST_TEST(hb.points[1].flag == "");
  BOOST_TEST(panels[0].tests[1].key == "http://loinc.org|6690-2");
  BOOST_TEST(panels[1].label == "Basic metabolic panel - Blood");
  BOOST_REQUIRE(panels[1].tests.size() == 1u);
  BOOST_TEST(panels[1].tests[0].points.at(0).flag == "Critical high");
  BOOST_TEST(panels[2].key == "");
  BOOST_TEST(panels[2].label == "Other results");
  BOOST_REQUIRE(panels[2].tests.size() == 1u);
  BOOST_TEST(panels[2].tests[0].label == "Glucose");
  BOOST_TEST(Section(m, "results").Count() == 4u);
}

// A range written in the value's UCUM code without its system is the value's unit: read as
// such, and compared for the flag.
BOOST_AUTO_TEST_CASE(ranges_in_the_values_unit) {
  Records r;
  r.AddText("Observation", "plt",
            R"({"resourceType":"Observation","id":"plt","status":"final","category":[{"coding":)"
            R"([{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":)"
            R"("laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"777-3",)"
            R"("display":"Platelets"}]},"effectiveDateTime":"2025-01-02T10:00:00Z",)"
            R"("valueQuantity":{"value":120,"unit":"10*3/uL","system":"http://unitsofmeasure.org",)"
            R"("code":"10*3/uL"},"referenceRange":[{"low":{"value":150,"unit":"10*3/uL"},)"
            R"("high":{"value":450,"unit":"10*3/uL"}}]})");
  r.AddText("Observation", "na",
            R"({"resourceType":"Observation","id":"na","status":"final","category":[{"coding":)"
            R"([{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":)"
            R"("laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"2951-2",)"
            R"("display":"Sodium"}]},"effectiveDateTime":"2025-01-02T10:00:00Z",)"
            R"("valueQuantity":{"value":150,"unit":"mmol/L"},"referenceRange":[{"low":{"value":)"
            R"(3.1,"unit":"g/L"},"high":{"value":3.3,"unit":"g/L"}}]})");
  const SummaryModel m = Summary(r);
  const auto& tests = Section(m, "results").panels.at(0).tests;
  BOOST_REQUIRE(tests.size() == 2u);
  BOOST_TEST(tests[0].label == "Platelets");
  BOOST_TEST(tests[0].points.at(0).range == "150–450 10³/µL");
  BOOST_TEST(tests[0].points.at(0).flag == "Low");
  BOOST_TEST(tests[1].points.at(0).range == "3.1–3.3 g/L");  // Another unit: as written ...
  BOOST_TEST(tests[1].points.at(0).flag == "");              // ... and never compared.
}

// Every point of a test obeys the rules: a result from 2002 and one issued an hour ago are
// not among the test's points.
BOOST_AUTO_TEST_CASE(each_point_is_released_by_the_rules) {
  Records r;
  for (const char* when :
       {"2002-06-01T12:00:00Z", "2010-06-01T12:00:00Z", "2025-05-31T23:00:00Z"}) {
    r.Lab(std::string("h") + when, "Hemoglobin", when);
    r.Patch({{"code", Coding(kLoinc, "718-7", "Hemoglobin")},
             {"valueQuantity", {{"value", 13}, {"unit", "g/dL"}}}});
  }
  const SummaryModel m = Summary(r);
  const auto& panels = Section(m, "results").panels;
  BOOST_REQUIRE(panels.size() == 1u);
  BOOST_REQUIRE(panels[0].tests.size() == 1u);
  BOOST_REQUIRE(panels[0].tests[0].points.size() == 1u);
  BOOST_TEST(panels[0].tests[0].points[0].date.text == "2010-06-01");
}

BOOST_AUTO_TEST_CASE(medications_with_instructions_reason_and_prescribed_date) {
  Records r;
  r.Add({{"resourceType", "MedicationRequest"},
         {"id", "m1"},
         {"status", "active"},
         {"authoredOn", "2024-02-03T15:00:00-05:00"},
         {"medicationCodeableConcept", Coding(kSnomed, "1", "Ibuprofen 200 MG Oral Tablet")},
         {"reasonCode", json::array({Coding(kSnomed, "2", "Headache (finding)")})},
         {"dosageInstruction",
          json::array(
              {{{"timing", {{"repeat", {{"frequency", 2}, {"period", 1}, {"periodUnit", "d"}}}}},
                {"asNeededBoolean", true},
                {"doseAndRate",
                 json::array({{{"doseQuantity", {{"value", 1}, {"unit", "tablet"}}}}})}}})}});
  r.Add({{"resourceType", "MedicationRequest"},
         {"id", "m2"},
         {"status", "active"},
         {"authoredOn", "2023-01-01"},
         {"medicationCodeableConcept", {{"text", "Insulin"}}},
         {"reasonReference", json::array({{{"reference", "Condition/x"},
                                           {"display", "Diabetes mellitus type 2 (disorder)"}}})},
         {"dosageInstruction", json::array({{{"text", "10 units before breakfast"}}})}});
  r.Add({{"resourceType", "MedicationRequest"},
         {"id", "m3"},
         {"status", "active"},
         {"authoredOn", "2022-01-01"},
         {"medicationCodeableConcept", {{"text", "Amoxicillin"}}},
         {"dosageInstruction",
          json::array(
              {{{"timing", {{"repeat", {{"frequency", 1}, {"period", 8}, {"periodUnit", "h"}}}}},
                {"doseAndRate", json::array({{{"doseQuantity", {{"value", 0.5}}}}})}}})}});
  const SummaryModel m = Summary(r);
  const SummaryEntry& ibuprofen = Row(m, "medications", "Ibuprofen 200 MG Oral Tablet");
  BOOST_TEST(ibuprofen.kind == "medication");
  BOOST_TEST(ibuprofen.date.text == "2024-02-03");
  BOOST_TEST(FactsOf(ibuprofen) ==
                 (Facts{"Instructions: 1 tablet, 2 times a day, as needed", "Reason: Headache"}),
             boost::test_tools::per_element());
  BOOST_TEST(
      FactsOf(Row(m, "medications", "Insulin")) ==
          (Facts{"Instructions: 10 units before breakfast", "Reason: Diabetes mellitus type 2"}),
      boost::test_tools::per_element());
  BOOST_TEST(FactsOf(Row(m, "medications", "Amoxicillin")) ==
                 (Facts{"Instructions: 0.5 doses, every 8 hours"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(visits_with_type_place_clinician_reason_and_length_of_stay) {
  Records r;
  auto cls = [](const char* code) {
    return json{{"system", "http://terminology.hl7.org/CodeSystem/v3-ActCode"}, {"code", code}};
  };
  r.Add({{"resourceType", "Encounter"},
         {"id", "e1"},
         {"status", "finished"},
         {"class", cls("IMP")},
         {"type", json::array({Coding(kSnomed, "1", "Hospital admission (procedure)")})},
         // 2020-03-01 23:30 to 2020-03-04 01:00 in New York: three local days.
         {"period", {{"start", "2020-03-02T04:30:00Z"}, {"end", "2020-03-04T06:00:00Z"}}},
         {"location", json::array({{{"location", {{"display", "Backus Hospital"}}}}})},
         {"participant", json::array({{{"individual", {{"display", "Dr. Jane Roe"}}}}})},
         {"reasonCode", json::array({Coding(kSnomed, "2", "Pneumonia (disorder)")})}});
  r.Add(
      {{"resourceType", "Encounter"},
       {"id", "e2"},
       {"status", "finished"},
       {"class", cls("AMB")},
       {"type", json::array({Coding(kSnomed, "3", "General examination of patient (procedure)")})},
       {"period", {{"start", "2021-05-05T14:00:00Z"}, {"end", "2021-05-05T14:30:00Z"}}}});
  r.Add({{"resourceType", "Encounter"},
         {"id", "e3"},
         {"status", "finished"},
         {"class", cls("EMER")},
         {"period", {{"start", "2022-07-07T14:00:00Z"}}}});
  const SummaryModel m = Summary(r);
  BOOST_TEST(Labels(m, "visit_history") ==
                 (Names{"Emergency", "General examination of patient", "Hospital admission"}),
             boost::test_tools::per_element());
  const SummaryEntry& stay = Row(m, "visit_history", "Hospital admission");
  BOOST_TEST(stay.kind == "visit");
  BOOST_TEST(stay.date.text == "2020-03-01");
  BOOST_TEST(FactsOf(stay) ==
                 (Facts{"Type: Inpatient stay", "Place: Backus Hospital", "Clinician: Dr. Jane Roe",
                        "Reason: Pneumonia", "Length of stay: 3 days"}),
             boost::test_tools::per_element());
  BOOST_TEST(FactsOf(Row(m, "visit_history", "General examination of patient")) ==
                 (Facts{"Type: Office visit"}),
             boost::test_tools::per_element());
  BOOST_TEST(FactsOf(Row(m, "visit_history", "Emergency")) == (Facts{"Type: Emergency"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(one_row_per_vaccine_with_every_date) {
  Records r;
  auto shot = [&](const std::string& id, const std::string& cvx, const std::string& name,
                  const std::string& when) {
    r.Add({{"resourceType", "Immunization"},
           {"id", id},
           {"status", "completed"},
           {"vaccineCode", Coding("http://hl7.org/fhir/sid/cvx", cvx, name)},
           {"occurrenceDateTime", when}});
  };
  shot("i1", "140", "Influenza, seasonal, injectable, preservative free", "2019-10-01");
  shot("i2", "140", "Influenza, seasonal, injectable, preservative free", "2021-10-01");
  shot("i3", "140", "Flu shot", "2020-10-01");
  shot("i4", "113", "Td (adult) preservative free", "2015-03-03");
  const SummaryModel m = Summary(r);
  const SummarySection& s = Section(m, "preventive_care");
  BOOST_REQUIRE(s.entries.size() == 2u);
  BOOST_TEST(s.entries[0].kind == "immunization");
  BOOST_TEST(s.entries[0].label == "Influenza, seasonal, injectable, preservative free");
  BOOST_TEST(s.entries[0].date.text == "2021-10-01");
  Names dates;
  for (const auto& d : s.entries[0].history) dates.push_back(d.text);
  BOOST_TEST(dates == (Names{"2021-10-01", "2020-10-01", "2019-10-01"}),
             boost::test_tools::per_element());
  BOOST_TEST(s.entries[1].label == "Td (adult) preservative free");
  BOOST_TEST(s.entries[1].history.size() == 1u);
}

BOOST_AUTO_TEST_CASE(reports_and_documents_with_their_conclusion_or_description) {
  Records r;
  r.Report("x1", "Chest X-ray", "2025-01-02T10:00:00Z", Coding(kV20074, "RAD"));
  r.Patch({{"conclusion", "No acute findings."}});
  r.Add({{"resourceType", "DocumentReference"},
         {"id", "d1"},
         {"status", "current"},
         {"type", Coding(kLoinc, "34117-2", "History and physical note")},
         {"description", "Admission history and physical"},
         {"date", "2025-01-01T10:00:00Z"}});
  const SummaryModel m = Summary(r);
  const auto& rows = Section(m, "reports").entries;
  BOOST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(rows[0].kind == "report");
  BOOST_TEST(rows[0].label == "Chest X-ray");
  BOOST_TEST(rows[0].detail == "No acute findings.");
  BOOST_TEST(rows[1].kind == "document");
  BOOST_TEST(rows[1].label == "History and physical note");
  BOOST_TEST(rows[1].detail == "Admission history and physical");
}

// A LAB report with a conclusion shows as one test, the conclusion its value, until one of its
// own results is released.
BOOST_AUTO_TEST_CASE(a_lab_report_conclusion_stands_in_for_unreleased_results) {
  Records r;
  r.Lab("u1", "Culture", FormatInstant(kAsOf - kHour));
  r.Patch({{"code", Coding(kLoinc, "630-4", "Bacteria identified in Urine by Culture")}});
  r.Report("u", "Urine culture", "2025-01-02T10:00:00Z", Coding(kV20074, "LAB"));
  r.Patch({{"code", {{"text", "Urine culture"}}},
           {"conclusion", "No growth"},
           {"result", json::array({{{"reference", "Observation/u1"}}})}});
  const SummaryModel before = Summary(r);
  BOOST_TEST(AllText(before) == "Urine culture\nUrine culture\nNo growth\n");
  BOOST_TEST(before.valid_until == kAsOf + 71 * kHour);  // When u1 is released.
  const SummaryModel after = Summary(r, kAsOf + 71 * kHour);
  BOOST_TEST(AllText(after) == "Urine culture\nBacteria identified in Urine by Culture\n\n");
}

}  // namespace
}  // namespace portal
