#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "core/status.h"
#include "generator/summaries/summary_model.h"

namespace portal {

// The numbers of an Observation as written in its stored JSON ("1.50", "1234567"): simdjson's
// DOM keeps only doubles, and a double is never printed.
struct RecordedNumbers {
  std::string value;       // valueQuantity.value or valueInteger; "" if none.
  std::string range_low;   // referenceRange[0].low.value; "" if none.
  std::string range_high;  // referenceRange[0].high.value; "" if none.
};
// InvalidInput (naming no value) if `json` is not an object that parses.
Status ReadRecordedNumbers(simdjson::ondemand::parser* parser, std::string_view json,
                           RecordedNumbers* out);

// An Observation's value exactly as recorded: a quantity's comparator, digits and unit (read
// from UCUM, the code kept), or a text, code, boolean or the reason it is absent.
SummaryValue ObservationValue(simdjson::dom::element r, const RecordedNumbers& numbers);

// The first reference range for reading: its text, else "4.0–10.5 10³/µL", "at least 4.0 …",
// "up to 10.5 …" (in the value's unit as read when the range is in it); "" if none.
std::string RangeText(simdjson::dom::element r, const RecordedNumbers& numbers,
                      const SummaryValue& value);

// "High", "Critical high", "Low", "Critical low", "Abnormal", "Critical" or "": from the
// Observation's interpretation, else from its range when the value is a plain number in the
// range's unit.
std::string ResultFlag(simdjson::dom::element r, const SummaryValue& value,
                       const RecordedNumbers& numbers);

}  // namespace portal
