#include "generator/ehr/retry_after.h"

#include <ctime>
#include <string>

#include "core/parse_number.h"

namespace portal {

bool ParseHttpDate(std::string_view value, int64_t* unix_seconds) {
  if (value.size() > 64) return false;
  const std::string text(value);
  // IMF-fixdate, then the two obsolete forms recipients must still accept.
  static const char* const kForms[] = {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                                       "%a %b %e %H:%M:%S %Y"};
  for (const char* form : kForms) {
    std::tm tm{};
    const char* end = ::strptime(text.c_str(), form, &tm);
    if (end == nullptr || *end != '\0') continue;
    *unix_seconds = static_cast<int64_t>(::timegm(&tm));
    return true;
  }
  return false;
}

bool ParseRetryAfter(std::string_view value, int64_t now_unix, int64_t* seconds) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return false;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    // delay-seconds; an absurd number of digits is still a number (the caller clamps it).
    if (value.size() > 12) {
      *seconds = 999999999999;
      return true;
    }
    return ParseInt64(value, seconds);
  }
  int64_t at = 0;
  if (!ParseHttpDate(value, &at)) return false;
  *seconds = at > now_unix ? at - now_unix : 0;
  return true;
}

}  // namespace portal
