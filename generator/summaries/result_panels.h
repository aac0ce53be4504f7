#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "generator/summaries/summary_model.h"

namespace portal {

// Groups one "results" section's released measurements into panels (the kind of report they
// came in) and tests (by code, never by display text): each test once, in the panel of its
// latest point, points newest first; panels and tests newest first, ties by label and key.
class ResultPanels {
 public:
  // The report a measurement came in: its code's key and label; key "" for none.
  struct Report {
    std::string id;  // The DiagnosticReport's id; "" for none.
    std::string key;
    std::string label;
  };

  // A released measurement of the test `test_key` ("http://loinc.org|718-7"), named `label`.
  void AddPoint(const Report& report, const std::string& test_key, const std::string& label,
                ResultPoint point);
  // A released report with a conclusion: shown as one test, the conclusion its value, only if
  // none of the report's own results was released.
  void AddConclusion(const Report& report, ResultPoint point);

  std::vector<ResultPanel> Build() const;

 private:
  struct Point {
    Report report;
    std::string label;
    ResultPoint point;
  };
  std::map<std::string, std::vector<Point>> tests_;  // By test key.
  std::set<std::string> reports_with_results_;       // Report ids.
  std::vector<std::pair<Report, ResultPoint>> conclusions_;
};

}  // namespace portal
