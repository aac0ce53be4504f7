#pragma once

#include <string>
#include <vector>

#include "generator/summaries/summary_model.h"

namespace portal {

// A test's history as a small inline SVG (static markup, no script), built from escaped parts.
// Plots each point whose value is a plain number (no comparator, not text), oldest left, placed
// by date on a 120 x 32 box; several points are a line ending in a dot, a single point a dot.
// role="img" with an aria-label naming the test and each plotted value with its date.
// "" when no point can be plotted (the history table still lists every value).
std::string SparklineSvg(const std::string& test_label, const std::vector<ResultPoint>& points);

}  // namespace portal
