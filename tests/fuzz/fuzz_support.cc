#include "tests/fuzz/fuzz_support.h"

#include <cstdio>
#include <cstdlib>

namespace portal::fuzz {

const PortalConfig& ProjectConfig() {
  static const PortalConfig* config = [] {
    auto* c = new PortalConfig;
    Status st = LoadConfig(PORTAL_SOURCE_DIR "/content/portal.toml", c);
    if (!st.ok()) {
      std::fprintf(stderr, "fuzz: content/portal.toml: %s\n", st.message().c_str());
      std::abort();
    }
    return c;
  }();
  return *config;
}

bool NamesFileAndLine(const std::string& message, const std::string& file) {
  if (!message.starts_with(file + ":")) return false;
  const size_t digits = message.find_first_not_of("0123456789", file.size() + 1);
  return digits != std::string::npos && digits > file.size() + 1 && message[digits] == ':';
}

void PropertyFailed(const char* what) {
  std::fprintf(stderr, "fuzz: property failed: %s\n", what);
  std::abort();
}

}  // namespace portal::fuzz
