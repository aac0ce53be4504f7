#include "generator/summaries/css_string.h"

#include <cstdint>
#include <cstdio>

namespace portal {

namespace {

// Decodes one UTF-8 sequence at text[*i], advancing *i; U+FFFD for an invalid one.
uint32_t NextCodePoint(std::string_view text, size_t* i) {
  const auto byte = [&text](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(*i);
  size_t len = lead < 0x80           ? 1
               : (lead >> 5) == 0x6  ? 2
               : (lead >> 4) == 0xE  ? 3
               : (lead >> 3) == 0x1E ? 4
                                     : 0;
  if (len == 0 || *i + len > text.size()) {
    ++*i;
    return 0xFFFD;
  }
  uint32_t cp = len == 1 ? lead : lead & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(*i + k) & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (byte(*i + k) & 0x3F);
  }
  *i += len;
  return cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ? 0xFFFD : cp;
}

}  // namespace

std::string CssString(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    const uint32_t cp = NextCodePoint(text, &i);
    const bool plain = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                       (cp >= '0' && cp <= '9') || cp == ' ';
    if (plain) {
      out += static_cast<char>(cp);
    } else {
      char buf[16];
      // The space ends the escape (CSS consumes one whitespace after it), so a space
      // that follows in the text survives.
      std::snprintf(buf, sizeof buf, "\\%06X ", static_cast<unsigned>(cp));
      out += buf;
    }
  }
  return out + "\"";
}

}  // namespace portal
