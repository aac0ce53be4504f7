#pragma once

#include <mstch/mstch.hpp>

#include "generator/summaries/summary_model.h"

namespace portal {

// The template context of a "rows" section: its entries grouped by what they are (allergies,
// conditions, medications, ...), each group a table with only the columns some row fills, its
// latest rows shown and the older ones of a long group behind <details>. A section that lists
// allergies always has an allergy group, which says "No known allergies" (a recorded statement)
// or "No allergies recorded" (nothing on file) when it has no allergy rows.
mstch::array RowGroups(const SummarySection& section);

}  // namespace portal
