#include "generator/summaries/summary_model.h"

#include <nlohmann/json.hpp>

#include "core/sha256.h"

namespace portal {

std::string SummaryModel::Canonical() const {
  nlohmann::json sections_json = nlohmann::json::array();
  for (const auto& s : sections) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& e : s.entries) {
      entries.push_back({{"label", e.label}, {"date", e.date}, {"detail", e.detail}});
    }
    sections_json.push_back({{"id", s.id},
                             {"title", s.title},
                             {"window", s.window},
                             {"note", s.note},
                             {"entries", entries}});
  }
  const nlohmann::json doc = {{"patient", patient_id},
                              {"name", name},
                              {"mrn", mrn},
                              {"birth_date", birth_date},
                              {"eligibility", static_cast<int>(eligibility)},
                              {"sections", sections_json}};
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string SummaryModel::Hash() const { return Sha256Hex(Canonical()); }

}  // namespace portal
