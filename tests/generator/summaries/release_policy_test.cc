#define BOOST_TEST_MODULE release_policy_test
#include "generator/summaries/release_policy.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "core/fhir_time.h"
#include "generator/summaries/summary_page.h"
#include "tests/html_doc.h"
#include "tests/test_util.h"

namespace portal {
namespace {

using Resources = std::vector<RecordStore::StoredResource>;
using nlohmann::json;

// As-of instant for the hand-made cases: 2025-06-01T00:00:00Z.
constexpr int64_t kAsOf = 1748736000;
constexpr int64_t kHour = 3600;

PortalConfig ProjectConfig() {
  PortalConfig cfg;
  BOOST_REQUIRE(LoadConfig(testing::SourceDir() / "content" / "portal.toml", &cfg).ok());
  return cfg;
}

json Coding(const std::string& system, const std::string& code) {
  return {{"coding", json::array({{{"system", system}, {"code", code}}})}};
}

const std::string kLoinc = "http://loinc.org";
const std::string kV20074 = "http://terminology.hl7.org/CodeSystem/v2-0074";
const std::string kObsCat = "http://terminology.hl7.org/CodeSystem/observation-category";

struct Records {
  Resources list;
  explicit Records(const std::string& birth = "1980-01-01") {
    Add({{"resourceType", "Patient"},
         {"id", "p"},
         {"birthDate", birth},
         {"name", json::array({{{"given", json::array({"Ann"})}, {"family", "Lee"}}})},
         {"identifier",
          json::array({{{"type", Coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MR")},
                        {"value", "M123456"}}})}});
  }
  void Add(json r) { list.push_back({r["resourceType"], r["id"], r.dump()}); }
  // Merges `changes` into resource `index` (or the last one).
  void Patch(json changes, size_t index = SIZE_MAX) {
    auto& r = index == SIZE_MAX ? list.back() : list[index];
    json j = json::parse(r.json);
    j.update(changes);
    r.json = j.dump();
  }
  void Lab(const std::string& id, const std::string& label, const std::string& issued) {
    Add({{"resourceType", "Observation"},
         {"id", id},
         {"category", json::array({Coding(kObsCat, "laboratory")})},
         {"code", {{"text", label}}},
         {"effectiveDateTime", issued},
         {"issued", issued}});
  }
  void Report(const std::string& id, const std::string& label, const std::string& date,
              json category) {
    Add({{"resourceType", "DiagnosticReport"},
         {"id", id},
         {"category", json::array({category})},
         {"code", {{"text", label}}},
         {"effectiveDateTime", date},
         {"issued", date}});
  }
};

SummaryModel Summary(const Records& r, int64_t as_of = kAsOf, PortalConfig cfg = ProjectConfig()) {
  SummaryModel m;
  Status st = BuildSummary(cfg, r.list, as_of, &m);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  return m;
}

std::vector<std::string> Labels(const SummaryModel& m, const std::string& section) {
  for (const auto& s : m.sections) {
    if (s.id != section) continue;
    std::vector<std::string> out;
    for (const auto& e : s.entries) out.push_back(e.label);
    return out;
  }
  BOOST_FAIL("no section " << section);
  return {};
}

using Names = std::vector<std::string>;

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
  r.Lab("old", "2002", "2002-12-31T23:59:59Z");
  r.Lab("new", "2003", "2003-01-01T00:00:00Z");
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
  const SummaryModel m = Summary(r);
  for (const auto& s : m.sections) {
    for (const auto& e : s.entries) {
      BOOST_TEST(e.label == "plain lab", s.id << ": " << e.label);
    }
  }
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
  BOOST_TEST(Labels(m, "allergies_conditions") == (Names{"asthma", "peanuts"}),
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
  // Born 2007-06-01: 18 at exactly 2025-06-01T00:00:00Z.
  BOOST_TEST((Summary(Records("2007-06-01")).eligibility == Eligibility::kEligible));
  const SummaryModel minor = Summary(Records("2007-06-01"), kAsOf - 1);
  BOOST_TEST((minor.eligibility == Eligibility::kMinor));
  BOOST_TEST(minor.sections.empty());
  BOOST_TEST(minor.valid_until == kAsOf);
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
  r.Lab("l1", "<b>bold</b> & <img src=x onerror=y>", "2025-01-01T00:00:00Z");
  const PortalConfig cfg = ProjectConfig();
  TemplateSet templates;
  BOOST_REQUIRE(TemplateSet::Load(cfg.paths.templates_dir, {"summary"}, &templates).ok());
  const std::string html = RenderSummaryPage(cfg, templates, Summary(r));
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

// The shared US Core bundle of patient 355, as of 2020-06-01: the sections hold what the rules
// select, counted here from the raw bundle with nlohmann::json and string dates (no date in the
// bundle falls within days of the as-of instant or the boundaries used).
BOOST_AUTO_TEST_CASE(shared_bundle_patient_355) {
  const json bundle =
      json::parse(testing::Slurp(testing::SharedDir() / "fhir-samples" / "us-core-bundles" /
                                 "uscore_bundle_patient_355.json"));
  Resources resources;
  size_t results = 0, reports = 0, pathology = 0;
  auto coded = [](const json& r, const std::string& system, const std::string& code) {
    for (const char* field : {"category", "type", "code"}) {
      if (!r.contains(field)) continue;
      const json& v = r[field];
      for (const json& c : v.is_array() ? v : json::array({v})) {
        if (!c.is_object() || !c.contains("coding")) continue;
        for (const json& cd : c["coding"]) {
          if (cd.value("system", "") == system && cd.value("code", "") == code) return true;
        }
      }
    }
    return false;
  };
  for (const json& e : bundle["entry"]) {
    const json& r = e["resource"];
    const std::string type = r["resourceType"];
    resources.push_back({type, r["id"], r.dump()});
    const bool path = coded(r, kLoinc, "LP7839-6") || coded(r, kLoinc, "11526-1") ||
                      coded(r, kV20074, "PAT") || coded(r, kV20074, "SP") ||
                      coded(r, kV20074, "CP");
    if (path) {
      ++pathology;
      continue;
    }
    const std::string date = r.value("effectiveDateTime", r.value("date", r.value("issued", "")));
    const bool released = !date.empty() && date.substr(0, 10) < "2020-05-28";
    if (((type == "Observation" && coded(r, kObsCat, "laboratory")) ||
         (type == "DiagnosticReport" && coded(r, kV20074, "LAB"))) &&
        date.substr(0, 4) >= "2003" && released) {
      ++results;
    }
    if (((type == "DiagnosticReport" &&
          (coded(r, kV20074, "RAD") || coded(r, kLoinc, "LP29684-5"))) ||
         (type == "DocumentReference" &&
          (coded(r, kLoinc, "18748-4") || coded(r, kLoinc, "34117-2") ||
           coded(r, kLoinc, "11488-4")))) &&
        date.substr(0, 10) > "2018-06-01" && released) {
      ++reports;
    }
  }
  BOOST_TEST(pathology == 7u);  // ../shared/fhir-samples/README.md
  int64_t as_of = 0;
  BOOST_REQUIRE(ParseFhirInstant("2020-06-01T00:00:00Z", &as_of));
  SummaryModel m;
  BOOST_REQUIRE(BuildSummary(ProjectConfig(), resources, as_of, &m).ok());
  BOOST_TEST((m.eligibility == Eligibility::kEligible));
  BOOST_TEST(Labels(m, "results").size() == results);
  BOOST_TEST(Labels(m, "reports").size() == reports);
  BOOST_TEST(results > 0u);
}

}  // namespace
}  // namespace portal
