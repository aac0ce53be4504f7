#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/patient_eligibility.h"

namespace portal {

// Who a page is for. A proxy (a consenting adult acting for the patient) never sees what the
// config marks `audience = "patient"`; each audience gets its own page.
enum class Audience { kPatient, kProxy };

// A date as the patient reads it: in the hospital's time zone for a dateTime, as written for a
// date without a time ("2008-12"). Always a valid HTML date string, so it is also the
// <time datetime> value.
struct SummaryDate {
  std::string text;  // "" if the record has no date.
  int64_t when = 0;  // The instant, for ordering and the time rules.
};

// A value exactly as recorded: nothing rounded, the comparator kept.
struct SummaryValue {
  std::string comparator;  // "<", "<=", ">=", ">" or "".
  std::string number;      // The decimal's digits as written in the record ("1234567", "1.50").
  std::string unit;        // For reading: "10³/µL" (from UCUM), else the record's unit text.
  std::string ucum;        // The UCUM code as recorded ("10*3/uL"); "" if none.
  std::string text;        // A value that is not a quantity ("Positive"), or "".
  // "<20 copies/mL", "1.50 mg/dL", "Positive"; "" if there is no value.
  std::string Display() const;
};

// A labelled detail of a row: {"Reaction", "Hives"}, {"Instructions", "1 tablet twice a day"}.
struct SummaryFact {
  std::string name;
  std::string value;
};

// One row of a section that is not grouped by test.
struct SummaryEntry {
  // What the row is, which decides how the page shows it: "allergy", "no-known-allergy" (a
  // recorded statement that there are none), "condition", "medication", "visit",
  // "immunization", "report", "document", "other".
  std::string kind;
  std::string label;   // What it is, SNOMED semantic tags such as "(procedure)" stripped.
  SummaryDate date;    // The clinically relevant date (newest first within a kind).
  std::string detail;  // A short status or conclusion, or "".
  std::vector<SummaryFact> facts;  // In reading order; empty facts are left out.
  // A high-criticality allergy (or anything else the patient must not miss): the page marks it
  // in words, not by colour alone.
  bool alert = false;
  std::vector<SummaryDate> history;  // Immunizations: every released date, newest first.
};

// One released measurement of a test.
struct ResultPoint {
  SummaryDate date;
  SummaryValue value;
  std::string range;  // The reference range as written for reading ("4.0–10.5 10³/µL"), or "".
  // "High", "Low", "Abnormal", "Critical" (from `interpretation`, else from the range), or "".
  std::string flag;
};

// A laboratory test, keyed by its code (LOINC when there is one), not by display text: the same
// test named two ways is one test.
struct ResultTest {
  std::string key;                  // "http://loinc.org|718-7"; the first coding if none is LOINC.
  std::string label;                // The latest point's display name.
  std::vector<ResultPoint> points;  // Newest first; each one released by the rules.
};

// The tests reported together by one kind of report (a DiagnosticReport's code), or the
// results that came in no report.
struct ResultPanel {
  std::string key;                // The report's code key; "" for results outside any report.
  std::string label;              // "Complete blood count"; "Other results".
  SummaryDate latest;             // The newest point of any of its tests.
  std::vector<ResultTest> tests;  // Each test once, in the panel of its latest point.
};

struct SummarySection {
  std::string id;
  std::string title;
  std::string window;  // "current", "since 2003", "less than 2 years old".
  std::string note;
  std::string layout;         // "rows" or "results" (config).
  bool patient_only = false;  // audience = "patient": absent from a proxy's page.
  // The section selects AllergyIntolerance: without allergy rows the page says "No allergies
  // recorded", and with a no-known-allergy row "No known allergies" (they differ).
  bool lists_allergies = false;
  std::vector<SummaryEntry> entries;  // layout "rows".
  std::vector<ResultPanel> panels;    // layout "results": newest panel first.

  // Rows, or tests, shown: the count in the page's contents bar.
  size_t Count() const;
};

// What one patient's summary shows, for one audience at one instant, after the release rules.
// Plain data; the page is rendered from it, and its canonical form and hash tell whether
// anything changed.
struct SummaryModel {
  std::string patient_id;
  std::string name;
  std::string mrn;
  std::string birth_date;
  Audience audience = Audience::kPatient;
  int64_t as_of = 0;
  Eligibility eligibility = Eligibility::kNoPatient;
  std::vector<SummarySection> sections;
  // The earliest instant after as_of at which the same records would give a different summary
  // (a result reaching its delay, a report ageing out, an 18th birthday); 0 if none.
  int64_t valid_until = 0;

  // An unambiguous encoding (length-prefixed strings, fields in one fixed order) of everything
  // that reaches the page except as_of and valid_until.
  std::string Canonical() const;
  std::string Hash() const;  // SHA-256 of Canonical(), hex.
};

}  // namespace portal
