#include "core/parse_number.h"

#include <charconv>

namespace portal {

namespace {

template <typename T>
bool ParseWhole(std::string_view text, T* out, int base) {
  if (text.empty()) return false;
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
  if (ec != std::errc() || ptr != end) return false;
  *out = value;
  return true;
}

}  // namespace

bool ParseInt64(std::string_view text, int64_t* out) { return ParseWhole(text, out, 10); }

bool ParseInt(std::string_view text, int* out) { return ParseWhole(text, out, 10); }

bool ParseHex64(std::string_view text, uint64_t* out) { return ParseWhole(text, out, 16); }

}  // namespace portal
