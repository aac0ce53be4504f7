#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/status.h"

namespace portal {

enum class Eligibility { kEligible, kMinor, kDeceased, kNoPatient };

// What the FAQ's "who may see a summary" rule needs from a Patient resource.
struct PatientFacts {
  bool has_birth_date = false;          // A valid FHIR date.
  int64_t birth = 0;                    // Start of the birth date, UTC.
  bool deceased = false;                // deceasedBoolean true or any deceasedDateTime.
  bool emancipation_extension = false;  // The configured extension, valueBoolean true.
  std::string mrn;                      // Set by the caller; matched against the config's list.
};

// Reads the facts from one Patient resource's JSON (mrn is left to the caller).
Status ReadPatientFacts(std::string_view patient_json, const std::string& extension_url,
                        PatientFacts* out);

// The FAQ's rule, one place for the generator and the staff tools: adults (release.
// minimum_age_years) and emancipated minors see their summary; the deceased and patients
// without a valid birth date do not. For a minor, *becomes_adult (if given) is set to the
// instant the rule changes; otherwise to 0.
Eligibility DecideEligibility(const PortalConfig::Release& release, const PatientFacts& facts,
                              int64_t as_of, int64_t* becomes_adult);

// One sentence for staff, without any patient value.
const char* EligibilityReason(Eligibility e);
// A short tag for counts in run reports: "minor", "deceased", "no Patient resource".
const char* EligibilityTag(Eligibility e);

}  // namespace portal
