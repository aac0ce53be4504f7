#define BOOST_TEST_MODULE summary_page_test
// The summary page rendered from a SummaryModel written out by hand, parsed as a browser would
// (gumbo) and checked for what a patient relies on: values printed as text, the high-risk
// allergy marked in words, one row per test with its latest value, sparklines that plot exactly
// the released numbers, dates in <time datetime>, no empty columns, counts, long lists folded.
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/templates/template_set.h"
#include "generator/summaries/summary_page.h"
#include "tests/html_doc.h"
#include "tests/test_util.h"

namespace portal {
namespace {

using testing::HtmlDoc;

const char kHostile[] = "Ann \"<script>alert(1)</script>\" Ames";

// A date as the model holds it; `when` only orders them here (larger is newer).
SummaryDate Day(const std::string& text, int64_t when) { return SummaryDate{text, when}; }

SummaryValue Number(const std::string& number, const std::string& unit, const std::string& ucum,
                    const std::string& comparator = "") {
  SummaryValue v;
  v.comparator = comparator;
  v.number = number;
  v.unit = unit;
  v.ucum = ucum;
  return v;
}

SummaryValue Text(const std::string& text) {
  SummaryValue v;
  v.text = text;
  return v;
}

ResultPoint Point(const SummaryDate& date, const SummaryValue& value, const std::string& range,
                  const std::string& flag) {
  return ResultPoint{date, value, range, flag};
}

SummaryEntry Entry(const std::string& kind, const std::string& label, const SummaryDate& date,
                   std::vector<SummaryFact> facts = {}, const std::string& detail = "") {
  SummaryEntry e;
  e.kind = kind;
  e.label = label;
  e.date = date;
  e.facts = std::move(facts);
  e.detail = detail;
  return e;
}

SummarySection Rows(const std::string& id, const std::string& title) {
  SummarySection s;
  s.id = id;
  s.title = title;
  s.window = "current";
  s.layout = "rows";
  return s;
}

SummarySection Allergies() {
  SummarySection s = Rows("allergies_conditions", "Allergies and Conditions");
  s.lists_allergies = true;
  SummaryEntry penicillin = Entry("allergy", "Penicillin", Day("2019-05-02", 500),
                                  {{"Category", "Medication"},
                                   {"Reaction", "Hives; trouble breathing"},
                                   {"Severity", "Severe"},
                                   {"Criticality", "High"}});
  penicillin.alert = true;
  s.entries.push_back(penicillin);
  s.entries.push_back(Entry("allergy", "Peanuts <b>\"roasted\"</b>", Day("2012-08", 100),
                            {{"Category", "Food"}, {"Reaction", ""}, {"Criticality", "Low"}}));
  s.entries.push_back(Entry("condition", "Hypertension", Day("2015-01-10", 200), {}, "Active"));
  return s;
}

// Hemoglobin three times; a viral load that is once below the limit ("<20"), once a number and
// once in words; a glucose whose name is hostile, done a year before the panel's latest.
SummarySection Results() {
  SummarySection s;
  s.id = "results";
  s.title = "Results";
  s.window = "since 2003";
  s.layout = "results";
  ResultPanel cbc;
  cbc.key = "http://loinc.org|58410-2";
  cbc.label = "Complete blood count";
  cbc.latest = Day("2025-04-15", 3000);
  ResultTest hgb;
  hgb.key = "http://loinc.org|718-7";
  hgb.label = "Hemoglobin";
  hgb.points = {
      Point(Day("2025-04-15", 3000), Number("13.1", "g/dL", "g/dL"), "12.0–15.5 g/dL", "High"),
      Point(Day("2024-04-15", 2000), Number("14.0", "g/dL", "g/dL"), "12.0–15.5 g/dL", ""),
      Point(Day("2023-04-15", 1000), Number("12.5", "g/dL", "g/dL"), "12.0–15.5 g/dL", "")};
  ResultTest glucose;
  glucose.key = "http://loinc.org|2345-7";
  glucose.label = "Glucose <script>x</script> \"fasting\"";
  glucose.points = {Point(Day("2024-04-15", 2000), Number("99", "mg/dL", "mg/dL"), "", "")};
  cbc.tests = {hgb, glucose};
  ResultPanel other;
  other.label = "Other results";
  other.latest = Day("2025-03-01", 2900);
  ResultTest viral;
  viral.key = "http://loinc.org|20447-9";
  viral.label = "HIV viral load";
  viral.points = {
      Point(Day("2025-03-01", 2900), Number("20", "copies/mL", "{copies}/mL", "<"), "", ""),
      Point(Day("2024-03-01", 1900), Number("150", "copies/mL", "{copies}/mL"), "", "Abnormal"),
      Point(Day("2023-03-01", 900), Text("Detected"), "", "Abnormal")};
  other.tests = {viral};
  s.panels = {cbc, other};
  return s;
}

SummarySection Medications() {
  SummarySection s = Rows("medications", "Medications");
  s.note = "Your medication list may not be complete.";
  s.entries.push_back(
      Entry("medication", "Lisinopril 10 mg tablet", Day("2024-11-02", 2500),
            {{"Instructions", "1 tablet by mouth once a day"}, {"Reason", "High blood pressure"}}));
  return s;
}

// Twelve visits, newest first, none with a detail.
SummarySection Visits() {
  SummarySection s = Rows("visit_history", "Visit History");
  s.window = "since 2003";
  for (int i = 0; i < 12; ++i) {
    char date[16];
    std::snprintf(date, sizeof date, "2025-05-%02d", 20 - i);
    s.entries.push_back(Entry("visit", "Office visit " + std::to_string(i), Day(date, 4000 - i),
                              {{"Place", "Backus Family Medicine"}}));
  }
  return s;
}

SummarySection Immunizations() {
  SummarySection s = Rows("preventive_care", "Preventative Care");
  SummaryEntry flu = Entry("immunization", "Influenza, seasonal", Day("2024-10-01", 2400));
  flu.history = {Day("2024-10-01", 2400), Day("2023-10-03", 1400), Day("2022-09-28", 400)};
  s.entries.push_back(flu);
  return s;
}

SummaryModel Model() {
  SummaryModel m;
  m.patient_id = "p1";
  m.name = kHostile;
  m.mrn = "M100001";
  m.birth_date = "1970-03-04";
  m.eligibility = Eligibility::kEligible;
  m.sections = {Allergies(), Results(), Medications(), Visits(), Immunizations()};
  return m;
}

std::string Render(const SummaryModel& model) {
  PortalConfig cfg;
  BOOST_REQUIRE(LoadConfig(testing::SourceDir() / "content" / "portal.toml", &cfg).ok());
  TemplateSet templates;
  const Status st = TemplateSet::Load(cfg.paths.templates_dir, {"summary"}, &templates);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  return RenderSummaryPage(cfg, templates, model);
}

// The element's tag name, also for SVG elements gumbo does not know by name.
std::string TagName(const GumboNode* n) {
  if (n->v.element.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(n->v.element.tag);
  GumboStringPiece piece = n->v.element.original_tag;
  gumbo_tag_from_original_text(&piece);
  return std::string(piece.data, piece.length);
}

bool HasClass(const GumboNode* n, const std::string& cls) {
  const std::string classes = " " + HtmlDoc::Attr(n, "class") + " ";
  return classes.find(" " + cls + " ") != std::string::npos;
}

std::vector<const GumboNode*> WithClass(const HtmlDoc& doc, const std::string& cls,
                                        const GumboNode* from = nullptr) {
  return doc.Where([&cls](const GumboNode* n) { return HasClass(n, cls); }, from);
}

std::vector<const GumboNode*> Named(const HtmlDoc& doc, const std::string& name,
                                    const GumboNode* from) {
  return doc.Where([&name](const GumboNode* n) { return TagName(n) == name; }, from);
}

// The <section> whose heading has id "s-ID".
const GumboNode* SectionOf(const HtmlDoc& doc, const std::string& id) {
  const GumboNode* h2 = doc.ById("s-" + id);
  BOOST_REQUIRE_MESSAGE(h2 != nullptr, "no heading s-" + id);
  return HtmlDoc::Ancestor(h2, GUMBO_TAG_SECTION);
}

// The row of a test, by its key.
std::vector<const GumboNode*> TestRows(const HtmlDoc& doc, const std::string& key) {
  return doc.Where([&key](const GumboNode* n) {
    return n->v.element.tag == GUMBO_TAG_TR && HtmlDoc::Attr(n, "data-test") == key;
  });
}

// The header texts of a table.
std::vector<std::string> Headers(const HtmlDoc& doc, const GumboNode* table) {
  std::vector<std::string> out;
  for (const GumboNode* thead : doc.All(GUMBO_TAG_THEAD, table)) {
    if (HtmlDoc::Ancestor(thead, GUMBO_TAG_TABLE) != table) continue;  // A table inside it.
    for (const GumboNode* th : doc.All(GUMBO_TAG_TH, thead)) out.push_back(HtmlDoc::Text(th));
  }
  return out;
}

// The direct <tbody> rows of a table (not those of tables inside it).
std::vector<const GumboNode*> BodyRows(const HtmlDoc& doc, const GumboNode* table) {
  std::vector<const GumboNode*> out;
  for (const GumboNode* tr : doc.All(GUMBO_TAG_TR, table)) {
    const GumboNode* group = tr->parent;  // The row's own thead or tbody.
    if (HtmlDoc::Ancestor(tr, GUMBO_TAG_TABLE) == table &&
        group->v.element.tag == GUMBO_TAG_TBODY) {
      out.push_back(tr);
    }
  }
  return out;
}

BOOST_AUTO_TEST_CASE(record_values_print_as_text) {
  const HtmlDoc doc(Render(Model()));
  BOOST_TEST(doc.All(GUMBO_TAG_SCRIPT).empty());
  BOOST_TEST(doc.All(GUMBO_TAG_B).empty());
  const std::string text = HtmlDoc::Text(doc.root());
  BOOST_TEST(text.find(kHostile) != std::string::npos);
  BOOST_TEST(text.find("Peanuts <b>\"roasted\"</b>") != std::string::npos);
  BOOST_TEST(text.find("Glucose <script>x</script> \"fasting\"") != std::string::npos);
  // The sparkline's label is an attribute: still the text as written.
  const auto rows = TestRows(doc, "http://loinc.org|2345-7");
  BOOST_REQUIRE_EQUAL(rows.size(), 1u);
  const auto svgs = doc.All(GUMBO_TAG_SVG, rows[0]);
  BOOST_REQUIRE_EQUAL(svgs.size(), 1u);
  BOOST_TEST(HtmlDoc::Attr(svgs[0], "aria-label") ==
             "Glucose <script>x</script> \"fasting\", oldest first: 99 mg/dL on Apr 15, 2024");
}

bool HasAttr(const GumboNode* el, const char* name) {
  return gumbo_get_attribute(&el->v.element.attributes, name) != nullptr;
}

// The page's two <style> elements: the main one, and the print header's.
std::pair<std::string, std::string> Styles(const std::string& html) {
  const HtmlDoc doc(html);
  const auto styles = doc.All(GUMBO_TAG_STYLE);
  BOOST_REQUIRE_EQUAL(styles.size(), 2u);
  BOOST_TEST(!HasAttr(styles[0], "data-print-header"));
  BOOST_TEST(HasAttr(styles[1], "data-print-header"));
  return {HtmlDoc::Text(styles[0]), HtmlDoc::Text(styles[1])};
}

// Every printed page's header is a CSS string in its own <style>: each character but letters,
// digits and spaces a hex escape, so the name can end neither the string nor the element.
BOOST_AUTO_TEST_CASE(print_header_names_the_patient_safely) {
  const auto [main_css, css] = Styles(Render(Model()));
  // Each escape ends in a space, which CSS consumes with it.
  const std::string expected =
      "@media print { @page { @top-left { content: \"Ann \\000022 \\00003C script\\00003E "
      "alert\\000028 1\\000029 \\00003C \\00002F script\\00003E \\000022  Ames \\0000B7  MRN "
      "M100001 \\0000B7  Records through May 20\\00002C  2025\"; } } }";
  BOOST_TEST(css == expected);
  BOOST_TEST(css.find('<') == std::string::npos);
  // The main style only styles that box: no name, MRN or date in it.
  BOOST_TEST(main_css.find("@top-left") != std::string::npos);
  for (const char* value : {"Ames", "M100001", "Records through", "2025"}) {
    BOOST_TEST(main_css.find(value) == std::string::npos, value);
  }
}

// The app's CSP allows the summary's main <style> by the hash of its text in the template: it
// must come out byte for byte as written there, whoever the patient is.
BOOST_AUTO_TEST_CASE(the_main_style_is_the_same_bytes_for_every_patient) {
  const std::string tpl =
      testing::Slurp(testing::SourceDir() / "site_templates" / "summary.mustache");
  const size_t open = tpl.find("<style>");
  BOOST_REQUIRE(open != std::string::npos);
  const size_t start = open + std::string("<style>").size();
  const std::string written = tpl.substr(start, tpl.find("</style>", start) - start);
  BOOST_TEST(written.find("{{") == std::string::npos);
  BOOST_TEST(written.size() > 1000u);

  SummaryModel other = Model();
  other.name = "Bo Lind";
  other.mrn = "M200002";
  other.sections = {Medications()};
  const auto [first_main, first_header] = Styles(Render(Model()));
  const auto [other_main, other_header] = Styles(Render(other));
  BOOST_TEST(first_main == written);
  BOOST_TEST(other_main == written);
  BOOST_TEST(first_header != other_header);
  BOOST_TEST(other_header ==
             "@media print { @page { @top-left { content: \"Bo Lind \\0000B7  MRN M200002 "
             "\\0000B7  Records through Nov 2\\00002C  2024\"; } } }");
}

BOOST_AUTO_TEST_CASE(high_risk_allergy_is_marked_in_words) {
  const HtmlDoc doc(Render(Model()));
  const GumboNode* section = SectionOf(doc, "allergies_conditions");
  const auto alerts = WithClass(doc, "alert", section);
  BOOST_REQUIRE_EQUAL(alerts.size(), 1u);
  const std::string row = HtmlDoc::Text(alerts[0]);
  BOOST_TEST(row.find("High risk") != std::string::npos);
  BOOST_TEST(row.find("Penicillin") != std::string::npos);
  BOOST_TEST(row.find("Hives; trouble breathing") != std::string::npos);
  BOOST_TEST(doc.All(GUMBO_TAG_SVG, alerts[0]).size() == 1u);  // The icon beside the words.
  // Allergies and conditions in their own tables, under their own headings.
  std::vector<std::string> headings;
  for (const GumboNode* h3 : doc.All(GUMBO_TAG_H3, section)) headings.push_back(HtmlDoc::Text(h3));
  BOOST_TEST(headings == (std::vector<std::string>{"Allergies", "Conditions"}),
             boost::test_tools::per_element());
  const auto tables = doc.All(GUMBO_TAG_TABLE, section);
  BOOST_REQUIRE_EQUAL(tables.size(), 2u);
  BOOST_TEST(
      Headers(doc, tables[0]) == (std::vector<std::string>{"Substance", "Date", "Category",
                                                           "Reaction", "Severity", "Criticality"}),
      boost::test_tools::per_element());
  BOOST_TEST(Headers(doc, tables[1]) == (std::vector<std::string>{"Condition", "Date", "Detail"}),
             boost::test_tools::per_element());
  const auto peanuts = BodyRows(doc, tables[0])[1];
  BOOST_TEST(HtmlDoc::Text(peanuts).find("High risk") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_known_allergies_differs_from_none_recorded) {
  SummaryModel none = Model();
  SummarySection& s = none.sections[0];
  s.entries.erase(s.entries.begin(), s.entries.begin() + 2);  // Only the condition is left.
  const std::string none_text = HtmlDoc::Text(HtmlDoc(Render(none)).root());
  BOOST_TEST(none_text.find("No allergies recorded.") != std::string::npos);
  BOOST_TEST(none_text.find("No known allergies") == std::string::npos);

  SummaryModel nka = none;
  nka.sections[0].entries.insert(
      nka.sections[0].entries.begin(),
      Entry("no-known-allergy", "No known allergies", Day("2021-06-30", 1500)));
  const HtmlDoc doc(Render(nka));
  const std::string text = HtmlDoc::Text(doc.root());
  BOOST_TEST(text.find("No known allergies (recorded Jun 30, 2021).") != std::string::npos);
  BOOST_TEST(text.find("No allergies recorded") == std::string::npos);
  // The statement is not a row, and not counted.
  const GumboNode* section = SectionOf(doc, "allergies_conditions");
  BOOST_TEST(doc.All(GUMBO_TAG_TABLE, section).size() == 1u);  // Conditions only.
}

BOOST_AUTO_TEST_CASE(each_test_once_with_its_latest_value_and_code) {
  const HtmlDoc doc(Render(Model()));
  const auto hgb = TestRows(doc, "http://loinc.org|718-7");
  BOOST_REQUIRE_EQUAL(hgb.size(), 1u);
  const auto latest = WithClass(doc, "latest", hgb[0]);
  BOOST_REQUIRE_EQUAL(latest.size(), 1u);
  BOOST_TEST(HtmlDoc::Text(latest[0]) == "13.1 g/dL ↑ High");
  const auto data = doc.All(GUMBO_TAG_DATA, latest[0]);
  BOOST_REQUIRE_EQUAL(data.size(), 1u);
  BOOST_TEST(HtmlDoc::Attr(data[0], "value") == "13.1");
  BOOST_TEST(HtmlDoc::Attr(data[0], "data-ucum") == "g/dL");
  BOOST_TEST(HtmlDoc::Text(WithClass(doc, "range", hgb[0]).at(0)) == "12.0–15.5 g/dL");
  // The full history, newest first, with each point's flag in words.
  const auto details = doc.All(GUMBO_TAG_DETAILS, hgb[0]);
  BOOST_REQUIRE_EQUAL(details.size(), 1u);
  BOOST_TEST(HtmlDoc::Text(doc.All(GUMBO_TAG_SUMMARY, details[0]).at(0)) ==
             "3 results for Hemoglobin");
  const auto history = BodyRows(doc, doc.All(GUMBO_TAG_TABLE, details[0]).at(0));
  BOOST_REQUIRE_EQUAL(history.size(), 3u);
  BOOST_TEST(HtmlDoc::Text(history[0]) == "Apr 15, 202513.1 g/dL↑ High");
  BOOST_TEST(HtmlDoc::Text(history[2]) == "Apr 15, 202312.5 g/dL");

  // The viral load: "<20" as recorded, its comparator and code kept in the markup.
  const auto viral = TestRows(doc, "http://loinc.org|20447-9");
  BOOST_REQUIRE_EQUAL(viral.size(), 1u);
  const auto vdata = doc.All(GUMBO_TAG_DATA, WithClass(doc, "latest", viral[0]).at(0));
  BOOST_REQUIRE_EQUAL(vdata.size(), 1u);
  BOOST_TEST(HtmlDoc::Text(vdata[0]) == "<20 copies/mL");
  BOOST_TEST(HtmlDoc::Attr(vdata[0], "data-comparator") == "<");
  BOOST_TEST(HtmlDoc::Attr(vdata[0], "data-ucum") == "{copies}/mL");
  // No range anywhere in this panel: no range column.
  const GumboNode* table = HtmlDoc::Ancestor(viral[0], GUMBO_TAG_TABLE);
  BOOST_TEST(Headers(doc, table) ==
                 (std::vector<std::string>{"Test", "Latest result", "Trend and all results"}),
             boost::test_tools::per_element());
  // A test last done before its panel's latest date says when.
  const auto glucose = TestRows(doc, "http://loinc.org|2345-7");
  BOOST_TEST(HtmlDoc::Text(WithClass(doc, "older", glucose.at(0)).at(0)) == "on Apr 15, 2024");
  BOOST_TEST(WithClass(doc, "older", hgb[0]).empty());
  BOOST_TEST(TestRows(doc, "http://loinc.org|58410-2").empty());
}

BOOST_AUTO_TEST_CASE(sparklines_plot_the_released_numbers) {
  const HtmlDoc doc(Render(Model()));
  // Hemoglobin 12.5, 14.0, 13.1 at t = 1000, 2000, 3000 on a 120 x 32 box, 3 in from each edge:
  // x = 3 + (t - 1000) / 2000 * 114, y = 29 - (v - 12.5) / 1.5 * 26.
  const auto hgb = doc.All(GUMBO_TAG_SVG, TestRows(doc, "http://loinc.org|718-7").at(0));
  BOOST_REQUIRE_EQUAL(hgb.size(), 1u);
  BOOST_TEST(HtmlDoc::Attr(hgb[0], "role") == "img");
  BOOST_TEST(HtmlDoc::Attr(hgb[0], "aria-label") ==
             "Hemoglobin, oldest first: 12.5 g/dL on Apr 15, 2023; 14.0 g/dL on Apr 15, 2024; "
             "13.1 g/dL on Apr 15, 2025");
  const auto line = Named(doc, "polyline", hgb[0]);
  BOOST_REQUIRE_EQUAL(line.size(), 1u);
  BOOST_TEST(HtmlDoc::Attr(line[0], "points") == "3.0,29.0 60.0,3.0 117.0,18.6");
  const auto dot = Named(doc, "circle", hgb[0]);
  BOOST_REQUIRE_EQUAL(dot.size(), 1u);  // The latest point.
  BOOST_TEST(HtmlDoc::Attr(dot[0], "cx") == "117.0");
  BOOST_TEST(HtmlDoc::Attr(dot[0], "cy") == "18.6");

  // The viral load: "<20" and "Detected" are not plotted; 150 alone is a dot in the middle.
  const auto viral = doc.All(GUMBO_TAG_SVG, TestRows(doc, "http://loinc.org|20447-9").at(0));
  BOOST_REQUIRE_EQUAL(viral.size(), 1u);
  BOOST_TEST(HtmlDoc::Attr(viral[0], "aria-label") ==
             "HIV viral load, oldest first: 150 copies/mL on Mar 1, 2024");
  BOOST_TEST(Named(doc, "polyline", viral[0]).empty());
  const auto vdot = Named(doc, "circle", viral[0]);
  BOOST_REQUIRE_EQUAL(vdot.size(), 1u);
  BOOST_TEST(HtmlDoc::Attr(vdot[0], "cx") == "60.0");
  BOOST_TEST(HtmlDoc::Attr(vdot[0], "cy") == "16.0");
  // ... and all three stay in its table.
  const auto details = doc.All(GUMBO_TAG_DETAILS, TestRows(doc, "http://loinc.org|20447-9")[0]);
  BOOST_TEST(BodyRows(doc, doc.All(GUMBO_TAG_TABLE, details.at(0)).at(0)).size() == 3u);
  // A test with no number to plot has no sparkline at all.
  SummaryModel words = Model();
  words.sections[1].panels[1].tests[0].points.erase(
      words.sections[1].panels[1].tests[0].points.begin() + 1);
  const HtmlDoc doc2(Render(words));
  BOOST_TEST(doc2.All(GUMBO_TAG_SVG, TestRows(doc2, "http://loinc.org|20447-9").at(0)).empty());
}

BOOST_AUTO_TEST_CASE(dates_are_time_elements) {
  const HtmlDoc doc(Render(Model()));
  std::vector<std::string> seen;
  for (const GumboNode* t : doc.All(GUMBO_TAG_TIME)) {
    seen.push_back(HtmlDoc::Attr(t, "datetime") + "=" + HtmlDoc::Text(t));
  }
  auto has = [&seen](const std::string& s) {
    for (const auto& x : seen) {
      if (x == s) return true;
    }
    return false;
  };
  BOOST_TEST(has("1970-03-04=Mar 4, 1970"));   // Date of birth.
  BOOST_TEST(has("2019-05-02=May 2, 2019"));   // The allergy.
  BOOST_TEST(has("2012-08=Aug 2012"));         // A month as recorded.
  BOOST_TEST(has("2025-05-20=May 20, 2025"));  // Records through, and the newest visit.
  BOOST_TEST(has("2022-09-28=Sep 28, 2022"));  // The oldest flu shot.
  BOOST_TEST(has("2023-04-15=Apr 15, 2023"));  // A result's history.
  for (const auto& s : seen) BOOST_TEST(s.find('=') > 0u, s);  // None without datetime.
  for (const auto& s : seen) BOOST_TEST(s.front() != '=', s);
}

BOOST_AUTO_TEST_CASE(columns_only_when_some_row_fills_them) {
  const HtmlDoc doc(Render(Model()));
  const GumboNode* visits = SectionOf(doc, "visit_history");
  const auto tables = doc.All(GUMBO_TAG_TABLE, visits);
  BOOST_REQUIRE_EQUAL(tables.size(), 2u);  // The latest, and the older ones folded away.
  BOOST_TEST(Headers(doc, tables[0]) == (std::vector<std::string>{"Visit", "Date", "Place"}),
             boost::test_tools::per_element());
  const GumboNode* meds = SectionOf(doc, "medications");
  BOOST_TEST(Headers(doc, doc.All(GUMBO_TAG_TABLE, meds).at(0)) ==
                 (std::vector<std::string>{"Medication", "Prescribed", "Instructions", "Reason"}),
             boost::test_tools::per_element());
  BOOST_TEST(HtmlDoc::Text(WithClass(doc, "note", meds).at(0)) ==
             "Your medication list may not be complete.");
  // One row per vaccine, every date behind <details>.
  const GumboNode* shots = SectionOf(doc, "preventive_care");
  const auto table = doc.All(GUMBO_TAG_TABLE, shots).at(0);
  BOOST_TEST(Headers(doc, table) == (std::vector<std::string>{"Vaccine", "Latest", "All dates"}),
             boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(BodyRows(doc, table).size(), 1u);
  const auto dates = doc.All(GUMBO_TAG_DETAILS, table);
  BOOST_REQUIRE_EQUAL(dates.size(), 1u);
  BOOST_TEST(doc.All(GUMBO_TAG_TIME, dates[0]).size() == 3u);
}

BOOST_AUTO_TEST_CASE(contents_bar_counts_and_long_sections_fold) {
  const HtmlDoc doc(Render(Model()));
  const auto navs = doc.All(GUMBO_TAG_NAV);
  BOOST_REQUIRE_EQUAL(navs.size(), 1u);
  std::vector<std::string> links;
  for (const GumboNode* a : doc.All(GUMBO_TAG_A, navs[0])) {
    links.push_back(HtmlDoc::Attr(a, "href") + " " + HtmlDoc::Text(a));
  }
  BOOST_TEST(
      links == (std::vector<std::string>{"#s-allergies_conditions Allergies and Conditions 3",
                                         "#s-results Results 3", "#s-medications Medications 1",
                                         "#s-visit_history Visit History 12",
                                         "#s-preventive_care Preventative Care 1"}),
      boost::test_tools::per_element());
  const GumboNode* visits = SectionOf(doc, "visit_history");
  const auto tables = doc.All(GUMBO_TAG_TABLE, visits);
  BOOST_REQUIRE_EQUAL(tables.size(), 2u);
  const auto shown = BodyRows(doc, tables[0]);
  BOOST_REQUIRE_EQUAL(shown.size(), 10u);
  BOOST_TEST(HtmlDoc::Text(shown.front()).find("Office visit 0") == 0u);
  const GumboNode* more = HtmlDoc::Ancestor(tables[1], GUMBO_TAG_DETAILS);
  BOOST_REQUIRE(more != nullptr);
  BOOST_TEST(HtmlDoc::Text(doc.All(GUMBO_TAG_SUMMARY, more).at(0)) == "Show 2 older visits");
  const auto older = BodyRows(doc, tables[1]);
  BOOST_REQUIRE_EQUAL(older.size(), 2u);
  BOOST_TEST(HtmlDoc::Text(older[1]).find("Office visit 11") == 0u);
  BOOST_TEST(HtmlDoc::Ancestor(tables[0], GUMBO_TAG_DETAILS) == nullptr);
}

// The page a person can open to look at (build/test-artifacts/summary_page/hand_built.html).
BOOST_AUTO_TEST_CASE(save_the_page_for_people_to_look_at) {
  const std::filesystem::path dir = testing::BinaryDir() / "test-artifacts" / "summary_page";
  std::filesystem::create_directories(dir);
  testing::Spit(dir / "hand_built.html", Render(Model()));
  BOOST_TEST(std::filesystem::file_size(dir / "hand_built.html") > 0u);
}

BOOST_AUTO_TEST_CASE(the_page_is_a_function_of_the_model) {
  SummaryModel a = Model();
  SummaryModel b = Model();
  b.as_of = a.as_of + 86400;  // A night later, nothing new.
  BOOST_TEST(Render(a) == Render(b));
}

}  // namespace
}  // namespace portal
