#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "generator/summaries/summary_model.h"

namespace portal {

class TimeZone;

// One row of a "rows" section, from one released resource of `type`: its kind, label (SNOMED
// semantic tags stripped), date, detail and facts. `date` is the resource's clinical date
// (text "" if none).
SummaryEntry BuildEntry(simdjson::dom::element r, std::string_view type, const SummaryDate& date,
                        const TimeZone& zone);

// What makes two immunization records the same vaccine: the CVX code, else the first coding,
// else the label.
std::string VaccineKey(simdjson::dom::element immunization);

}  // namespace portal
