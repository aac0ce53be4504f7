#pragma once

#include <simdjson.h>

#include <string_view>

namespace portal {

// Whether a record was retracted, refuted or is not finished, and so is never shown whatever a
// section's rules say: anything entered-in-error; results and reports unless final, amended,
// corrected or appended; refuted conditions and allergies; cancelled prescriptions and visits;
// immunizations not done; superseded or preliminary documents.
bool RetractedOrUnfinished(simdjson::dom::element r, std::string_view type);

}  // namespace portal
