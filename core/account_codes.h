#pragma once

#include <string>
#include <string_view>

namespace portal {

// The codes that open an account. Random bytes come from OpenSSL's RAND_bytes.

// A staff-made activation code: 15 characters of Crockford base32 (0-9, A-Z without I, L, O, U:
// 75 bits) in three groups of five, "K7M2Q-8XW4T-R9D3B".
std::string NewActivationCode();
// What a person typed, made canonical: case-insensitive, spaces and '-' ignored, O read as 0
// and I or L as 1 (Crockford). False unless 15 symbols remain; *out is the 15 upper-case
// symbols without dashes.
bool NormalizeActivationCode(std::string_view typed, std::string* out);
// What is stored of a normalized activation code: SHA-256 hex of "portal activation code v1\n"
// and the code (75 random bits need no key).
std::string ActivationCodeHash(std::string_view normalized);
// "K7M2QXW..." -> "K7M2Q-8XW4T-R9D3B".
std::string GroupActivationCode(std::string_view normalized);

// An e-mailed code: 8 decimal digits, uniform (rejection sampling, no modulo bias).
std::string NewMailedCode();
// True for exactly 8 ASCII digits.
bool IsMailedCode(std::string_view s);

}  // namespace portal
