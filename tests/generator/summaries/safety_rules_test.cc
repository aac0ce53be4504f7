#define BOOST_TEST_MODULE safety_rules_test
// The summary's safety rules (issue 12 section 2), each on written-out FHIR records: pathology
// never, retracted or unfinished records never, values exactly as recorded, dates in the
// hospital's time zone, sensitive findings for the patient only.
#include <algorithm>
#include <boost/test/unit_test.hpp>

#include "tests/generator/summaries/summary_records.h"

namespace portal {
namespace {

using namespace portal::testing;  // NOLINT: the fixture's records and lookups.

const std::string kClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical";
const std::string kVerification = "http://terminology.hl7.org/CodeSystem/condition-ver-status";

json ReportResults(std::initializer_list<const char*> references) {
  json out = json::array();
  for (const char* ref : references) out.push_back({{"reference", ref}});
  return out;
}

// A final laboratory result with a LOINC code, issued long before the as-of instant.
void CodedLab(Records* r, const std::string& id, const std::string& loinc,
              const std::string& display) {
  r->Lab(id, display, "2025-01-02T10:00:00Z");
  r->Patch({{"code", Coding(kLoinc, loinc, display)}});
}

size_t IndexOf(const std::vector<PortalConfig::ReleaseSection>& sections, const std::string& id) {
  for (size_t i = 0; i < sections.size(); ++i) {
    if (sections[i].id == id) return i;
  }
  BOOST_FAIL("no config section " << id);
  return 0;
}

BOOST_AUTO_TEST_CASE(results_of_a_pathology_report_are_pathology_however_referenced) {
  Records r;
  // A pathology report lists three laboratory-tagged results, by relative, absolute and
  // urn:uuid reference; a LAB report lists one of them and a fourth result.
  CodedLab(&r, "o1", "5778-6", "Color of Urine");
  CodedLab(&r, "o2", "5803-2", "pH of Urine");
  CodedLab(&r, "5f2c1d9e-0b7a-4c1e-9d3f-2a6b8c0e4f11", "33051-4", "Cells in Specimen");
  CodedLab(&r, "o4", "718-7", "Hemoglobin");
  r.Report("path", "Surgical pathology", "2025-01-02T10:00:00Z", Coding(kV20074, "SP"));
  r.Patch({{"result", ReportResults({"Observation/o1",
                                     "https://ehr.example.org/fhir/Observation/o2/_history/3",
                                     "urn:uuid:5f2c1d9e-0b7a-4c1e-9d3f-2a6b8c0e4f11"})}});
  r.Report("cbc", "Complete blood count", "2025-01-02T10:00:00Z", Coding(kV20074, "LAB"));
  r.Patch({{"result", ReportResults({"Observation/o1", "Observation/o4"})}});
  const SummaryModel m = Summary(r);
  BOOST_TEST(Labels(m, "results") == Names{"Hemoglobin"}, boost::test_tools::per_element());
  BOOST_TEST(AllText(m) == "Complete blood count\nHemoglobin\n\n");
}

BOOST_AUTO_TEST_CASE(results_and_reports_show_only_when_final_amended_corrected_or_appended) {
  Records r;
  const char* statuses[] = {"final",      "amended", "corrected", "appended",         "preliminary",
                            "registered", "partial", "cancelled", "entered-in-error", "unknown"};
  for (const char* status : statuses) {
    r.Lab(std::string("o-") + status, std::string("lab ") + status, "2025-01-02T10:00:00Z");
    r.Patch({{"status", status}});
    r.Report(std::string("r-") + status, std::string("xray ") + status, "2025-01-02T10:00:00Z",
             Coding(kV20074, "RAD"));
    r.Patch({{"status", status}, {"conclusion", "clear"}});
  }
  r.Lab("o-none", "lab without status", "2025-01-02T10:00:00Z");
  r.Patch({{"status", nullptr}});
  const SummaryModel m = Summary(r);
  BOOST_TEST(
      Labels(m, "results") == (Names{"lab amended", "lab appended", "lab corrected", "lab final"}),
      boost::test_tools::per_element());
  BOOST_TEST(Labels(m, "reports") ==
                 (Names{"xray amended", "xray appended", "xray corrected", "xray final"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(refuted_and_mistaken_conditions_and_allergies_never_show) {
  Records r;
  for (const char* type : {"Condition", "AllergyIntolerance"}) {
    for (const char* verification : {"confirmed", "unconfirmed", "refuted", "entered-in-error"}) {
      r.Add({{"resourceType", type},
             {"id", std::string(type) + verification},
             {"clinicalStatus", Coding(kClinical, "active")},
             {"verificationStatus", Coding(kVerification, verification)},
             {"code", {{"text", std::string(type) + " " + verification}}}});
    }
  }
  r.Add({{"resourceType", "Condition"},
         {"id", "c-eie"},
         {"status", "entered-in-error"},  // Not a Condition field, but never shown either.
         {"clinicalStatus", Coding(kClinical, "active")},
         {"code", {{"text", "Condition with status entered-in-error"}}}});
  BOOST_TEST(Labels(Summary(r), "allergies_conditions") ==
                 (Names{"AllergyIntolerance confirmed", "AllergyIntolerance unconfirmed",
                        "Condition confirmed", "Condition unconfirmed"}),
             boost::test_tools::per_element());
}

// The config's own status lists would hide most of these; they are widened here so that only
// the safety rule stands between the record and the page.
BOOST_AUTO_TEST_CASE(cancelled_prescriptions_visits_and_undone_immunizations_never_show) {
  PortalConfig cfg = ProjectConfig();
  cfg.release.sections[IndexOf(cfg.release.sections, "medications")].current_statuses = {
      "active", "cancelled", "entered-in-error"};
  cfg.release.sections[IndexOf(cfg.release.sections, "preventive_care")].current_statuses = {
      "completed", "not-done", "entered-in-error"};
  Records r;
  for (const char* status : {"active", "cancelled", "entered-in-error"}) {
    r.Add({{"resourceType", "MedicationRequest"},
           {"id", std::string("m-") + status},
           {"status", status},
           {"authoredOn", "2024-01-01"},
           {"medicationCodeableConcept", {{"text", std::string("drug ") + status}}}});
  }
  for (const char* status : {"completed", "not-done", "entered-in-error"}) {
    r.Add({{"resourceType", "Immunization"},
           {"id", std::string("i-") + status},
           {"status", status},
           {"occurrenceDateTime", "2024-01-01"},
           {"vaccineCode",
            Coding("http://hl7.org/fhir/sid/cvx", status, "vaccine " + std::string(status))}});
  }
  for (const char* status : {"finished", "cancelled", "entered-in-error"}) {
    r.Add({{"resourceType", "Encounter"},
           {"id", std::string("e-") + status},
           {"status", status},
           {"period", {{"start", "2024-01-01T10:00:00Z"}}},
           {"type", json::array({{{"text", std::string("visit ") + status}}})}});
  }
  const SummaryModel m = Summary(r, kAsOf, cfg);
  BOOST_TEST(Labels(m, "medications") == Names{"drug active"}, boost::test_tools::per_element());
  BOOST_TEST(Labels(m, "preventive_care") == Names{"vaccine completed"},
             boost::test_tools::per_element());
  BOOST_TEST(Labels(m, "visit_history") == Names{"visit finished"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(superseded_mistaken_and_preliminary_documents_never_show) {
  Records r;
  struct Doc {
    const char* label;
    const char* status;
    const char* doc_status;  // "" = none.
  };
  const Doc docs[] = {{"current", "current", ""},
                      {"current final", "current", "final"},
                      {"current amended", "current", "amended"},
                      {"superseded", "superseded", ""},
                      {"entered-in-error", "entered-in-error", ""},
                      {"docStatus entered-in-error", "current", "entered-in-error"},
                      {"docStatus preliminary", "current", "preliminary"}};
  int n = 0;
  for (const Doc& d : docs) {
    json doc = {{"resourceType", "DocumentReference"},
                {"id", "d" + std::to_string(++n)},
                {"status", d.status},
                {"type", Coding(kLoinc, "34117-2")},
                {"description", d.label},
                {"date", "2025-01-02T10:00:00Z"}};
    if (*d.doc_status != '\0') doc["docStatus"] = d.doc_status;
    r.Add(doc);
  }
  BOOST_TEST(
      Labels(Summary(r), "reports") == (Names{"current", "current amended", "current final"}),
      boost::test_tools::per_element());
}

// The numbers' digits come from the stored text: a double would print 1234567 as 1.23457e+06
// and 1.50 as 1.5.
BOOST_AUTO_TEST_CASE(values_exactly_as_recorded) {
  Records r;
  const std::string head =
      R"({"resourceType":"Observation","status":"final","category":[{"coding":[{"system":)"
      R"("http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],)"
      R"("effectiveDateTime":"2025-01-02T10:00:00Z",)";
  r.AddText("Observation", "v1",
            head + R"("id":"v1","code":{"coding":[{"system":"http://loinc.org","code":"20447-9",)"
                   R"("display":"HIV 1 RNA"}]},"valueQuantity":{"comparator":"<","value":20,)"
                   R"("unit":"copies/mL","system":"http://unitsofmeasure.org",)"
                   R"("code":"{copies}/mL"}})");
  r.AddText("Observation", "v2",
            head + R"("id":"v2","code":{"coding":[{"system":"http://loinc.org","code":"777-3",)"
                   R"("display":"Platelets"}]},"valueQuantity":{"value":1234567,)"
                   R"("system":"http://unitsofmeasure.org","code":"10*3/uL"}})");
  r.AddText("Observation", "v3",
            head + R"("id":"v3","code":{"coding":[{"system":"http://loinc.org","code":"2160-0",)"
                   R"("display":"Creatinine"}]},"valueQuantity":{"value":1.50,"unit":"mg/dL",)"
                   R"("system":"http://unitsofmeasure.org","code":"mg/dL"},)"
                   R"("referenceRange":[{"low":{"value":0.60,"unit":"mg/dL"},)"
                   R"("high":{"value":1.20,"unit":"mg/dL"}}]})");
  const SummaryModel m = Summary(r);
  const auto& panels = Section(m, "results").panels;
  BOOST_REQUIRE(panels.size() == 1u);
  std::map<std::string, ResultPoint> by_label;
  for (const auto& t : panels[0].tests) by_label[t.label] = t.points.at(0);
  const ResultPoint& hiv = by_label["HIV 1 RNA"];
  BOOST_TEST(hiv.value.comparator == "<");
  BOOST_TEST(hiv.value.number == "20");
  BOOST_TEST(hiv.value.unit == "copies/mL");
  BOOST_TEST(hiv.value.ucum == "{copies}/mL");
  BOOST_TEST(hiv.value.Display() == "<20 copies/mL");
  BOOST_TEST(hiv.flag == "");  // A comparator is not compared with a range.
  BOOST_TEST(by_label["Platelets"].value.Display() == "1234567 10³/µL");
  BOOST_TEST(by_label["Platelets"].value.ucum == "10*3/uL");
  const ResultPoint& creatinine = by_label["Creatinine"];
  BOOST_TEST(creatinine.value.Display() == "1.50 mg/dL");
  BOOST_TEST(creatinine.range == "0.60–1.20 mg/dL");
  BOOST_TEST(creatinine.flag == "High");  // From the range: no interpretation recorded.
}

// Records of an odd shape are read as far as they go, never printed as something else and
// never the end of the patient's summary.
BOOST_AUTO_TEST_CASE(odd_values_read_as_far_as_they_go) {
  Records r;
  r.Lab("s", "string number", "2025-01-02T10:00:00Z");
  r.Patch({{"valueQuantity", {{"value", "12"}, {"unit", "mg"}}},
           {"referenceRange", json::array({1, {{"low", {{"value", 1}}}}})}});
  r.Lab("q", "coded", "2025-01-02T10:00:00Z");
  r.Patch({{"valueCodeableConcept", Coding(kSnomed, "10828004", "Positive (qualifier value)")}});
  const SummaryModel m = Summary(r);
  std::string shown;
  for (const auto& t : Section(m, "results").panels.at(0).tests) {
    shown += t.label + "=" + t.points.at(0).value.Display() + "|" + t.points.at(0).range + ";";
  }
  BOOST_TEST(shown == "coded=Positive|;string number=|;");
}

// 2016-12-31T22:58:00-05:00 is 2017-01-01T03:58:00Z: New York's date is the 31st. The 72-hour
// rule still counts from the instant.
BOOST_AUTO_TEST_CASE(dates_are_the_hospitals_local_dates) {
  Records r;
  r.Lab("late", "late evening", "2016-12-31T22:58:00-05:00");
  r.Lab("utc", "written in UTC", "2017-01-01T03:58:00Z");
  r.Lab("edge", "released at as-of", "2025-05-28T20:00:00-04:00");  // 72 h before 2025-06-01Z.
  r.Lab("early", "not yet", "2025-05-28T20:00:01-04:00");
  r.Add({{"resourceType", "Condition"},
         {"id", "c"},
         {"clinicalStatus", Coding(kClinical, "active")},
         {"code", {{"text", "asthma"}}},
         {"onsetDateTime", "2008-12"}});  // A date without a time: as written.
  const SummaryModel m = Summary(r);
  Names dates;  // Newest first.
  for (const auto& p : Section(m, "results").panels) {
    for (const auto& t : p.tests) dates.push_back(t.label + " " + t.points.at(0).date.text);
  }
  BOOST_TEST(dates == (Names{"released at as-of 2025-05-28", "late evening 2016-12-31",
                             "written in UTC 2016-12-31"}),
             boost::test_tools::per_element());
  BOOST_TEST(Section(m, "allergies_conditions").entries.at(0).date.text == "2008-12");
  BOOST_TEST(m.valid_until == kAsOf + 1);
}

// "Since 2003" is the year the patient reads: 22:00 on 2002-12-31 in New York is 03:00 UTC on
// 2003-01-01, and is from 2002; 00:30 on 2003-01-01 in New York is from 2003.
BOOST_AUTO_TEST_CASE(since_a_year_is_the_hospitals_year) {
  Records r;
  r.Lab("eve", "new year's eve", "2002-12-31T22:00:00-05:00");
  r.Lab("day", "new year's day", "2003-01-01T00:30:00-05:00");
  r.Lab("dateonly", "date only", "2003-01-01");
  const SummaryModel m = Summary(r);
  Names shown;
  for (const auto& p : Section(m, "results").panels) {
    for (const auto& t : p.tests) shown.push_back(t.label + " " + t.points.at(0).date.text);
  }
  std::sort(shown.begin(), shown.end());
  BOOST_TEST(shown == (Names{"date only 2003-01-01", "new year's day 2003-01-01"}),
             boost::test_tools::per_element());
}

// Social-determinant findings: on the patient's own page in their own section, never a
// "condition", never on a proxy's page, and nowhere when the section is turned off.
BOOST_AUTO_TEST_CASE(sensitive_findings_only_for_the_patient) {
  Records r;
  auto condition = [&](const std::string& id, json code, json category = nullptr) {
    json c = {{"resourceType", "Condition"},
              {"id", id},
              {"clinicalStatus", Coding(kClinical, "active")},
              {"code", code},
              {"onsetDateTime", "2020-01-01"}};
    if (!category.is_null()) c["category"] = json::array({category});
    r.Add(c);
  };
  condition("s1", Coding(kSnomed, "706893006", "Victim of intimate partner abuse (finding)"));
  condition("s2", Coding(kSnomed, "266948004", "Has a criminal record (finding)"));
  condition("s3", Coding(kSnomed, "361055000", "Misuses drugs (finding)"));
  condition("s4", {{"text", "Food insecurity"}},
            Coding("http://hl7.org/fhir/us/core/CodeSystem/us-core-category", "sdoh"));
  condition("c1", Coding(kSnomed, "15777000", "Prediabetes (finding)"));
  condition("c2", Coding(kSnomed, "38341003", "Hypertension (disorder)"));
  const Names social = {"Food insecurity", "Has a criminal record", "Misuses drugs",
                        "Victim of intimate partner abuse"};
  const Names conditions = {"Hypertension", "Prediabetes"};

  const SummaryModel patient = Summary(r);
  BOOST_TEST(Labels(patient, "social_history") == social, boost::test_tools::per_element());
  BOOST_TEST(Section(patient, "social_history").patient_only);
  BOOST_TEST(Labels(patient, "allergies_conditions") == conditions,
             boost::test_tools::per_element());

  const SummaryModel proxy = Summary(r, kAsOf, ProjectConfig(), Audience::kProxy);
  BOOST_TEST((proxy.audience == Audience::kProxy));
  BOOST_TEST(FindSection(proxy, "social_history") == nullptr);
  BOOST_TEST(Labels(proxy, "allergies_conditions") == conditions, boost::test_tools::per_element());
  BOOST_TEST(AllText(proxy) == "Hypertension\n\nPrediabetes\n\n");
  BOOST_TEST(proxy.Hash() != patient.Hash());

  PortalConfig off = ProjectConfig();
  off.release.sections[IndexOf(off.release.sections, "social_history")].shown = false;
  const SummaryModel without = Summary(r, kAsOf, off);
  BOOST_TEST(FindSection(without, "social_history") == nullptr);
  BOOST_TEST(AllText(without) == "Hypertension\n\nPrediabetes\n\n");
}

}  // namespace
}  // namespace portal
