#define BOOST_TEST_MODULE summary_model_test
#include "generator/summaries/summary_model.h"

#include <boost/test/unit_test.hpp>
#include <functional>
#include <vector>

namespace portal {
namespace {

SummaryModel Sample() {
  SummaryModel m;
  m.patient_id = "p";
  m.name = "Test Patient";
  m.mrn = "M000001";
  m.birth_date = "1970";
  m.eligibility = Eligibility::kEligible;
  SummarySection s;
  s.id = "s";
  s.title = "T";
  s.window = "current";
  s.note = "n";
  s.layout = "rows";
  SummaryEntry e;
  e.kind = "allergy";
  e.label = "L";
  e.date = {"2020-01-01", 1};
  e.detail = "d";
  e.facts = {{"Reaction", "Hives"}};
  e.history = {{"2019", 2}};
  s.entries = {e};
  ResultPoint point;
  point.date = {"2021-01-01", 3};
  point.value = {"<", "20", "copies/mL", "{copies}/mL", ""};
  point.range = "r";
  point.flag = "High";
  s.panels = {{"k", "P", {"2021-01-01", 3}, {{"http://loinc.org|1-8", "Test", {point}}}}};
  m.sections = {s};
  return m;
}

// Every field that reaches the page changes the hash (so a change re-renders the page), and
// the instants that only say when do not.
BOOST_AUTO_TEST_CASE(every_shown_field_changes_the_hash) {
  const std::string base = Sample().Hash();
  BOOST_TEST(base.size() == 64u);
  using Change = std::function<void(SummaryModel&)>;
  auto entry = [](SummaryModel& m) -> SummaryEntry& { return m.sections[0].entries[0]; };
  auto point = [](SummaryModel& m) -> ResultPoint& {
    return m.sections[0].panels[0].tests[0].points[0];
  };
  const std::vector<Change> changes = {
      [](SummaryModel& m) { m.patient_id = "q"; },
      [](SummaryModel& m) { m.name = "Other"; },
      [](SummaryModel& m) { m.mrn = "M000002"; },
      [](SummaryModel& m) { m.birth_date = "1971"; },
      [](SummaryModel& m) { m.audience = Audience::kProxy; },
      [](SummaryModel& m) { m.eligibility = Eligibility::kMinor; },
      [](SummaryModel& m) { m.sections[0].id = "t"; },
      [](SummaryModel& m) { m.sections[0].title = "U"; },
      [](SummaryModel& m) { m.sections[0].window = "since 2003"; },
      [](SummaryModel& m) { m.sections[0].note = ""; },
      [](SummaryModel& m) { m.sections[0].layout = "results"; },
      [](SummaryModel& m) { m.sections[0].patient_only = true; },
      [](SummaryModel& m) { m.sections[0].lists_allergies = true; },
      [&](SummaryModel& m) { entry(m).kind = "condition"; },
      [&](SummaryModel& m) { entry(m).label = "M"; },
      [&](SummaryModel& m) { entry(m).date.text = "2020-01-02"; },
      [&](SummaryModel& m) { entry(m).date.when = 9; },
      [&](SummaryModel& m) { entry(m).detail = "e"; },
      [&](SummaryModel& m) { entry(m).facts[0].name = "Severity"; },
      [&](SummaryModel& m) { entry(m).facts[0].value = "Rash"; },
      [&](SummaryModel& m) { entry(m).alert = true; },
      [&](SummaryModel& m) {
        entry(m).history.push_back({"2018", 4});
      },
      [](SummaryModel& m) { m.sections[0].panels[0].key = "j"; },
      [](SummaryModel& m) { m.sections[0].panels[0].label = "Q"; },
      [](SummaryModel& m) { m.sections[0].panels[0].latest.text = "2021-01-02"; },
      [](SummaryModel& m) { m.sections[0].panels[0].tests[0].key = "http://loinc.org|2-6"; },
      [](SummaryModel& m) { m.sections[0].panels[0].tests[0].label = "Other test"; },
      [&](SummaryModel& m) { point(m).date.text = "2021-01-02"; },
      [&](SummaryModel& m) { point(m).value.comparator = ""; },
      [&](SummaryModel& m) { point(m).value.number = "20.0"; },
      [&](SummaryModel& m) { point(m).value.unit = "c/mL"; },
      [&](SummaryModel& m) { point(m).value.ucum = "/mL"; },
      [&](SummaryModel& m) { point(m).value.text = "x"; },
      [&](SummaryModel& m) { point(m).range = "s"; },
      [&](SummaryModel& m) { point(m).flag = "Low"; },
      // Length prefixes: moving a character between neighbouring fields is a change.
      [](SummaryModel& m) { m.name = "Test Patien", m.mrn = "tM000001"; },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    SummaryModel m = Sample();
    changes[i](m);
    BOOST_TEST(m.Hash() != base, "change " << i);
  }
  SummaryModel when = Sample();
  when.as_of = 12345;
  when.valid_until = 67890;
  BOOST_TEST(when.Hash() == base);
}

}  // namespace
}  // namespace portal
