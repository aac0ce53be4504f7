#pragma once

#include <mstch/mstch.hpp>
#include <string>
#include <string_view>

#include "generator/summaries/summary_model.h"

namespace portal {

// A SummaryDate's text as a patient reads it: "2025-03-15" is "Mar 15, 2025", "2025-03" is
// "Mar 2025", "2025" stays; anything else is returned as it is.
std::string ReadableDate(std::string_view html_date);

// A date for the summary template: {text, datetime} for <time datetime="...">, or false when
// the record has none.
mstch::node DateNode(const SummaryDate& date);

}  // namespace portal
