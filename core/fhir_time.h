#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace portal {

class TimeZone;

// Instants are seconds since the Unix epoch, UTC. One as-of instant drives every time rule, so
// runs are reproducible (`--as-of`).

// Parses a FHIR date, dateTime or instant ("2003", "2003-04", "2003-04-05",
// "2003-04-05T06:07:08Z", optional fraction of up to 9 digits, offsets up to ±14:00); partial
// dates mean their first moment ("2003" is 2003-01-01T00:00:00Z). False if malformed: this is
// also the project's one check that a record's date is valid.
bool ParseFhirInstant(std::string_view text, int64_t* out);

// The parts of a FHIR date, dateTime or instant as written.
struct FhirDateTime {
  int64_t instant = 0;  // Its first moment; a date without a time is read as UTC.
  int year = 0;
  unsigned month = 0;  // 0 if absent ("2008").
  unsigned day = 0;    // 0 if absent ("2008-12").
  bool has_time = false;
};
// As ParseFhirInstant, keeping the parts. Impossible dates ("2026-02-31") are false.
bool ParseFhirDateTime(std::string_view text, FhirDateTime* out);

// What a patient reads: a dateTime with a time is shown as its date in the hospital's time zone
// ("2016-12-31T22:58:00-05:00" is 2016-12-31 in New York, whatever the offset written); a date
// without a time is shown as written ("2008", "2008-12", "2016-12-31"), never shifted. "" if
// `text` is not a valid FHIR date.
std::string PatientDate(std::string_view text, const TimeZone& zone);

// Days in a calendar month (1-12): February has 29 in leap years (2000, 2024; not 1900).
unsigned DaysInMonth(int year, unsigned month);

// The last day of a (possibly partial) date: "2008" is 2008-12-31, "2008-02" is 2008-02-29.
void LatestDay(const FhirDateTime& date, int* year, unsigned* month, unsigned* day);

// "2025-06-01T00:00:00Z": always a valid FHIR instant (four-digit years; an instant before 0001
// or after 9999 is shown as the first or last second of that range).
std::string FormatInstant(int64_t instant);

// The same calendar moment `years` later (Feb 29 moves to Mar 1 in a common year).
int64_t AddYears(int64_t instant, int years);

}  // namespace portal
