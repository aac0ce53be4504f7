#include "generator/summaries/summary_results.h"

#include <string>

#include "generator/summaries/page_dates.h"
#include "generator/summaries/sparkline.h"

namespace portal {

namespace {

// A flag in words with a mark beside it, so it never rests on colour alone; false if none.
mstch::node Flag(const std::string& flag) {
  if (flag.empty()) return false;
  const char* mark = flag == "High" ? "↑" : flag == "Low" ? "↓" : "!";
  const char* style = flag == "High" ? "high" : flag == "Low" ? "low" : "abnormal";
  return mstch::map{{"text", flag}, {"mark", std::string(mark)}, {"style", std::string(style)}};
}

mstch::map Value(const SummaryValue& v) {
  return mstch::map{{"display", v.Display()},
                    {"number", v.number},
                    {"comparator", v.comparator},
                    {"ucum", v.ucum}};
}

mstch::map HistoryRow(const ResultPoint& p) {
  return mstch::map{{"date", DateNode(p.date)}, {"value", Value(p.value)}, {"flag", Flag(p.flag)}};
}

mstch::map Test(const ResultTest& t, const SummaryDate& panel_latest) {
  const ResultPoint* latest = t.points.empty() ? nullptr : &t.points.front();
  mstch::array history;
  for (const auto& p : t.points) history.push_back(HistoryRow(p));
  const bool older = latest && latest->date.text != panel_latest.text;
  const size_t n = t.points.size();
  return mstch::map{
      {"label", t.label},
      {"key", t.key},
      {"value", latest ? mstch::node(Value(latest->value)) : mstch::node(false)},
      {"flag", latest ? Flag(latest->flag) : mstch::node(false)},
      // The panel's heading gives its latest date; a test last done earlier says when.
      {"older_date", older ? DateNode(latest->date) : mstch::node(false)},
      {"range", latest ? latest->range : std::string()},
      {"sparkline", SparklineSvg(t.label, t.points)},
      {"history_summary", n == 1 ? std::string("1 result") : std::to_string(n) + " results"},
      {"history", std::move(history)},
  };
}

}  // namespace

mstch::array ResultPanels(const SummarySection& section) {
  mstch::array panels;
  for (const auto& p : section.panels) {
    mstch::array tests;
    bool has_range = false;
    for (const auto& t : p.tests) {
      tests.push_back(Test(t, p.latest));
      has_range = has_range || (!t.points.empty() && !t.points.front().range.empty());
    }
    panels.push_back(mstch::map{{"label", p.label},
                                {"latest", DateNode(p.latest)},
                                {"has_range", has_range},
                                {"tests", std::move(tests)}});
  }
  return panels;
}

}  // namespace portal
