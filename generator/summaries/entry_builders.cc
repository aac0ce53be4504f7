#include "generator/summaries/entry_builders.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "core/fhir_time.h"
#include "core/time_zone.h"
#include "generator/summaries/dosage_words.h"
#include "generator/summaries/fhir_fields.h"

namespace portal {

using simdjson::dom::element;

namespace {

constexpr std::string_view kCvxSystem = "http://hl7.org/fhir/sid/cvx";

// SNOMED CT's statements that a patient has no known allergy (of a kind).
constexpr std::array<std::string_view, 4> kNoKnownAllergy = {
    "716186003",  // No known allergy.
    "409137002",  // No known drug allergy.
    "428607008",  // No known environmental allergy.
    "429625007",  // No known food allergy.
};

// Encounter.class codes (HL7 v3 ActCode) as a patient says them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kVisitTypes = {{
    {"AMB", "Office visit"},
    {"EMER", "Emergency"},
    {"IMP", "Inpatient stay"},
    {"ACUTE", "Inpatient stay"},
    {"NONAC", "Inpatient stay"},
    {"OBSENC", "Observation stay"},
    {"SS", "Day surgery"},
    {"HH", "Home visit"},
    {"VR", "Virtual visit"},
    {"FLD", "Field visit"},
    {"PRENC", "Pre-admission visit"},
}};

void AddFact(SummaryEntry* e, std::string name, std::string value) {
  if (!value.empty()) e->facts.push_back({std::move(name), std::move(value)});
}

// "food" -> "Food"; codes other than FHIR's few are shown as written.
std::string Capitalised(std::string code) {
  if (code == "unable-to-assess") return "Unable to assess";
  if (!code.empty() && code[0] >= 'a' && code[0] <= 'z') code[0] = static_cast<char>(code[0] - 32);
  return code;
}

// The label of a resource for reading.
std::string Label(element r, std::string_view type) {
  for (const char* field : {"code", "vaccineCode", "medicationCodeableConcept", "type"}) {
    std::string text = FieldText(r, field);
    if (!text.empty()) return text;
  }
  element reference;
  std::string text;
  if (r["medicationReference"].get(reference) == simdjson::SUCCESS) {
    text = StripSemanticTag(Str(reference, "display"));
  }
  if (text.empty()) text = Str(r, "description");
  return text.empty() ? std::string(type) : text;
}

bool IsNoKnownAllergy(element r) {
  for (element concept_el : Items(r, "code")) {
    for (element c : Items(concept_el, "coding")) {
      if (Str(c, "system") != kSnomedSystem) continue;
      const std::string code = Str(c, "code");
      if (std::find(kNoKnownAllergy.begin(), kNoKnownAllergy.end(), code) !=
          kNoKnownAllergy.end()) {
        return true;
      }
    }
  }
  return false;
}

void Allergy(element r, SummaryEntry* e) {
  if (IsNoKnownAllergy(r)) {
    e->kind = "no-known-allergy";
    return;
  }
  e->kind = "allergy";
  std::string categories;
  for (element c : Items(r, "category")) {
    std::string_view v;
    if (c.get(v) == simdjson::SUCCESS && !v.empty()) {
      categories += (categories.empty() ? "" : ", ") + Capitalised(std::string(v));
    }
  }
  std::vector<element> manifestations;
  std::string severity;  // The most severe of the reactions.
  static constexpr std::array<std::string_view, 3> kSeverities = {"mild", "moderate", "severe"};
  for (element reaction : Items(r, "reaction")) {
    for (element m : Items(reaction, "manifestation")) manifestations.push_back(m);
    const std::string s = Str(reaction, "severity");
    const auto rank = [](std::string_view v) {
      return std::find(kSeverities.begin(), kSeverities.end(), v) - kSeverities.begin();
    };
    if (rank(s) < 3 && (severity.empty() || rank(s) > rank(severity))) severity = s;
  }
  const std::string criticality = Str(r, "criticality");
  AddFact(e, "Category", categories);
  AddFact(e, "Reaction", JoinedTexts(manifestations));
  AddFact(e, "Severity", Capitalised(severity));
  AddFact(e, "Criticality", Capitalised(criticality));
  e->alert = criticality == "high";
}

std::string Reason(element r) {
  std::vector<element> reasons = Items(r, "reasonCode");
  for (element ref : Items(r, "reasonReference")) reasons.push_back(ref);
  return JoinedTexts(reasons);
}

void Medication(element r, SummaryEntry* e) {
  e->kind = "medication";
  AddFact(e, "Instructions", DosageWords(r));
  AddFact(e, "Reason", Reason(r));
}

// "3 days" between two local calendar dates; "Less than a day" on the same day.
std::string LengthOfStay(element r, const TimeZone& zone) {
  std::string_view start, end;
  int64_t from = 0, to = 0;
  if (r["period"]["start"].get(start) != simdjson::SUCCESS ||
      r["period"]["end"].get(end) != simdjson::SUCCESS || !ParseFhirInstant(start, &from) ||
      !ParseFhirInstant(end, &to) || to < from) {
    return std::string();
  }
  FhirDateTime a, b;
  ParseFhirDateTime(zone.LocalDate(from), &a);
  ParseFhirDateTime(zone.LocalDate(to), &b);
  const int64_t days = (b.instant - a.instant) / 86400;
  if (days == 0) return "Less than a day";
  return std::to_string(days) + (days == 1 ? " day" : " days");
}

void Visit(element r, const TimeZone& zone, SummaryEntry* e) {
  e->kind = "visit";
  std::string type;
  bool inpatient = false;
  element visit_class;
  if (r["class"].get(visit_class) == simdjson::SUCCESS) {
    const std::string class_code = Str(visit_class, "code");
    for (const auto& [code, words] : kVisitTypes) {
      if (class_code == code) {
        type = words;
        inpatient = words == std::string_view("Inpatient stay");
      }
    }
    if (type.empty()) type = StripSemanticTag(Str(visit_class, "display"));
  }
  std::vector<element> places, clinicians;
  for (element l : Items(r, "location")) {
    element where;
    if (l["location"].get(where) == simdjson::SUCCESS) places.push_back(where);
  }
  for (element p : Items(r, "participant")) {
    element who;
    if (p["individual"].get(who) == simdjson::SUCCESS) clinicians.push_back(who);
  }
  if (e->label == "Encounter") e->label = type.empty() ? "Visit" : type;
  AddFact(e, "Type", type);
  AddFact(e, "Place", JoinedTexts(places));
  AddFact(e, "Clinician", JoinedTexts(clinicians));
  AddFact(e, "Reason", Reason(r));
  if (inpatient) AddFact(e, "Length of stay", LengthOfStay(r, zone));
}

// A DocumentReference is labelled by its type and described by its description.
void Document(element r, SummaryEntry* e) {
  e->kind = "document";
  const std::string description = Str(r, "description");
  if (e->label != description) e->detail = description;
}

}  // namespace

SummaryEntry BuildEntry(element r, std::string_view type, const SummaryDate& date,
                        const TimeZone& zone) {
  SummaryEntry e;
  e.label = Label(r, type);
  e.date = date;
  if (type == "AllergyIntolerance") {
    Allergy(r, &e);
  } else if (type == "Condition") {
    e.kind = "condition";
  } else if (type == "MedicationRequest" || type == "MedicationStatement") {
    Medication(r, &e);
  } else if (type == "Encounter") {
    Visit(r, zone, &e);
  } else if (type == "Immunization") {
    e.kind = "immunization";
    e.history.push_back(date);
  } else if (type == "DiagnosticReport") {
    e.kind = "report";
    e.detail = Str(r, "conclusion");
  } else if (type == "DocumentReference") {
    Document(r, &e);
  } else {
    e.kind = "other";  // An Observation's value is the caller's (its digits as recorded).
  }
  return e;
}

std::string VaccineKey(element immunization) {
  const std::string key = FieldKey(immunization, "vaccineCode", kCvxSystem);
  return key.empty() ? "text|" + FieldText(immunization, "vaccineCode") : key;
}

}  // namespace portal
