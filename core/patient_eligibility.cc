#include "core/patient_eligibility.h"

#include <simdjson.h>

#include <algorithm>

#include "core/fhir_time.h"
#include "core/time_zone.h"

namespace portal {

Status ReadPatientFacts(std::string_view patient_json, const std::string& extension_url,
                        PatientFacts* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element p;
  if (parser.parse(patient_json.data(), patient_json.size()).get(p) != simdjson::SUCCESS) {
    return Status::InvalidInput("Patient resource does not parse");
  }
  PatientFacts facts;
  facts.mrn = std::move(out->mrn);
  std::string_view birth;
  if (p["birthDate"].get(birth) == simdjson::SUCCESS) {
    facts.has_birth_date = ParseFhirDateTime(birth, &facts.birth);
  }
  bool deceased = false;
  std::string_view deceased_time;
  facts.deceased = (p["deceasedBoolean"].get(deceased) == simdjson::SUCCESS && deceased) ||
                   p["deceasedDateTime"].get(deceased_time) == simdjson::SUCCESS;
  simdjson::dom::array extensions;
  if (!extension_url.empty() && p["extension"].get(extensions) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : extensions) {
      std::string_view url;
      bool value = false;
      if (e["url"].get(url) == simdjson::SUCCESS && url == extension_url &&
          e["valueBoolean"].get(value) == simdjson::SUCCESS && value) {
        facts.emancipation_extension = true;
      }
    }
  }
  *out = std::move(facts);
  return Status::Ok();
}

int64_t LatestAnniversary(const FhirDateTime& birth, int years, const TimeZone& zone) {
  int year = 0;
  unsigned month = 0, day = 0;
  LatestDay(birth, &year, &month, &day);
  year += years;
  if (day > DaysInMonth(year, month)) {  // February 29 in a common year: March 1.
    month = 3;
    day = 1;
  }
  return zone.StartOfDay(year, month, day);
}

Eligibility DecideEligibility(const PortalConfig::Release& release, const TimeZone& zone,
                              const PatientFacts& facts, int64_t as_of, int64_t* becomes_adult) {
  if (becomes_adult != nullptr) *becomes_adult = 0;
  if (facts.deceased) return Eligibility::kDeceased;
  if (!facts.has_birth_date) return Eligibility::kMinor;  // Age unknown: shown to no one.
  const int64_t adult =
      LatestAnniversary(facts.birth, static_cast<int>(release.minimum_age_years), zone);
  if (adult <= as_of || facts.emancipation_extension) return Eligibility::kEligible;
  const auto& list = release.emancipated_minor_mrns;
  if (!facts.mrn.empty() && std::find(list.begin(), list.end(), facts.mrn) != list.end()) {
    return Eligibility::kEligible;
  }
  if (becomes_adult != nullptr) *becomes_adult = adult;
  return Eligibility::kMinor;
}

const char* EligibilityReason(Eligibility e) {
  switch (e) {
    case Eligibility::kMinor:
      return "the patient is a minor (or has no valid birth date) and is not emancipated";
    case Eligibility::kDeceased:
      return "the patient is deceased";
    case Eligibility::kNoPatient:
      return "the records hold no Patient resource";
    case Eligibility::kEligible:
      break;
  }
  return "eligible";
}

const char* EligibilityTag(Eligibility e) {
  switch (e) {
    case Eligibility::kMinor:
      return "minor";
    case Eligibility::kDeceased:
      return "deceased";
    case Eligibility::kNoPatient:
      return "no Patient resource";
    case Eligibility::kEligible:
      break;
  }
  return "eligible";
}

}  // namespace portal
