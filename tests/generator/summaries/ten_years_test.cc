#define BOOST_TEST_MODULE ten_years_test
// A synthetic patient with ten years of laboratory results, through the release rules and the
// page: each test appears once, with its latest released value, and its sparkline plots exactly
// the released values. The expected values come from this file's own list of what it recorded,
// filtered by the rules as the FAQ states them (since 2003, 72 hours after issue).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/fhir_time.h"
#include "core/templates/template_set.h"
#include "generator/summaries/release_policy.h"
#include "generator/summaries/summary_page.h"
#include "tests/html_doc.h"
#include "tests/test_util.h"

namespace portal {
namespace {

using nlohmann::json;
using Resources = std::vector<RecordStore::StoredResource>;

// 2025-06-01T00:00:00Z.
constexpr int64_t kAsOf = 1748736000;

const char kLoinc[] = "http://loinc.org";
const char kObsCat[] = "http://terminology.hl7.org/CodeSystem/observation-category";
const char kV20074[] = "http://terminology.hl7.org/CodeSystem/v2-0074";

struct Test {
  const char* loinc;
  const char* names[2];  // Older results carry the long name, newer ones the short one.
  const char* ucum;
  int base;  // Value = base + (i % 7), written with two decimals ("13.00").
};

const Test kCbc[] = {
    {"718-7", {"Hemoglobin [Mass/volume] in Blood", "Hemoglobin"}, "g/dL", 12},
    {"6690-2", {"Leukocytes [#/volume] in Blood by Automated count", "WBC"}, "10*3/uL", 4},
    {"777-3", {"Platelets [#/volume] in Blood by Automated count", "Platelets"}, "10*3/uL", 150},
};

struct Recorded {
  std::string loinc;
  std::string value;  // As written in the record.
  std::string issued;
  bool released;
};

std::string TwoDecimals(int whole) { return std::to_string(whole) + ".00"; }

json Coding(const char* system, const std::string& code, const std::string& display = "") {
  json c = {{"system", system}, {"code", code}};
  if (!display.empty()) c["display"] = display;
  return c;
}

// Quarterly complete blood counts from 2002 to the day before as_of (the last one still within
// its 72 hours), each a DiagnosticReport with its results.
struct TenYears {
  Resources resources;
  std::vector<Recorded> recorded;

  TenYears() {
    json patient = {{"resourceType", "Patient"},
                    {"id", "p"},
                    {"birthDate", "1970-03-04"},
                    {"name", json::array({{{"text", "Test Patient"}}})}};
    resources.push_back({"Patient", "p", patient.dump()});
    int n = 0;
    for (int year = 2002; year <= 2025; ++year) {
      for (int month : {1, 4, 7, 10}) {
        if (year < 2015 && year != 2002) continue;  // 2002 (before the window), then 2015-2025.
        if (year == 2025 && month > 4) continue;
        char issued[32];
        std::snprintf(issued, sizeof issued, "%04d-%02d-15T09:30:00-05:00", year, month);
        Panel(n++, issued);
      }
    }
    Panel(n++, "2025-05-30T09:30:00-04:00");  // Issued 38.5 hours before as_of: not yet.
  }

  void Panel(int i, const std::string& issued) {
    const std::string report_id = "r" + std::to_string(i);
    int64_t t = 0;
    BOOST_REQUIRE(ParseFhirInstant(issued, &t));
    const bool released = issued.substr(0, 4) >= "2003" && t + 72 * 3600 <= kAsOf;
    json results = json::array();
    for (const Test& test : kCbc) {
      const std::string id = "o" + std::to_string(i) + "-" + test.loinc;
      const std::string value = TwoDecimals(test.base + i % 7);
      const char* name = test.names[issued.substr(0, 4) < "2020" ? 0 : 1];
      // The value's text goes in verbatim: 13.00 keeps its digits in the stored JSON.
      std::string obs = json{
          {"resourceType", "Observation"},
          {"id", id},
          {"status", "final"},
          {"category", json::array({{{"coding", json::array({Coding(kObsCat, "laboratory")})}}})},
          {"code", {{"coding", json::array({Coding(kLoinc, test.loinc, name)})}, {"text", name}}},
          {"subject", {{"reference", "Patient/p"}}},
          {"effectiveDateTime", issued},
          {"issued", issued},
          {"valueQuantity",
           {{"value", "VALUE"},
            {"unit", test.ucum},
            {"system", "http://unitsofmeasure.org"},
            {"code",
             test.ucum}}}}.dump();
      obs.replace(obs.find("\"VALUE\""), 7, value);
      resources.push_back({"Observation", id, obs});
      results.push_back({{"reference", "Observation/" + id}});
      recorded.push_back({test.loinc, value, issued, released});
    }
    json report = {
        {"resourceType", "DiagnosticReport"},
        {"id", report_id},
        {"status", "final"},
        {"category", json::array({{{"coding", json::array({Coding(kV20074, "LAB")})}}})},
        {"code",
         {{"coding", json::array({Coding(kLoinc, "58410-2", "Complete blood count panel")})}}},
        {"subject", {{"reference", "Patient/p"}}},
        {"effectiveDateTime", issued},
        {"issued", issued},
        {"result", results}};
    resources.push_back({"DiagnosticReport", report_id, report.dump()});
  }

  // The released values of one test, oldest first.
  std::vector<std::string> Released(const std::string& loinc) const {
    std::vector<std::string> out;
    for (const auto& r : recorded) {
      if (r.loinc == loinc && r.released) out.push_back(r.value);
    }
    return out;
  }
};

PortalConfig ProjectConfig() {
  PortalConfig cfg;
  BOOST_REQUIRE(LoadConfig(testing::SourceDir() / "content" / "portal.toml", &cfg).ok());
  return cfg;
}

const SummarySection& Section(const SummaryModel& m, const std::string& id) {
  for (const auto& s : m.sections) {
    if (s.id == id) return s;
  }
  BOOST_FAIL("no section " + id);
  return m.sections.front();
}

BOOST_AUTO_TEST_CASE(each_test_once_with_its_latest_released_value) {
  const TenYears data;
  SummaryModel m;
  const Status st = BuildSummary(ProjectConfig(), data.resources, kAsOf, Audience::kPatient, &m);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  const SummarySection& results = Section(m, "results");
  std::map<std::string, int> seen;
  for (const auto& panel : results.panels) {
    for (const auto& test : panel.tests) {
      ++seen[test.key];
      const std::string loinc = test.key.substr(test.key.find('|') + 1);
      const std::vector<std::string> released = data.Released(loinc);
      BOOST_REQUIRE(!released.empty());
      BOOST_REQUIRE_EQUAL(test.points.size(), released.size());
      BOOST_TEST(test.points.front().value.number == released.back());  // The newest.
      for (size_t i = 0; i < released.size(); ++i) {
        BOOST_TEST(test.points[released.size() - 1 - i].value.number == released[i]);
      }
      BOOST_TEST(test.label == (loinc == "718-7"    ? "Hemoglobin"
                                : loinc == "6690-2" ? "WBC"
                                                    : "Platelets"));
    }
  }
  BOOST_TEST(seen.size() == 3u);
  for (const auto& [key, count] : seen) BOOST_TEST(count == 1, key);
  BOOST_TEST(seen.count("http://loinc.org|718-7") == 1u);
  // 2015-01 .. 2025-04 quarterly: 42 panels released; 2002's and the last are not.
  BOOST_TEST(data.Released("718-7").size() == 42u);
}

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(sep, start), text.size());
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// On the page: one row per test (data-test is the LOINC key), its latest value as recorded,
// and a sparkline with one point per released value, higher values higher (y = 29 at the
// lowest, 3 at the highest, on the 32-high box), named in its aria-label oldest first.
BOOST_AUTO_TEST_CASE(the_page_shows_each_test_once_and_plots_the_released_values) {
  const TenYears data;
  const PortalConfig cfg = ProjectConfig();
  SummaryModel m;
  BOOST_REQUIRE(BuildSummary(cfg, data.resources, kAsOf, Audience::kPatient, &m).ok());
  TemplateSet templates;
  BOOST_REQUIRE(TemplateSet::Load(cfg.paths.templates_dir, {"summary"}, &templates).ok());
  const testing::HtmlDoc doc(RenderSummaryPage(cfg, templates, m));
  for (const Test& test : kCbc) {
    const std::string key = std::string(kLoinc) + "|" + test.loinc;
    const auto rows = doc.Where([&](const GumboNode* n) {
      return n->type == GUMBO_NODE_ELEMENT && n->v.element.tag == GUMBO_TAG_TR &&
             testing::HtmlDoc::Attr(n, "data-test") == key;
    });
    BOOST_REQUIRE_EQUAL(rows.size(), 1u);
    const std::vector<std::string> released = data.Released(test.loinc);
    const auto latest = doc.Where(
        [](const GumboNode* n) {
          return n->type == GUMBO_NODE_ELEMENT && n->v.element.tag == GUMBO_TAG_TD &&
                 testing::HtmlDoc::Attr(n, "class") == "latest";
        },
        rows[0]);
    BOOST_REQUIRE_EQUAL(latest.size(), 1u);
    const auto data_el = doc.All(GUMBO_TAG_DATA, latest[0]);
    BOOST_REQUIRE_EQUAL(data_el.size(), 1u);
    BOOST_TEST(testing::HtmlDoc::Attr(data_el[0], "value") == released.back());
    BOOST_TEST(testing::HtmlDoc::Attr(data_el[0], "data-ucum") == test.ucum);

    const auto svgs = doc.All(GUMBO_TAG_SVG, rows[0]);
    BOOST_REQUIRE_EQUAL(svgs.size(), 1u);
    const std::string label = testing::HtmlDoc::Attr(svgs[0], "aria-label");
    size_t at = 0;
    for (const auto& v : released) {  // Every released value, oldest first.
      at = label.find(v, at);
      BOOST_REQUIRE_MESSAGE(at != std::string::npos, v);
      at += v.size();
    }
    const auto polylines = doc.Where(
        [](const GumboNode* n) {
          return n->type == GUMBO_NODE_ELEMENT &&
                 std::string_view(n->v.element.original_tag.data, n->v.element.original_tag.length)
                     .starts_with("<polyline");
        },
        svgs[0]);
    BOOST_REQUIRE_EQUAL(polylines.size(), 1u);
    const auto coords = Split(testing::HtmlDoc::Attr(polylines[0], "points"), ' ');
    BOOST_REQUIRE_EQUAL(coords.size(), released.size());
    double lo = 1e9, hi = -1e9;
    for (const auto& v : released) lo = std::min(lo, std::stod(v)), hi = std::max(hi, std::stod(v));
    double last_x = -1;
    for (size_t i = 0; i < coords.size(); ++i) {
      const auto xy = Split(coords[i], ',');
      BOOST_REQUIRE_EQUAL(xy.size(), 2u);
      const double x = std::stod(xy[0]), y = std::stod(xy[1]);
      const double want_y = 29 - (std::stod(released[i]) - lo) / (hi - lo) * 26;
      BOOST_TEST(std::abs(y - want_y) < 0.06, coords[i] << " for " << released[i]);
      BOOST_TEST(x > last_x);  // Oldest left, in date order.
      last_x = x;
    }
  }
}

}  // namespace
}  // namespace portal
