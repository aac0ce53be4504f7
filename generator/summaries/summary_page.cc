#include "generator/summaries/summary_page.h"

#include "core/templates/facts.h"

namespace portal {

std::string RenderSummaryPage(const PortalConfig& config, const TemplateSet& templates,
                              const SummaryModel& model) {
  mstch::map ctx = FactsContext(config, FactsFor::kHtml);
  ctx["lang"] = config.site.language;
  ctx["patient"] =
      mstch::map{{"name", model.name}, {"mrn", model.mrn}, {"birth_date", model.birth_date}};
  // No "as of" stamp: the page is a function of the records and the rules only, so a night
  // that changes nothing for a patient re-encrypts nothing, and full and incremental runs
  // publish the same page. Its file's modification time says when it last changed.
  mstch::array sections;
  for (const auto& s : model.sections) {
    mstch::array entries;
    for (const auto& e : s.entries) {
      entries.push_back(mstch::map{{"date", e.date.text}, {"label", e.label}, {"detail", e.detail}});
    }
    sections.push_back(mstch::map{{"id", s.id},
                                  {"title", s.title},
                                  {"window", s.window},
                                  {"note", s.note},
                                  {"has_entries", !entries.empty()},
                                  {"entries", std::move(entries)}});
  }
  ctx["sections"] = std::move(sections);
  mstch::array notices;
  for (const auto& n : config.summary_notices) notices.push_back(n);
  ctx["notices"] = std::move(notices);
  return templates.Render("summary", ctx);
}

}  // namespace portal
