#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/fhir_time.h"
#include "core/status.h"

namespace portal {

enum class Eligibility { kEligible, kMinor, kDeceased, kNoPatient };

// What the FAQ's "who may see a summary" rule needs from a Patient resource.
struct PatientFacts {
  bool has_birth_date = false;          // A valid FHIR date.
  FhirDateTime birth;                   // As written: "2008" and "2008-12" are partial.
  bool deceased = false;                // deceasedBoolean true or any deceasedDateTime.
  bool emancipation_extension = false;  // The configured extension, valueBoolean true.
  std::string mrn;                      // Set by the caller; matched against the config's list.
};

// Reads the facts from one Patient resource's JSON (mrn is left to the caller).
Status ReadPatientFacts(std::string_view patient_json, const std::string& extension_url,
                        PatientFacts* out);

// The FAQ's rule, one place for the generator and the staff tools: adults (release.
// minimum_age_years) and emancipated minors see their summary; the deceased and patients
// without a valid birth date do not. A patient becomes an adult at the start of their birthday
// in the hospital's time zone (`zone`), and for a partial birth date ("2008", "2008-12") on the
// latest birthday it allows (2026-12-31 for "2008"): never before they may be one. For a
// minor, *becomes_adult (if given) is set to the instant the rule changes; otherwise to 0.
Eligibility DecideEligibility(const PortalConfig::Release& release, const TimeZone& zone,
                              const PatientFacts& facts, int64_t as_of, int64_t* becomes_adult);

// The instant a patient born on `birth` (possibly partial) is `years` old in `zone`, at the
// latest; February 29 birthdays come of age on March 1 in common years.
int64_t LatestAnniversary(const FhirDateTime& birth, int years, const TimeZone& zone);

// One sentence for staff, without any patient value.
const char* EligibilityReason(Eligibility e);
// A short tag for counts in run reports: "minor", "deceased", "no Patient resource".
const char* EligibilityTag(Eligibility e);

}  // namespace portal
