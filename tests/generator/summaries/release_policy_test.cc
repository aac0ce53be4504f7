#define BOOST_TEST_MODULE release_policy_test
#include "generator/summaries/release_policy.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "core/fhir_time.h"
#include "generator/summaries/summary_page.h"
#include "tests/generator/summaries/summary_records.h"
#include "tests/html_doc.h"
#include "tests/test_util.h"

namespace portal {
namespace {

using namespace portal::testing;  // NOLINT: the fixture's records and lookups.

BOOST_AUTO_TEST_CASE(results_appear_exactly_72_hours_after_issue) {
  Records r;
  r.Lab("l1", "exactly 72h", FormatInstant(kAsOf - 72 * kHour));
  r.Lab("l2", "71h59m59s", FormatInstant(kAsOf - 72 * kHour + 1));
  r.Lab("l3", "1h", FormatInstant(kAsOf - kHour));
  const SummaryModel m = Summary(r);
  BOOST_TEST(Labels(m, "results") == Names{"exactly 72h"}, boost::test_tools::per_element());
  BOOST_TEST(m.valid_until == kAsOf + 1);  // l2 appears one second later.
}

BOOST_AUTO_TEST_CASE(results_before_2003_never_appear) {
  Records r;
  r.Lab("old", "2002", "2002-12-31T23:59:59-05:00");  // The last second of 2002 in New York.
  r.Lab("new", "2003", "2003-01-01T00:00:00-05:00");
  r.Lab("utc", "2002 here", "2003-01-01T00:00:00Z");  // 19:00 on 2002-12-31 in New York.
  BOOST_TEST(Labels(Summary(r), "results") == Names{"2003"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reports_show_while_younger_than_two_years) {
  Records r;
  r.Report("r1", "exactly 2 years", "2023-06-01T00:00:00Z", Coding(kV20074, "RAD"));
  r.Report("r2", "a second younger", "2023-06-01T00:00:01Z", Coding(kV20074, "RAD"));
  r.Report("r3", "25 months", "2023-05-01T00:00:00Z", Coding(kLoinc, "LP29684-5"));
  r.Report("r4", "23 months", "2023-07-01T00:00:00Z", Coding(kLoinc, "LP29684-5"));
  r.Add({{"resourceType", "DocumentReference"},
         {"id", "d1"},
         {"type", Coding(kLoinc, "34117-2")},
         {"description", "H&P 1 year"},
         {"date", "2024-06-01T00:00:00Z"}});
  const SummaryModel m = Summary(r);
  BOOST_TEST(Labels(m, "reports") == (Names{"H&P 1 year", "23 months", "a second younger"}),
             boost::test_tools::per_element());
  BOOST_TEST(m.valid_until == kAsOf + 1);  // r2 ages out one second later.
}

BOOST_AUTO_TEST_CASE(pathology_never_appears_however_coded) {
  Records r;
  r.Report("p1", "LP7839-6 also LAB", "2025-01-01T00:00:00Z", Coding(kLoinc, "LP7839-6"));
  r.Patch({{"category", json::array({Coding(kLoinc, "LP7839-6"), Coding(kV20074, "LAB")})}});
  r.Report("p2", "PAT", "2025-01-01T00:00:00Z", Coding(kV20074, "PAT"));
  r.Report("p3", "SP", "2025-01-01T00:00:00Z", Coding(kV20074, "SP"));
  r.Report("p4", "CP also RAD", "2025-01-01T00:00:00Z", Coding(kV20074, "CP"));
  r.Patch({{"category", json::array({Coding(kV20074, "RAD"), Coding(kV20074, "CP")})}});
  r.Add({{"resourceType", "DocumentReference"},
         {"id", "p5"},
         {"type", Coding(kLoinc, "11526-1")},
         {"category", json::array({Coding(kLoinc, "18748-4")})},
         {"description", "pathology note"},
         {"date", "2025-01-01T00:00:00Z"}});
  r.Report("ok", "plain lab", "2025-01-01T00:00:00Z", Coding(kV20074, "LAB"));
  r.Patch({{"conclusion", "no growth"}});  // Without released results: one test, its conclusion.
  const SummaryModel m = Summary(r);
  BOOST_TEST(AllText(m) == "plain lab\nplain lab\nno growth\n");  // Panel, test, value.
  BOOST_TEST(Labels(m, "results") == Names{"plain lab"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(current_lists_show_only_current_items) {
  Records r;
  const json active =
      Coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active");
  const json resolved =
      Coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "resolved");
  r.Add({{"resourceType", "AllergyIntolerance"},
         {"id", "a1"},
         {"clinicalStatus", active},
         {"code", {{"text", "peanuts"}}}});
  r.Add({{"resourceType", "AllergyIntolerance"},
         {"id", "a2"},
         {"clinicalStatus", resolved},
         {"code", {{"text", "penicillin"}}}});
  r.Add({{"resourceType", "Condition"},
         {"id", "c1"},
         {"clinicalStatus", active},
         {"code", {{"text", "asthma"}}}});
  r.Add({{"resourceType", "MedicationRequest"},
         {"id", "m1"},
         {"status", "active"},
         {"medicationCodeableConcept", {{"text", "inhaler"}}}});
  r.Add({{"resourceType", "MedicationRequest"},
         {"id", "m2"},
         {"status", "completed"},
         {"medicationCodeableConcept", {{"text", "antibiotic"}}}});
  r.Add({{"resourceType", "Immunization"},
         {"id", "i1"},
         {"status", "completed"},
         {"vaccineCode", {{"text", "influenza"}}},
         {"occurrenceDateTime", "1990-01-01"}});
  r.Add({{"resourceType", "Immunization"},
         {"id", "i2"},
         {"status", "entered-in-error"},
         {"vaccineCode", {{"text", "mistake"}}},
         {"occurrenceDateTime", "1990-01-01"}});
  const SummaryModel m = Summary(r);
  // Allergies first, then conditions.
  BOOST_TEST(Labels(m, "allergies_conditions") == (Names{"peanuts", "asthma"}),
             boost::test_tools::per_element());
  BOOST_TEST(Labels(m, "medications") == Names{"inhaler"}, boost::test_tools::per_element());
  BOOST_TEST(Labels(m, "preventive_care") == Names{"influenza"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(letters_since_2012_and_visits_since_2003) {
  Records r;
  for (const char* year : {"2011", "2013"}) {
    r.Add({{"resourceType", "DocumentReference"},
           {"id", std::string("l") + year},
           {"type", Coding(kLoinc, "51852-2")},
           {"description", std::string("letter ") + year},
           {"date", std::string(year) + "-05-01T00:00:00Z"}});
  }
  for (const char* year : {"2002", "2003"}) {
    r.Add({{"resourceType", "Encounter"},
           {"id", std::string("e") + year},
           {"type", json::array({{{"text", std::string("visit ") + year}}})},
           {"period", {{"start", std::string(year) + "-05-01T00:00:00Z"}}}});
  }
  const SummaryModel m = Summary(r);
  BOOST_TEST(Labels(m, "letters") == Names{"letter 2013"}, boost::test_tools::per_element());
  BOOST_TEST(Labels(m, "visit_history") == Names{"visit 2003"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(eighteenth_birthday_is_the_boundary) {
  // Born 2007-06-01: 18 at the start of that day in New York (the config's site.time_zone),
  // 2025-06-01T04:00:00Z.
  const int64_t birthday = kAsOf + 4 * kHour;
  BOOST_TEST((Summary(Records("2007-06-01"), birthday).eligibility == Eligibility::kEligible));
  const SummaryModel minor = Summary(Records("2007-06-01"), birthday - 1);
  BOOST_TEST((minor.eligibility == Eligibility::kMinor));
  BOOST_TEST(minor.sections.empty());
  BOOST_TEST(minor.valid_until == birthday);
}

BOOST_AUTO_TEST_CASE(emancipated_minors_and_the_deceased) {
  PortalConfig cfg = ProjectConfig();
  cfg.release.emancipated_minor_mrns = {"M123456"};
  BOOST_TEST((Summary(Records("2010-01-01"), kAsOf, cfg).eligibility == Eligibility::kEligible));
  cfg = ProjectConfig();
  cfg.release.emancipated_extension_url = "urn:example:emancipated";
  Records by_extension("2010-01-01");
  by_extension.Patch(
      {{"extension", json::array({{{"url", "urn:example:emancipated"}, {"valueBoolean", true}}})}},
      0);
  BOOST_TEST((Summary(by_extension, kAsOf, cfg).eligibility == Eligibility::kEligible));
  Records deceased;
  deceased.Patch({{"deceasedBoolean", true}}, 0);
  BOOST_TEST((Summary(deceased).eligibility == Eligibility::kDeceased));
}

BOOST_AUTO_TEST_CASE(hash_follows_what_the_page_shows) {
  Records r;
  r.Lab("l1", "glucose", "2025-01-01T00:00:00Z");
  const SummaryModel a = Summary(r);
  const SummaryModel later = Summary(r, kAsOf + 3600);  // Nothing new to show.
  BOOST_TEST(a.Hash() == later.Hash());
  BOOST_TEST(a.Hash().size() == 64u);
  r.Lab("l2", "sodium", "2025-01-02T00:00:00Z");
  BOOST_TEST(Summary(r).Hash() != a.Hash());
}

BOOST_AUTO_TEST_CASE(record_values_are_escaped_on_the_page) {
  Records r;
  r.Patch({{"name", json::array({{{"text", "<script>alert(1)</script>"}}})}}, 0);
  r.Add({{"resourceType", "Condition"},
         {"id", "c1"},
         {"clinicalStatus",
          Coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active")},
         {"code", {{"text", "<b>bold</b> & <img src=x onerror=y>"}}}});
  const PortalConfig cfg = ProjectConfig();
  TemplateSet templates;
  BOOST_REQUIRE(TemplateSet::Load(cfg.paths.templates_dir, {"summary"}, &templates).ok());
  const std::string html = RenderSummaryPage(cfg, templates, Summary(r, kAsOf, cfg));
  testing::HtmlDoc doc(html);
  BOOST_TEST(doc.All(GUMBO_TAG_SCRIPT).empty());
  BOOST_TEST(doc.All(GUMBO_TAG_IMG).empty());
  BOOST_TEST(doc.All(GUMBO_TAG_B).empty());
  const std::string text = testing::HtmlDoc::Text(doc.root());
  BOOST_TEST(text.find("<script>alert(1)</script>") != std::string::npos);
  BOOST_TEST(text.find("<b>bold</b> & <img src=x onerror=y>") != std::string::npos);
  BOOST_TEST(text.find("M123456") != std::string::npos);
  BOOST_TEST(text.find("results since 2003") == std::string::npos);  // Window is "(since 2003)".
  BOOST_TEST(text.find("(since 2003)") != std::string::npos);
  BOOST_TEST(text.find("860 823-6363") != std::string::npos);
}

// The shared US Core bundle of patient 355, as of 2020-06-01, read from the bundle by hand
// (../shared/fhir-samples): its 10 laboratory results are two MCH from 1972 (before 2003) and
// the 8 results of a basic metabolic panel of 2017-09-28 (New York), which two LAB reports of
// the same code list (by urn:uuid); its 21 DocumentReferences are all superseded (20) or
// entered-in-error (1); of its reports none is imaging or LP29684-5 younger than two years; 7
// resources are pathology.
BOOST_AUTO_TEST_CASE(shared_bundle_patient_355) {
  const json bundle =
      json::parse(testing::Slurp(testing::SharedDir() / "fhir-samples" / "us-core-bundles" /
                                 "uscore_bundle_patient_355.json"));
  Resources resources;
  for (const json& e : bundle["entry"]) {
    const json& r = e["resource"];
    resources.push_back({r["resourceType"], r["id"], r.dump()});
  }
  int64_t as_of = 0;
  BOOST_REQUIRE(ParseFhirInstant("2020-06-01T00:00:00Z", &as_of));
  SummaryModel m;
  BOOST_REQUIRE(BuildSummary(ProjectConfig(), resources, as_of, Audience::kPatient, &m).ok());
  BOOST_TEST((m.eligibility == Eligibility::kEligible));
  const SummarySection& results = Section(m, "results");
  BOOST_REQUIRE(results.panels.size() == 1u);
  const ResultPanel& bmp = results.panels[0];
  BOOST_TEST(bmp.key == "http://loinc.org|51990-0");
  BOOST_TEST(bmp.label == "Basic metabolic panel - Blood");
  BOOST_TEST(bmp.latest.text == "2017-09-28");
  Names keys;
  for (const auto& t : bmp.tests) {
    keys.push_back(t.key);
    BOOST_TEST(t.points.size() == 1u);
  }
  // Same date: by label.
  BOOST_TEST(keys == (Names{"http://loinc.org|49765-1", "http://loinc.org|20565-8",
                            "http://loinc.org|2069-3", "http://loinc.org|38483-4",
                            "http://loinc.org|2339-0", "http://loinc.org|6298-4",
                            "http://loinc.org|2947-0", "http://loinc.org|6299-2"}),
             boost::test_tools::per_element());
  BOOST_TEST(bmp.tests[4].label == "Glucose [Mass/volume] in Blood");
  BOOST_TEST(bmp.tests[4].points[0].value.Display() == "94.95 mg/dL");
  BOOST_TEST(Section(m, "reports").entries.empty());
}

}  // namespace
}  // namespace portal
