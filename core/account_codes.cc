#include "core/account_codes.h"

#include <openssl/rand.h>

#include <cstdint>
#include <cstdlib>

#include "core/sha256.h"

namespace portal {

namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // 32 symbols.
constexpr size_t kActivationSymbols = 15;

// Uniform random bytes; aborts the process if the system has no randomness (a code made from
// anything less must never be handed out).
void RandomBytes(unsigned char* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) std::abort();
}

}  // namespace

std::string NewActivationCode() {
  unsigned char bytes[kActivationSymbols];
  RandomBytes(bytes, sizeof bytes);
  std::string symbols;
  for (unsigned char b : bytes) symbols += kCrockford[b & 31];  // 256 = 8 * 32: no bias.
  return GroupActivationCode(symbols);
}

bool NormalizeActivationCode(std::string_view typed, std::string* out) {
  std::string symbols;
  for (char raw : typed) {
    char c = raw >= 'a' && raw <= 'z' ? static_cast<char>(raw - 'a' + 'A') : raw;
    if (c == ' ' || c == '-') continue;
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    bool known = false;
    for (const char* k = kCrockford; *k; ++k) known = known || *k == c;
    if (!known || symbols.size() == kActivationSymbols) return false;
    symbols += c;
  }
  if (symbols.size() != kActivationSymbols) return false;
  *out = symbols;
  return true;
}

std::string ActivationCodeHash(std::string_view normalized) {
  return Sha256Hex("portal activation code v1\n" + std::string(normalized));
}

std::string GroupActivationCode(std::string_view normalized) {
  std::string out;
  for (size_t i = 0; i < normalized.size(); ++i) {
    if (i > 0 && i % 5 == 0) out += '-';
    out += normalized[i];
  }
  return out;
}

std::string NewMailedCode() {
  // 8 digits from a uniform number below 10^8: 32-bit draws at or above the largest multiple of
  // 10^8 are drawn again (no modulo bias).
  constexpr uint32_t kRange = 100000000;
  constexpr uint32_t kLimit = (UINT32_MAX / kRange) * kRange;
  uint32_t v = 0;
  do {
    unsigned char b[4];
    RandomBytes(b, sizeof b);
    v = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  } while (v >= kLimit);
  v %= kRange;
  std::string digits(8, '0');
  for (int i = 7; i >= 0; --i, v /= 10) digits[i] = static_cast<char>('0' + v % 10);
  return digits;
}

bool IsMailedCode(std::string_view s) {
  if (s.size() != 8) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace portal
