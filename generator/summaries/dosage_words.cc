#include "generator/summaries/dosage_words.h"

#include <charconv>
#include <string_view>
#include <vector>

#include "generator/summaries/fhir_fields.h"
#include "generator/summaries/ucum_units.h"

namespace portal {

using simdjson::dom::element;

namespace {

// The shortest text that reads back as `v` (never rounded; "0.5", "2").
std::string Number(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

std::string PeriodUnit(std::string_view ucum, bool plural) {
  std::string word = ucum == "s"     ? "second"
                     : ucum == "min" ? "minute"
                     : ucum == "h"   ? "hour"
                     : ucum == "d"   ? "day"
                     : ucum == "wk"  ? "week"
                     : ucum == "mo"  ? "month"
                     : ucum == "a"   ? "year"
                                     : "";
  return plural && !word.empty() ? word + "s" : word;
}

// "1 tablet", "2 doses".
std::string Dose(element dosage) {
  for (element rate : Items(dosage, "doseAndRate")) {
    element quantity;
    double value = 0;
    if (rate["doseQuantity"].get(quantity) != simdjson::SUCCESS ||
        quantity["value"].get(value) != simdjson::SUCCESS) {
      continue;
    }
    std::string unit = Str(quantity, "unit");
    if (unit.empty() && !Str(quantity, "code").empty()) unit = ReadableUnit(Str(quantity, "code"));
    if (unit.empty()) unit = value == 1 ? "dose" : "doses";
    return Number(value) + " " + unit;
  }
  return std::string();
}

// "once a day", "2 times a day", "every 8 hours", "3 times every 2 days".
std::string Timing(element dosage) {
  element repeat;
  if (dosage["timing"]["repeat"].get(repeat) != simdjson::SUCCESS) {
    element code;
    return dosage["timing"]["code"].get(code) == simdjson::SUCCESS ? ConceptText(code)
                                                                   : std::string();
  }
  int64_t frequency = 1;
  double period = 0;
  if (repeat["frequency"].get(frequency) != simdjson::SUCCESS) frequency = 1;
  const std::string unit = Str(repeat, "periodUnit");
  if (repeat["period"].get(period) != simdjson::SUCCESS || period <= 0 ||
      PeriodUnit(unit, false).empty()) {
    return std::string();
  }
  const std::string times = frequency == 1 ? "once" : std::to_string(frequency) + " times";
  if (period == 1) return times + " a " + PeriodUnit(unit, false);
  const std::string every = "every " + Number(period) + " " + PeriodUnit(unit, true);
  return frequency == 1 ? every : times + " " + every;
}

std::string AsNeeded(element dosage) {
  bool as_needed = false;
  if (dosage["asNeededBoolean"].get(as_needed) == simdjson::SUCCESS) {
    return as_needed ? "as needed" : "";
  }
  element reason;
  if (dosage["asNeededCodeableConcept"].get(reason) != simdjson::SUCCESS) return std::string();
  const std::string text = ConceptText(reason);
  return text.empty() ? "as needed" : "as needed for " + text;
}

std::string OneDosage(element dosage) {
  const std::string text = Str(dosage, "text");
  if (!text.empty()) return text;
  std::string out;
  for (const std::string& part : {Dose(dosage), Timing(dosage), AsNeeded(dosage)}) {
    if (!part.empty()) out += (out.empty() ? "" : ", ") + part;
  }
  return out;
}

}  // namespace

std::string DosageWords(element medication) {
  std::string out;
  for (element dosage : Items(medication, "dosageInstruction")) {
    const std::string words = OneDosage(dosage);
    if (!words.empty()) out += (out.empty() ? "" : "; ") + words;
  }
  for (element dosage : Items(medication, "dosage")) {  // MedicationStatement.
    const std::string words = OneDosage(dosage);
    if (!words.empty()) out += (out.empty() ? "" : "; ") + words;
  }
  return out;
}

}  // namespace portal
