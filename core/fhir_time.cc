#include "core/fhir_time.h"

#include <ctime>
#include <regex>

namespace portal {

bool ParseFhirInstant(std::string_view text, int64_t* out) {
  static const std::regex kDateTime(
      "([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})(?:T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\\.[0-9]+)?"
      "(Z|([+-])([0-9]{2}):([0-9]{2})))?)?)?");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(text.begin(), text.end(), m, kDateTime)) return false;
  auto num = [&](int i, int fallback) { return m[i].matched ? std::stoi(m[i].str()) : fallback; };
  std::tm tm{};
  tm.tm_year = num(1, 1970) - 1900;
  tm.tm_mon = num(2, 1) - 1;
  tm.tm_mday = num(3, 1);
  tm.tm_hour = num(4, 0);
  tm.tm_min = num(5, 0);
  tm.tm_sec = num(6, 0);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return false;
  }
  int64_t t = static_cast<int64_t>(timegm(&tm));
  if (m[8].matched) {
    const int64_t offset = (num(9, 0) * 60 + num(10, 0)) * 60;
    t += m[8].str() == "+" ? -offset : offset;
  }
  *out = t;
  return true;
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
