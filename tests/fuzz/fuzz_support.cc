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

void PropertyFailed(const char* what) {
  std::fprintf(stderr, "fuzz: property failed: %s\n", what);
  std::abort();
}

}  // namespace portal::fuzz
