// FHIR date, dateTime and instant parsing (core/fhir_time.h): every date a patient reads and
// every release delay goes through it. Properties: no crash; ParseFhirInstant and
// ParseFhirDateTime agree; a valid date's parts are a real calendar day, its instant is that
// day's first moment by an independent calendar (std::chrono) when no time is written, the
// text matches the FHIR specification's dateTime expression, and it round-trips through
// FormatInstant; PatientDate is empty exactly when the text is invalid.

#include <algorithm>
#include <chrono>
#include <regex>
#include <string>

#include "core/fhir_time.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = portal::fuzz::AsText(data, size);
  int64_t instant = 0;
  portal::FhirDateTime parts;
  const bool valid = portal::ParseFhirInstant(text, &instant);
  FUZZ_CHECK(valid == portal::ParseFhirDateTime(text, &parts));
  const std::string shown = portal::PatientDate(text, portal::fuzz::ProjectConfig().site.zone);
  FUZZ_CHECK(shown.empty() == !valid);
  if (!valid) return 0;
  FUZZ_CHECK(parts.instant == instant);
  FUZZ_CHECK(parts.month <= 12);
  if (parts.month == 0) FUZZ_CHECK(parts.day == 0);
  if (parts.day != 0) FUZZ_CHECK(parts.day <= portal::DaysInMonth(parts.year, parts.month));
  if (!parts.has_time) {
    using namespace std::chrono;
    const year_month_day day{year{parts.year}, month{parts.month ? parts.month : 1},
                             std::chrono::day{parts.day ? parts.day : 1}};
    FUZZ_CHECK(day.ok());
    FUZZ_CHECK(instant == duration_cast<seconds>(sys_days(day).time_since_epoch()).count());
    FUZZ_CHECK(shown == std::string(text));  // A date without a time is shown as written.
  }
  // Written back, it is a valid instant: the same one inside FHIR's years 0001-9999 (an offset
  // can move a moment just outside), else that range's nearest end.
  int64_t again = 0;
  FUZZ_CHECK(portal::ParseFhirInstant(portal::FormatInstant(instant), &again));
  FUZZ_CHECK(again == std::clamp<int64_t>(instant, -62135596800, 253402300799));
  // Valid text is FHIR's dateTime (the specification's regular expression; ours is stricter:
  // real calendar days, at most 9 fraction digits).
  static const std::regex kFhirDateTime(
      "([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|"
      "3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?(Z|(\\+|-)((0[0-9]|1[0-3])"
      ":"
      "[0-5][0-9]|14:00)))?)?)?");
  FUZZ_CHECK(std::regex_match(text.begin(), text.end(), kFhirDateTime));
  int year = 0;
  unsigned month = 0, last = 0;
  portal::LatestDay(parts, &year, &month, &last);
  FUZZ_CHECK(month >= 1 && month <= 12 && last >= 1 && last <= portal::DaysInMonth(year, month));
  return 0;
}
