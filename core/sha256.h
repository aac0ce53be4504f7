#pragma once

#include <string>
#include <string_view>

namespace portal {

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// `bytes` bytes from the operating system's CSPRNG, as lower-case hex; "" on failure.
std::string RandomHex(size_t bytes);

}  // namespace portal
