#include "core/fhir_time.h"

#include <date/date.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "core/time_zone.h"

namespace portal {

namespace {

bool LeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

unsigned DaysInMonth(int year, unsigned month) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && LeapYear(year) ? 29 : kDays[month - 1];
}

// FHIR's date/dateTime/instant grammar, read left to right:
//   YYYY(-MM(-DD(Thh:mm:ss(.f{1,9})?(Z|(+|-)hh:mm))?)?)?
// with month 01-12, day 01-31 (then the calendar), hour 00-23, minute 00-59, second 00-60, and
// offsets up to -13:59/+13:59 or exactly ±14:00. A scanner rather than std::regex: every
// date of every record goes through here, and the regex was a fifth of a summary's cost.
bool ParseFhirDateTime(std::string_view text, FhirDateTime* out) {
  size_t at = 0;
  // `n` digits at `at` as a number in [lo, hi]; advances past them.
  auto number = [&](size_t n, int lo, int hi, int* value) {
    if (at + n > text.size()) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
      const char c = text[at + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    if (v < lo || v > hi) return false;
    at += n;
    *value = v;
    return true;
  };
  auto literal = [&](char c) {
    if (at >= text.size() || text[at] != c) return false;
    ++at;
    return true;
  };
  FhirDateTime parts;
  int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  if (!number(4, 1, 9999, &year)) return false;  // FHIR has no year 0000.
  parts.year = year;
  if (at < text.size()) {
    if (!literal('-') || !number(2, 1, 12, &month)) return false;
    parts.month = static_cast<unsigned>(month);
    if (at < text.size()) {
      if (!literal('-') || !number(2, 1, 31, &day)) return false;
      parts.day = static_cast<unsigned>(day);
      // The grammar allows 31 in every month; the calendar does not ("2026-02-31").
      if (parts.day > DaysInMonth(year, parts.month)) return false;
      if (at < text.size()) {
        if (!literal('T') || !number(2, 0, 23, &hour) || !literal(':') ||
            !number(2, 0, 59, &minute) || !literal(':') || !number(2, 0, 60, &second)) {
          return false;
        }
        parts.has_time = true;
        if (literal('.')) {
          size_t digits = 0;
          while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at, ++digits;
          if (digits < 1 || digits > 9) return false;
        }
      }
    }
  }
  const date::sys_days days = date::year{year} / date::month{static_cast<unsigned>(month)} /
                              date::day{static_cast<unsigned>(day)};
  int64_t t = static_cast<int64_t>(days.time_since_epoch().count()) * 86400 + int64_t{hour} * 3600 +
              int64_t{minute} * 60 + second;
  if (parts.has_time) {  // A time needs its zone: Z or an offset.
    if (!literal('Z')) {
      if (at >= text.size() || (text[at] != '+' && text[at] != '-')) return false;
      const bool plus = text[at++] == '+';
      int hours = 0, minutes = 0;
      if (!number(2, 0, 14, &hours) || !literal(':') || !number(2, 0, 59, &minutes) ||
          (hours == 14 && minutes != 0)) {
        return false;
      }
      const int64_t offset = (int64_t{hours} * 60 + minutes) * 60;
      t += plus ? -offset : offset;
    }
  }
  if (at != text.size()) return false;
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
  // FHIR years have four digits (0001 to 9999): an instant outside is shown at the nearest end.
  constexpr int64_t kFirst = -62135596800;  // 0001-01-01T00:00:00Z.
  constexpr int64_t kLast = 253402300799;   // 9999-12-31T23:59:59Z.
  instant = std::clamp(instant, kFirst, kLast);
  const int64_t days = instant >= 0 ? instant / 86400 : (instant - 86399) / 86400;
  const int64_t second = instant - days * 86400;
  const date::year_month_day ymd{date::sys_days{date::days{days}}};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(second / 3600), static_cast<int>(second / 60 % 60),
                static_cast<int>(second % 60));
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
