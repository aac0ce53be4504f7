#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "generator/summaries/summary_model.h"

namespace portal {

class TimeZone;

// Reading one stored FHIR resource (a simdjson DOM element) for the summary: a missing or
// mistyped field reads as empty, never as an error. Texts are for reading and must still be
// HTML-escaped.

inline constexpr std::string_view kSnomedSystem = "http://snomed.info/sct";
inline constexpr std::string_view kLoincSystem = "http://loinc.org";

// A string member, or "".
std::string Str(simdjson::dom::element e, const char* key);
// The elements of an array member, or the member itself when it is a single value.
std::vector<simdjson::dom::element> Items(simdjson::dom::element e, const char* key);

// The SNOMED CT semantic tag a display ends in ("finding" for "Stress (finding)"), or "".
std::string_view SemanticTag(std::string_view display);
// "Hypertension (disorder)" -> "Hypertension"; any other text unchanged.
std::string StripSemanticTag(std::string_view text);

// A CodeableConcept for reading: its text, else its first coding display; tag stripped.
std::string ConceptText(simdjson::dom::element concept_el);
// The first readable text of a CodeableConcept member, or of an array of them.
std::string FieldText(simdjson::dom::element r, const char* key);
// Every distinct readable text of a member holding CodeableConcepts (or References, by their
// display), in record order, joined by ", ".
std::string JoinedTexts(const std::vector<simdjson::dom::element>& items);

// What identifies a concept: "system|code" of its coding in `preferred_system`, else of its
// first coding, else "text|" and its text; "" for none of these.
std::string ConceptKey(simdjson::dom::element concept_el, std::string_view preferred_system);

// ConceptKey of the first concept in a member (a CodeableConcept or an array of them) that has
// one; "" if none.
std::string FieldKey(simdjson::dom::element r, const char* key, std::string_view preferred_system);

// Every "system|code" in the resource's category, type and code.
std::vector<std::string> Codes(simdjson::dom::element r);
// The semantic tags of the SNOMED CT displays in the resource's code ("finding").
std::vector<std::string> SnomedTags(simdjson::dom::element r);

// The id of the `type` resource a reference names: "Type/id" (relative or absolute,
// "/_history/n" ignored) or "urn:uuid:id" (a Bundle's entry, whose uuid is the id); "" if it
// names something else.
std::string ReferencedId(std::string_view reference, std::string_view type);

// A date, dateTime or instant as the patient reads it (PatientDate) with its instant; false,
// and *out unchanged, if `text` is not a valid FHIR date.
bool ReadDate(std::string_view text, const TimeZone& zone, SummaryDate* out);
// The clinically relevant date of a resource: the first valid one of effectiveDateTime,
// occurrenceDateTime, onsetDateTime, recordedDate, authoredOn, date, issued, then
// effectivePeriod.start and period.start.
bool ClinicalDate(simdjson::dom::element r, const TimeZone& zone, SummaryDate* out);

}  // namespace portal
