#include "generator/site/slug.h"

#include <cstdint>

namespace portal {

namespace {

// Decodes one UTF-8 sequence at text[*i]; invalid bytes decode as U+FFFD, one byte each.
char32_t NextCodePoint(std::string_view text, size_t* i, size_t* len) {
  const auto b0 = static_cast<unsigned char>(text[*i]);
  int n = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xe ? 3 : (b0 >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || *i + n > text.size()) {
    *len = 1;
    return 0xfffd;
  }
  char32_t cp = n == 1 ? b0 : b0 & (0x7f >> n);
  for (int k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(text[*i + k]);
    if ((b >> 6) != 0x2) {
      *len = 1;
      return 0xfffd;
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  *len = static_cast<size_t>(n);
  return cp;
}

// Lower-cases the Latin-1, Greek and Cyrillic capitals; other letters pass unchanged.
char32_t ToLower(char32_t cp) {
  if ((cp >= 0xc0 && cp <= 0xde && cp != 0xd7) || (cp >= 0x391 && cp <= 0x3a9) ||
      (cp >= 0x410 && cp <= 0x42f)) {
    return cp + 0x20;
  }
  if (cp >= 0x400 && cp <= 0x40f) return cp + 0x50;
  return cp;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xc0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xe0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    *out += static_cast<char>(0xf0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

bool IsDroppedNonAscii(char32_t cp) {
  return (cp >= 0x00a0 && cp <= 0x00bf) || cp == 0x00d7 || cp == 0x00f7 ||
         (cp >= 0x2000 && cp <= 0x206f) || (cp >= 0x20a0 && cp <= 0x20cf) ||
         (cp >= 0x2190 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) || cp == 0xfffd;
}

}  // namespace

std::string GithubSlug(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t len = 1;
    const char32_t cp = NextCodePoint(text, &i, &len);
    if (cp < 0x80) {
      const char c = static_cast<char>(cp);
      if (c >= 'A' && c <= 'Z') {
        out += static_cast<char>(c - 'A' + 'a');
      } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
        out += c;
      } else if (c == ' ') {
        out += '-';
      }
    } else if (!IsDroppedNonAscii(cp)) {
      AppendUtf8(ToLower(cp), &out);
    }
    i += len;
  }
  return out;
}

std::string SlugSet::Unique(std::string_view text) {
  // github-slugger's rule: on a clash, count up from the original slug until a free one.
  const std::string original = prefix_ + GithubSlug(text);
  std::string result = original;
  while (used_.count(result) != 0) {
    result = original + "-" + std::to_string(++used_[original]);
  }
  used_[result] = 0;
  return result;
}

bool SlugSet::Reserve(const std::string& anchor) { return used_.emplace(anchor, 0).second; }

}  // namespace portal
