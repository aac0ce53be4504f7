#include "generator/summaries/summary_page.h"

#include "core/templates/facts.h"
#include "generator/summaries/css_string.h"
#include "generator/summaries/page_dates.h"
#include "generator/summaries/summary_results.h"
#include "generator/summaries/summary_rows.h"

namespace portal {

namespace {

void Newer(const SummaryDate& d, const SummaryDate** newest) {
  if (!d.text.empty() && (*newest == nullptr || d.when > (*newest)->when)) *newest = &d;
}

// The newest date any section shows: the page's "Records through" line. The page has no
// "generated at" stamp (it is a function of the model), so this is what dates a printout.
const SummaryDate* NewestDate(const SummaryModel& model) {
  const SummaryDate* newest = nullptr;
  for (const auto& s : model.sections) {
    for (const auto& e : s.entries) {
      Newer(e.date, &newest);
      for (const auto& d : e.history) Newer(d, &newest);
    }
    for (const auto& p : s.panels) {
      Newer(p.latest, &newest);
      for (const auto& t : p.tests) {
        for (const auto& pt : t.points) Newer(pt.date, &newest);
      }
    }
  }
  return newest;
}

mstch::map Section(const SummarySection& s) {
  const bool results = s.layout == "results";
  const size_t count = s.Count();
  const bool empty = results ? s.panels.empty() : s.entries.empty() && !s.lists_allergies;
  return mstch::map{
      {"id", s.id},
      {"title", s.title},
      {"window", s.window},
      {"note", s.note},
      {"count", std::to_string(count)},
      {"is_results", results},
      {"empty_text",
       empty ? std::string(results ? "No results on file" : "None on file") : std::string()},
      {"panels", results ? ResultPanels(s) : mstch::array{}},
      {"groups", results ? mstch::array{} : RowGroups(s)}};
}

}  // namespace

std::string RenderSummaryPage(const PortalConfig& config, const TemplateSet& templates,
                              const SummaryModel& model) {
  mstch::map ctx = FactsContext(config, FactsFor::kHtml);
  ctx["lang"] = config.site.language;
  ctx["patient"] = mstch::map{{"name", model.name},
                              {"mrn", model.mrn},
                              {"birth_date", DateNode(SummaryDate{model.birth_date, 0})}};
  // No "as of" stamp: the page is a function of the records and the rules only, so a night
  // that changes nothing for a patient re-encrypts nothing, and full and incremental runs
  // publish the same page.
  const SummaryDate* newest = NewestDate(model);
  ctx["records_through"] = newest ? DateNode(*newest) : mstch::node(false);
  // Printed at the top of every page (a CSS page-margin box): who, and how recent. The only
  // per-patient CSS, alone in <style data-print-header>: the main <style> is the same bytes
  // for every patient, so the app's CSP can allow it by hash (the app applies this one as a
  // constructed stylesheet, which CSP does not govern).
  std::string running = model.name + " · MRN " + model.mrn;
  if (newest) running += " · Records through " + ReadableDate(newest->text);
  ctx["print_header_css"] = CssString(running);
  mstch::array sections;
  for (const auto& s : model.sections) sections.push_back(Section(s));
  ctx["sections"] = std::move(sections);
  mstch::array notices;
  for (const auto& n : config.summary_notices) notices.push_back(n);
  ctx["notices"] = std::move(notices);
  return templates.Render("summary", ctx);
}

}  // namespace portal
