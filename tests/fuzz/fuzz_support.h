#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/config.h"

namespace portal::fuzz {

// The fuzzed bytes as text.
inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// The project's own content/portal.toml, loaded once (the request parsers read its recipients
// and profile fields, the release policy its [release] rules). Aborts if it does not load: a
// target must never run on a half-made config.
const PortalConfig& ProjectConfig();

// True when `message` starts "FILE:LINE: " for `file` (the house style of parse errors).
bool NamesFileAndLine(const std::string& message, const std::string& file);

// Stops the run (abort: libFuzzer saves the input) when a property does not hold. `what` names
// the property; never print the input, the corpus may be shared.
[[noreturn]] void PropertyFailed(const char* what);
#define FUZZ_CHECK(cond)                                              \
  do {                                                                \
    if (!(cond)) ::portal::fuzz::PropertyFailed(__FILE__ ": " #cond); \
  } while (0)

}  // namespace portal::fuzz
