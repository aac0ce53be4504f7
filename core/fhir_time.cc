#include "core/fhir_time.h"

#include <ctime>
#include <regex>

#include "core/parse_number.h"
#include "core/time_zone.h"

namespace portal {

namespace {

bool LeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int year, unsigned month) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && LeapYear(year) ? 29 : kDays[month - 1];
}

}  // namespace

bool ParseFhirDateTime(std::string_view text, FhirDateTime* out) {
  // FHIR's date/dateTime/instant grammar; groups: year, month, day, hour, minute, second,
  // zone, offset sign, offset hh:mm.
  static const std::regex kDateTime(
      "([0-9]{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12][0-9]|3[01])(?:T([01][0-9]|2[0-3]):"
      "([0-5][0-9]):([0-5][0-9]|60)(?:\\.[0-9]{1,9})?(Z|([+-])((?:0[0-9]|1[0-3]):[0-5][0-9]|"
      "14:00)))?)?)?");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(text.begin(), text.end(), m, kDateTime)) return false;
  // The groups are digits (the grammar says so), so they always parse.
  auto num = [&](int i, int fallback) {
    int value = fallback;
    return m[i].matched && ParseInt(m[i].str(), &value) ? value : fallback;
  };
  FhirDateTime parts;
  parts.year = num(1, 1970);
  parts.month = static_cast<unsigned>(num(2, 0));
  parts.day = static_cast<unsigned>(num(3, 0));
  parts.has_time = m[4].matched;
  // The grammar allows 31 in every month; the calendar does not ("2026-02-31").
  if (parts.day != 0 && parts.day > DaysInMonth(parts.year, parts.month)) return false;
  std::tm tm{};
  tm.tm_year = parts.year - 1900;
  tm.tm_mon = num(2, 1) - 1;
  tm.tm_mday = num(3, 1);
  tm.tm_hour = num(4, 0);
  tm.tm_min = num(5, 0);
  tm.tm_sec = num(6, 0);
  int64_t t = static_cast<int64_t>(timegm(&tm));
  if (m[8].matched) {
    const std::string hhmm = m[9].str();
    int hours = 0, minutes = 0;
    if (!ParseInt(std::string_view(hhmm).substr(0, 2), &hours) ||
        !ParseInt(std::string_view(hhmm).substr(3, 2), &minutes)) {
      return false;
    }
    const int64_t offset = (int64_t{hours} * 60 + minutes) * 60;
    t += m[8].str() == "+" ? -offset : offset;
  }
  parts.instant = t;
  *out = parts;
  return true;
}

bool ParseFhirInstant(std::string_view text, int64_t* out) {
  FhirDateTime parts;
  if (!ParseFhirDateTime(text, &parts)) return false;
  *out = parts.instant;
  return true;
}

std::string PatientDate(std::string_view text, const TimeZone& zone) {
  FhirDateTime parts;
  if (!ParseFhirDateTime(text, &parts)) return std::string();
  if (parts.has_time) return zone.LocalDate(parts.instant);
  return std::string(text.substr(0, 10));
}

void LatestDay(const FhirDateTime& date, int* year, unsigned* month, unsigned* day) {
  *year = date.year;
  *month = date.month == 0 ? 12 : date.month;
  *day = date.day == 0 ? DaysInMonth(*year, *month) : date.day;
}

std::string FormatInstant(int64_t instant) {
  const std::time_t t = static_cast<std::time_t>(instant);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t AddYears(int64_t instant, int years) {
  const std::time_t t = static_cast<std::time_t>(instant);
  std::tm tm{};
  gmtime_r(&t, &tm);
  tm.tm_year += years;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace portal
