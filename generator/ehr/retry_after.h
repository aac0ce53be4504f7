#pragma once

#include <cstdint>
#include <string_view>

namespace portal {

// Reads an HTTP Retry-After value (RFC 9110 10.2.3): delay-seconds, or an HTTP-date in any of
// its three forms (IMF-fixdate, RFC 850, asctime), taken relative to `now_unix` (the answer's
// own Date when it had one, so clock skew does not matter). A date in the past is 0 seconds.
// False for anything else ("soon", "-1", a date without GMT).
bool ParseRetryAfter(std::string_view value, int64_t now_unix, int64_t* seconds);

// Reads an HTTP-date (the three forms above) into seconds since 1970 (UTC).
bool ParseHttpDate(std::string_view value, int64_t* unix_seconds);

}  // namespace portal
