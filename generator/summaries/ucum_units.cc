#include "generator/summaries/ucum_units.h"

#include <array>
#include <cctype>
#include <utility>

namespace portal {

namespace {

// Whole codes whose reading is not what the generic rules give.
constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kWholeCodes = {{
    {"1", ""},  // Unity: a count or ratio without a unit.
    {"a", "years"},
    {"mo", "months"},
    {"wk", "weeks"},
    {"d", "days"},
    {"h", "hours"},
    {"min", "minutes"},
    {"[degF]", "°F"},
    {"Cel", "°C"},
}};

// Atoms that take the micro prefix u (µ): "ug", "uL", "umol", "uIU", "u[IU]".
constexpr std::array<std::string_view, 11> kMicroBases = {"g",  "L", "l",  "mol", "m", "s",
                                                          "eq", "U", "IU", "kat", "Eq"};

bool IsLetter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Digits (and a leading '-') as superscripts: "-3" is "⁻³".
std::string Superscript(std::string_view digits) {
  static constexpr std::array<std::string_view, 10> kDigits = {"⁰", "¹", "²", "³", "⁴",
                                                               "⁵", "⁶", "⁷", "⁸", "⁹"};
  std::string out;
  for (char c : digits) out += c == '-' ? std::string_view("⁻") : kDigits[c - '0'];
  return out;
}

// The length of an exponent at the start of `s`: digits, optionally after one '-'.
size_t ExponentLength(std::string_view s) {
  size_t n = !s.empty() && s[0] == '-' ? 1 : 0;
  const size_t start = n;
  while (n < s.size() && IsDigit(s[n])) ++n;
  return n == start ? 0 : n;
}

bool IsMicroBase(std::string_view rest) {
  for (std::string_view base : kMicroBases) {
    if (rest == base) return true;
  }
  return false;
}

// "[in_i]" is "in", "[Hg]" is "Hg", "[degF]" is "°F": brackets off, the qualifier after '_'
// dropped.
std::string Bracketed(std::string_view inner) {
  if (inner == "degF") return "°F";
  if (inner == "degC") return "°C";
  return std::string(inner.substr(0, inner.find('_')));
}

// An annotation standing for a unit of its own ("{copies}" in "{copies}/mL") reads as its
// text, underscores as spaces and exponents raised ("{1.73_m2}" is "1.73 m²").
std::string Annotation(std::string_view inner) {
  std::string out;
  for (size_t i = 0; i < inner.size(); ++i) {
    const char c = inner[i];
    if (c == '_') {
      out += ' ';
    } else if (IsDigit(c) && i > 0 && IsLetter(inner[i - 1])) {
      const size_t n = ExponentLength(inner.substr(i));
      out += Superscript(inner.substr(i, n));
      i += n - 1;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string ReadableUnit(std::string_view ucum) {
  for (const auto& [code, reading] : kWholeCodes) {
    if (ucum == code) return std::string(reading);
  }
  std::string out;
  size_t i = 0;
  // Whether the last thing written was part of a unit an annotation would be attached to.
  auto after_unit = [&] {
    return !out.empty() && out.back() != '/' && out.back() != '.' && out.back() != ' ';
  };
  while (i < ucum.size()) {
    const std::string_view rest = ucum.substr(i);
    if ((rest.starts_with("10*") || rest.starts_with("10^")) &&
        ExponentLength(rest.substr(3)) != 0) {
      const size_t n = ExponentLength(rest.substr(3));
      out += "10" + Superscript(rest.substr(3, n));
      i += 3 + n;
    } else if (rest[0] == '{' || rest[0] == '[') {
      const char close = rest[0] == '{' ? '}' : ']';
      const size_t end = rest.find(close);
      if (end == std::string_view::npos) {  // Not UCUM: left as written.
        out += rest;
        break;
      }
      const std::string_view inner = rest.substr(1, end - 1);
      if (close == ']') {
        out += Bracketed(inner);
      } else if (!after_unit()) {
        out += Annotation(inner);  // Attached ones ("%{HbA1c}") are comments and go.
      }
      i += end + 1;
    } else if (IsLetter(rest[0])) {
      size_t n = 0;
      while (n < rest.size() && IsLetter(rest[n])) ++n;
      const std::string_view atom = rest.substr(0, n);
      const bool micro_bracket = atom == "u" && n < rest.size() && rest[n] == '[';
      if (atom == "Cel") {
        out += "°C";
      } else if (atom[0] == 'u' && (micro_bracket || IsMicroBase(atom.substr(1)))) {
        out += "µ";
        out += atom.substr(1);
      } else {
        out += atom;
      }
      i += n;
      const size_t e = ExponentLength(ucum.substr(i));
      out += Superscript(ucum.substr(i, e));
      i += e;
    } else if (rest[0] == '.') {
      out += "·";  // UCUM's multiplication.
      ++i;
    } else {
      out += rest[0];
      ++i;
    }
  }
  return out;
}

}  // namespace portal
