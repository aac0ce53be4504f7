#pragma once

#include <mstch/mstch.hpp>

#include "generator/summaries/summary_model.h"

namespace portal {

// The template context of a "results" section: one entry per panel (newest first), each with one
// row per test: its latest value (the UCUM code kept for the markup), reference range, flag in
// words with a mark, sparkline (SparklineSvg) and full history, newest first.
mstch::array ResultPanels(const SummarySection& section);

}  // namespace portal
