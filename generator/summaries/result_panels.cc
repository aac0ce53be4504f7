#include "generator/summaries/result_panels.h"

#include <algorithm>
#include <tuple>

namespace portal {

namespace {

constexpr char kOtherResults[] = "Other results";

// Newest first; ties in a fixed order (date text, then the value as shown).
bool NewerPoint(const ResultPoint& a, const ResultPoint& b) {
  if (a.date.when != b.date.when) return a.date.when > b.date.when;
  return std::tie(a.date.text, a.value.text, a.value.number) >
         std::tie(b.date.text, b.value.text, b.value.number);
}

int64_t Latest(const ResultTest& t) { return t.points.empty() ? 0 : t.points[0].date.when; }

}  // namespace

void ResultPanels::AddPoint(const Report& report, const std::string& test_key,
                            const std::string& label, ResultPoint point) {
  if (!report.id.empty()) reports_with_results_.insert(report.id);
  tests_[test_key].push_back({report, label, std::move(point)});
}

void ResultPanels::AddConclusion(const Report& report, ResultPoint point) {
  conclusions_.emplace_back(report, std::move(point));
}

std::vector<ResultPanel> ResultPanels::Build() const {
  std::map<std::string, std::vector<Point>> tests = tests_;
  for (const auto& [report, point] : conclusions_) {
    if (reports_with_results_.count(report.id) != 0) continue;
    tests[report.key].push_back({report, report.label, point});
  }
  std::map<std::string, ResultPanel> panels;
  for (auto& [key, points] : tests) {
    std::sort(points.begin(), points.end(),
              [](const Point& a, const Point& b) { return NewerPoint(a.point, b.point); });
    const Point& latest = points.front();
    ResultPanel& panel = panels[latest.report.key];
    if (panel.tests.empty() || latest.point.date.when > panel.latest.when) {
      panel.key = latest.report.key;
      panel.label = latest.report.key.empty() ? kOtherResults : latest.report.label;
      panel.latest = latest.point.date;
    }
    ResultTest test;
    test.key = key;
    test.label = latest.label;
    for (const Point& p : points) test.points.push_back(p.point);
    panel.tests.push_back(std::move(test));
  }
  std::vector<ResultPanel> out;
  for (auto& [key, panel] : panels) {
    std::sort(panel.tests.begin(), panel.tests.end(), [](const ResultTest& a, const ResultTest& b) {
      if (Latest(a) != Latest(b)) return Latest(a) > Latest(b);
      return std::tie(a.label, a.key) < std::tie(b.label, b.key);
    });
    out.push_back(std::move(panel));
  }
  std::sort(out.begin(), out.end(), [](const ResultPanel& a, const ResultPanel& b) {
    if (a.latest.when != b.latest.when) return a.latest.when > b.latest.when;
    return std::tie(a.label, a.key) < std::tie(b.label, b.key);
  });
  return out;
}

}  // namespace portal
