#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/patient_eligibility.h"

namespace portal {

// One line of a summary section: values straight from the record (printed escaped).
struct SummaryEntry {
  std::string label;   // What it is: a test, a condition, a medicine, a visit type.
  std::string date;    // YYYY-MM-DD, or "".
  std::string detail;  // A result value, a status; or "".
  int64_t when = 0;    // For ordering (newest first).
};

struct SummarySection {
  std::string id;
  std::string title;
  std::string window;  // "current", "since 2003", "less than 2 years old".
  std::string note;
  std::vector<SummaryEntry> entries;
};

// What one patient's summary shows at one instant, after the release rules. Plain data; the
// page is rendered from it, and its canonical form and hash tell whether anything changed.
struct SummaryModel {
  std::string patient_id;
  std::string name;
  std::string mrn;
  std::string birth_date;
  int64_t as_of = 0;
  Eligibility eligibility = Eligibility::kNoPatient;
  std::vector<SummarySection> sections;
  // The earliest instant after as_of at which the same records would give a different summary
  // (a result reaching its delay, a report ageing out, an 18th birthday); 0 if none.
  int64_t valid_until = 0;

  // Canonical JSON (sorted keys, no spaces) of everything that reaches the page except as_of.
  std::string Canonical() const;
  std::string Hash() const;  // SHA-256 of Canonical(), hex.
};

}  // namespace portal
