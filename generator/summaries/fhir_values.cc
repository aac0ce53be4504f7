#include "generator/summaries/fhir_values.h"

#include <array>
#include <charconv>
#include <utility>

#include "generator/summaries/fhir_fields.h"
#include "generator/summaries/ucum_units.h"

namespace portal {

using simdjson::dom::element;
namespace ondemand = simdjson::ondemand;

namespace {

constexpr std::string_view kUcumSystem = "http://unitsofmeasure.org";

// HL7 v3 ObservationInterpretation codes and how the page says them ("N" is normal: no flag).
constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kInterpretations = {{
    {"N", ""},
    {"H", "High"},
    {"HU", "High"},
    {">", "High"},
    {"HH", "Critical high"},
    {"L", "Low"},
    {"LU", "Low"},
    {"<", "Low"},
    {"LL", "Critical low"},
    {"A", "Abnormal"},
    {"AA", "Critical"},
    {"W", "Abnormal"},  // Worse.
}};

// The number token of `v`, if it is a number.
bool NumberToken(ondemand::value v, std::string* out) {
  ondemand::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return false;
  if (type != ondemand::json_type::number) return true;
  std::string_view token = v.raw_json_token();
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                            token.back() == '\t')) {
    token.remove_suffix(1);
  }
  *out = std::string(token);
  return true;
}

// Calls fn(key, value) for each member of `object`; false if the JSON is broken or fn says so.
template <typename Fn>
bool EachMember(ondemand::object object, Fn fn) {
  for (auto field : object) {
    std::string_view key;
    ondemand::value v;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS ||
        field.value().get(v) != simdjson::SUCCESS || !fn(key, v)) {
      return false;
    }
  }
  return true;
}

// The number token of `object_value`'s member "value" (a Quantity's), if any.
bool QuantityToken(ondemand::value object_value, std::string* out) {
  ondemand::object quantity;
  if (object_value.get_object().get(quantity) != simdjson::SUCCESS) return true;  // Not one.
  return EachMember(quantity, [&](std::string_view key, ondemand::value v) {
    return key != "value" || NumberToken(v, out);
  });
}

bool RangeTokens(ondemand::value ranges_value, RecordedNumbers* out) {
  ondemand::array ranges;
  if (ranges_value.get_array().get(ranges) != simdjson::SUCCESS) return true;  // Not a list.
  bool first = true;
  for (auto range_value : ranges) {
    ondemand::object range;
    const bool is_range = range_value.get_object().get(range) == simdjson::SUCCESS;
    if (is_range && first && !EachMember(range, [&](std::string_view key, ondemand::value v) {
          if (key == "low") return QuantityToken(v, &out->range_low);
          if (key == "high") return QuantityToken(v, &out->range_high);
          return true;
        })) {
      return false;
    }
    first = false;  // Only the first range is read (as RangeText and ResultFlag do).
  }
  return true;
}

bool ReadTokens(ondemand::parser* parser, const simdjson::padded_string& json,
                RecordedNumbers* out) {
  ondemand::document doc;
  ondemand::object root;
  if (parser->iterate(json).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(root) != simdjson::SUCCESS) {
    return false;
  }
  // The DOM parse of the same text has checked the rest.
  return EachMember(root, [&](std::string_view key, ondemand::value v) {
    if (key == "valueQuantity") return QuantityToken(v, &out->value);
    if (key == "valueInteger") return NumberToken(v, &out->value);
    if (key == "referenceRange") return RangeTokens(v, out);
    return true;
  });
}

// A Quantity's unit for reading, and its UCUM code.
void Unit(element quantity, std::string* unit, std::string* ucum) {
  const std::string code = Str(quantity, "code");
  if (Str(quantity, "system") == kUcumSystem && !code.empty()) {
    *ucum = code;
    *unit = ReadableUnit(code);
  } else {
    ucum->clear();
    *unit = Str(quantity, "unit");
    if (unit->empty()) *unit = code;
  }
}

bool ParseDecimal(std::string_view text, double* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// A range bound's unit for reading, and whether it is the value's unit: the same UCUM code, or
// a unit text that is the value's code or unit (a bound without a unit is taken to be).
bool BoundUnit(element bound, const SummaryValue& value, std::string* unit) {
  std::string ucum;
  Unit(bound, unit, &ucum);
  if (!ucum.empty() && !value.ucum.empty()) return ucum == value.ucum;
  if (unit->empty()) return true;
  if (*unit != value.unit && *unit != value.ucum) return false;
  *unit = value.unit;
  return true;
}

}  // namespace

Status ReadRecordedNumbers(ondemand::parser* parser, std::string_view json, RecordedNumbers* out) {
  *out = RecordedNumbers();
  const simdjson::padded_string padded(json);
  if (!ReadTokens(parser, padded, out)) {
    *out = RecordedNumbers();
    return Status::InvalidInput("stored JSON does not parse");
  }
  return Status::Ok();
}

SummaryValue ObservationValue(element r, const RecordedNumbers& numbers) {
  SummaryValue v;
  element quantity;
  if (r["valueQuantity"].get(quantity) == simdjson::SUCCESS) {
    const std::string comparator = Str(quantity, "comparator");
    if (comparator == "<" || comparator == "<=" || comparator == ">=" || comparator == ">") {
      v.comparator = comparator;
    }
    v.number = numbers.value;
    Unit(quantity, &v.unit, &v.ucum);
    return v;
  }
  if (r["valueInteger"].error() == simdjson::SUCCESS) {
    v.number = numbers.value;
    return v;
  }
  v.text = Str(r, "valueString");
  if (!v.text.empty()) return v;
  v.text = FieldText(r, "valueCodeableConcept");
  if (!v.text.empty()) return v;
  bool yes = false;
  if (r["valueBoolean"].get(yes) == simdjson::SUCCESS) {
    v.text = yes ? "Yes" : "No";
    return v;
  }
  v.text = FieldText(r, "dataAbsentReason");
  return v;
}

std::string RangeText(element r, const RecordedNumbers& numbers, const SummaryValue& value) {
  const std::vector<element> ranges = Items(r, "referenceRange");
  if (ranges.empty()) return std::string();
  const std::string text = Str(ranges[0], "text");
  if (!text.empty()) return text;
  std::string unit;
  element bound;
  if (ranges[0]["high"].get(bound) == simdjson::SUCCESS ||
      ranges[0]["low"].get(bound) == simdjson::SUCCESS) {
    BoundUnit(bound, value, &unit);
  }
  const std::string suffix = unit.empty() ? "" : " " + unit;
  const std::string &low = numbers.range_low, &high = numbers.range_high;
  if (!low.empty() && !high.empty()) return low + "–" + high + suffix;
  if (!low.empty()) return "at least " + low + suffix;
  if (!high.empty()) return "up to " + high + suffix;
  return std::string();
}

std::string ResultFlag(element r, const SummaryValue& value, const RecordedNumbers& numbers) {
  for (element concept_el : Items(r, "interpretation")) {
    for (element c : Items(concept_el, "coding")) {
      const std::string code = Str(c, "code");
      for (const auto& [known, flag] : kInterpretations) {
        if (code == known) return std::string(flag);
      }
    }
  }
  double number = 0, bound = 0;
  if (value.number.empty() || !value.comparator.empty() || !ParseDecimal(value.number, &number)) {
    return std::string();
  }
  const std::vector<element> ranges = Items(r, "referenceRange");
  if (ranges.empty()) return std::string();
  element low, high;
  std::string unit;
  if (ranges[0]["low"].get(low) == simdjson::SUCCESS && BoundUnit(low, value, &unit) &&
      ParseDecimal(numbers.range_low, &bound) && number < bound) {
    return "Low";
  }
  if (ranges[0]["high"].get(high) == simdjson::SUCCESS && BoundUnit(high, value, &unit) &&
      ParseDecimal(numbers.range_high, &bound) && number > bound) {
    return "High";
  }
  return std::string();
}

}  // namespace portal
