#include "generator/summaries/fhir_fields.h"

#include <algorithm>
#include <array>

#include "core/fhir_time.h"

namespace portal {

using simdjson::dom::array;
using simdjson::dom::element;

namespace {

// SNOMED CT's semantic tags (the hierarchy a concept belongs to), as displays end in them.
constexpr std::array<std::string_view, 40> kSemanticTags = {
    "finding",
    "disorder",
    "procedure",
    "situation",
    "event",
    "person",
    "substance",
    "product",
    "medicinal product",
    "medicinal product form",
    "clinical drug",
    "real clinical drug",
    "regime/therapy",
    "morphologic abnormality",
    "observable entity",
    "qualifier value",
    "body structure",
    "organism",
    "physical object",
    "environment",
    "environment / location",
    "geographic location",
    "record artifact",
    "specimen",
    "occupation",
    "attribute",
    "ethnic group",
    "racial group",
    "social concept",
    "life style",
    "religion/philosophy",
    "staging scale",
    "assessment scale",
    "tumor staging",
    "physical force",
    "cell",
    "cell structure",
    "disposition",
    "role",
    "dose form",
};

}  // namespace

std::string Str(element e, const char* key) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

std::vector<element> Items(element e, const char* key) {
  std::vector<element> out;
  element v;
  if (e[key].get(v) != simdjson::SUCCESS) return out;
  array list;
  if (v.get(list) == simdjson::SUCCESS) {
    for (element item : list) out.push_back(item);
  } else {
    out.push_back(v);
  }
  return out;
}

std::string_view SemanticTag(std::string_view display) {
  if (display.empty() || display.back() != ')') return {};
  const size_t open = display.rfind('(');
  if (open == std::string_view::npos || open == 0 || display[open - 1] != ' ') return {};
  const std::string_view tag = display.substr(open + 1, display.size() - open - 2);
  return std::find(kSemanticTags.begin(), kSemanticTags.end(), tag) != kSemanticTags.end()
             ? tag
             : std::string_view();
}

std::string StripSemanticTag(std::string_view text) {
  const std::string_view tag = SemanticTag(text);
  if (!tag.empty()) text.remove_suffix(tag.size() + 3);  // " (" and ")".
  return std::string(text);
}

std::string ConceptText(element concept_el) {
  std::string text = Str(concept_el, "text");
  if (text.empty()) {
    for (element c : Items(concept_el, "coding")) {
      text = Str(c, "display");
      if (!text.empty()) break;
    }
  }
  return StripSemanticTag(text);
}

std::string FieldText(element r, const char* key) {
  for (element item : Items(r, key)) {
    std::string text = ConceptText(item);
    if (!text.empty()) return text;
  }
  return std::string();
}

std::string JoinedTexts(const std::vector<element>& items) {
  std::vector<std::string> seen;
  std::string out;
  for (element item : items) {
    std::string text = ConceptText(item);
    if (text.empty()) text = StripSemanticTag(Str(item, "display"));  // A Reference.
    if (text.empty() || std::find(seen.begin(), seen.end(), text) != seen.end()) continue;
    out += (out.empty() ? "" : ", ") + text;
    seen.push_back(std::move(text));
  }
  return out;
}

std::string ConceptKey(element concept_el, std::string_view preferred_system) {
  std::string first;
  for (element c : Items(concept_el, "coding")) {
    const std::string system = Str(c, "system"), code = Str(c, "code");
    if (code.empty()) continue;
    if (system == preferred_system) return system + "|" + code;
    if (first.empty()) first = system + "|" + code;
  }
  if (!first.empty()) return first;
  const std::string text = Str(concept_el, "text");
  return text.empty() ? std::string() : "text|" + text;
}

std::string FieldKey(element r, const char* key, std::string_view preferred_system) {
  for (element concept_el : Items(r, key)) {
    std::string k = ConceptKey(concept_el, preferred_system);
    if (!k.empty()) return k;
  }
  return std::string();
}

std::vector<std::string> Codes(element r) {
  std::vector<std::string> out;
  for (const char* field : {"category", "type", "code"}) {
    for (element concept_el : Items(r, field)) {
      for (element c : Items(concept_el, "coding")) {
        out.push_back(Str(c, "system") + "|" + Str(c, "code"));
      }
    }
  }
  return out;
}

std::vector<std::string> SnomedTags(element r) {
  std::vector<std::string> out;
  for (element concept_el : Items(r, "code")) {
    for (element c : Items(concept_el, "coding")) {
      if (Str(c, "system") != kSnomedSystem) continue;
      const std::string display = Str(c, "display");
      const std::string_view tag = SemanticTag(display);
      if (!tag.empty()) out.emplace_back(tag);
    }
  }
  return out;
}

std::string ReferencedId(std::string_view reference, std::string_view type) {
  static constexpr std::string_view kUuid = "urn:uuid:";
  if (reference.starts_with(kUuid)) return std::string(reference.substr(kUuid.size()));
  if (const size_t history = reference.find("/_history/"); history != std::string_view::npos) {
    reference = reference.substr(0, history);
  }
  const size_t slash = reference.rfind('/');
  if (slash == std::string_view::npos) return std::string();
  const std::string_view before = reference.substr(0, slash);
  const size_t type_start = before.rfind('/') == std::string_view::npos ? 0 : before.rfind('/') + 1;
  if (before.substr(type_start) != type) return std::string();
  return std::string(reference.substr(slash + 1));
}

bool ReadDate(std::string_view text, const TimeZone& zone, SummaryDate* out) {
  int64_t when = 0;
  if (!ParseFhirInstant(text, &when)) return false;
  out->text = PatientDate(text, zone);
  out->when = when;
  return true;
}

bool ClinicalDate(element r, const TimeZone& zone, SummaryDate* out) {
  for (const char* field : {"effectiveDateTime", "occurrenceDateTime", "onsetDateTime",
                            "recordedDate", "authoredOn", "date", "issued"}) {
    std::string_view v;
    if (r[field].get(v) == simdjson::SUCCESS && ReadDate(v, zone, out)) return true;
  }
  for (const char* period : {"effectivePeriod", "period"}) {
    std::string_view v;
    if (r[period]["start"].get(v) == simdjson::SUCCESS && ReadDate(v, zone, out)) return true;
  }
  return false;
}

}  // namespace portal
