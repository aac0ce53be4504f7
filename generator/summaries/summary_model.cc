#include "generator/summaries/summary_model.h"

#include <nlohmann/json.hpp>

#include "core/sha256.h"

namespace portal {

// Every field that reaches the page goes into the canonical form, listed once here; as_of and
// valid_until do not (they say when, not what).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SummaryDate, text, when)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SummaryValue, comparator, number, unit, ucum, text)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SummaryFact, name, value)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SummaryEntry, kind, label, date, detail, facts, alert, history)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ResultPoint, date, value, range, flag)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ResultTest, key, label, points)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ResultPanel, key, label, latest, tests)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SummarySection, id, title, window, note, layout, patient_only,
                                   lists_allergies, entries, panels)

std::string SummaryValue::Display() const {
  if (!number.empty()) return comparator + number + (unit.empty() ? "" : " " + unit);
  return text;
}

size_t SummarySection::Count() const {
  size_t n = 0;
  for (const auto& e : entries) n += e.kind == "no-known-allergy" ? 0 : 1;
  for (const auto& p : panels) n += p.tests.size();
  return n;
}

std::string SummaryModel::Canonical() const {
  const nlohmann::json doc = {{"patient", patient_id},
                              {"name", name},
                              {"mrn", mrn},
                              {"birth_date", birth_date},
                              {"audience", audience == Audience::kPatient ? "patient" : "proxy"},
                              {"eligibility", static_cast<int>(eligibility)},
                              {"sections", sections}};
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string SummaryModel::Hash() const { return Sha256Hex(Canonical()); }

}  // namespace portal
