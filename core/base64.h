#pragma once

#include <string>
#include <string_view>

namespace portal {

// Standard base64 (RFC 4648, with padding, no line breaks).
std::string Base64Encode(std::string_view data);
// False unless `text` is canonical padded base64 (no whitespace); then *out holds the bytes.
bool Base64Decode(std::string_view text, std::string* out);

}  // namespace portal
