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

// A value as markup built from escaped parts: a number in <data> with its comparator and UCUM
// code kept as attributes, else the text.
std::string ValueHtml(const SummaryValue& v) {
  if (v.number.empty()) return "<span class=\"text-value\">" + HtmlEscape(v.Display()) + "</span>";
  std::string html = "<data value=\"" + HtmlEscape(v.number) + "\"";
  if (!v.comparator.empty()) html += " data-comparator=\"" + HtmlEscape(v.comparator) + "\"";
  if (!v.ucum.empty()) html += " data-ucum=\"" + HtmlEscape(v.ucum) + "\"";
  return html + ">" + HtmlEscape(v.Display()) + "</data>";
}

// A flag in words with its mark; "" if none.
std::string FlagHtml(const std::string& flag) {
  if (flag.empty()) return std::string();
  return std::string("<strong class=\"flag flag-") + FlagStyle(flag) +
         "\"><span class=\"mark\" aria-hidden=\"true\">" + FlagMark(flag) + "</span> " +
         HtmlEscape(flag) + "</strong>";
}

// The rows of a test's history table, built here from escaped parts rather than by mstch: a
// patient with ten years of results has hundreds of them, and mstch spent a third of the
// page's time on them. Values and flags are marked up as in the latest-value cell.
std::string HistoryRowsHtml(const std::vector<ResultPoint>& points) {
  std::string html;
  for (const auto& p : points) {
    html += "<tr><td>";
    if (!p.date.text.empty()) {
      html += "<time datetime=\"" + HtmlEscape(p.date.text) + "\">" +
              HtmlEscape(ReadableDate(p.date.text)) + "</time>";
    }
    html += "</td><td>" + ValueHtml(p.value) + "</td><td>" + FlagHtml(p.flag);
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
      {"latest_value", latest ? ValueHtml(latest->value) : std::string()},
      {"latest_flag", latest ? FlagHtml(latest->flag) : std::string()},
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
