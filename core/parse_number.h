#pragma once

#include <cstdint>
#include <string_view>

namespace portal {

// Whole-string decimal integers, without exceptions (std::from_chars): false for "", signs
// other than a leading '-', trailing characters and values out of range.
bool ParseInt64(std::string_view text, int64_t* out);
bool ParseInt(std::string_view text, int* out);
// Whole-string hexadecimal (no "0x"), unsigned.
bool ParseHex64(std::string_view text, uint64_t* out);

}  // namespace portal
