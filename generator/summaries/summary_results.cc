#include "generator/summaries/summary_results.h"

#include <string>

#include "core/html_escape.h"
#include "generator/summaries/page_dates.h"
#include "generator/summaries/sparkline.h"

namespace portal {

namespace {

// A flag's mark and style class: words with a mark beside them, never colour alone.
const char* FlagMark(const std::string& flag) {
  return flag == "High" ? "↑" : flag == "Low" ? "↓" : "!";
}
const char* FlagStyle(const std::string& flag) {
  return flag == "High" ? "high" : flag == "Low" ? "low" : "abnormal";
}

// A flag for the template; false if none.
mstch::node Flag(const std::string& flag) {
  if (flag.empty()) return false;
  return mstch::map{{"text", flag},
                    {"mark", std::string(FlagMark(flag))},
                    {"style", std::string(FlagStyle(flag))}};
}

mstch::map Value(const SummaryValue& v) {
  return mstch::map{{"display", v.Display()},
                    {"number", v.number},
                    {"comparator", v.comparator},
                    {"ucum", v.ucum}};
}

// The rows of a test's history table, built here from escaped parts rather than by mstch: a
// patient with ten years of results has hundreds of them, and mstch spent a third of the
// page's time on them. The markup is the partials' (summary_value, summary_flag).
std::string HistoryRowsHtml(const std::vector<ResultPoint>& points) {
  std::string html;
  for (const auto& p : points) {
    html += "<tr><td>";
    if (!p.date.text.empty()) {
      html += "<time datetime=\"" + HtmlEscape(p.date.text) + "\">" +
              HtmlEscape(ReadableDate(p.date.text)) + "</time>";
    }
    html += "</td><td>";
    const SummaryValue& v = p.value;
    if (!v.number.empty()) {
      html += "<data value=\"" + HtmlEscape(v.number) + "\"";
      if (!v.comparator.empty()) html += " data-comparator=\"" + HtmlEscape(v.comparator) + "\"";
      if (!v.ucum.empty()) html += " data-ucum=\"" + HtmlEscape(v.ucum) + "\"";
      html += ">" + HtmlEscape(v.Display()) + "</data>";
    } else {
      html += "<span class=\"text-value\">" + HtmlEscape(v.Display()) + "</span>";
    }
    html += "</td><td>";
    if (!p.flag.empty()) {
      html += std::string("<strong class=\"flag flag-") + FlagStyle(p.flag) +
              "\"><span class=\"mark\" aria-hidden=\"true\">" + FlagMark(p.flag) + "</span> " +
              HtmlEscape(p.flag) + "</strong>";
    }
    html += "</td></tr>\n";
  }
  return html;
}

mstch::map Test(const ResultTest& t, const SummaryDate& panel_latest) {
  const ResultPoint* latest = t.points.empty() ? nullptr : &t.points.front();
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
      {"history_rows", HistoryRowsHtml(t.points)},
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
