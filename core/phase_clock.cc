#include "core/phase_clock.h"

#include <cstdio>

namespace portal {

std::string PhaseClock::Summary() const {
  std::string out;
  for (const auto& [name, seconds] : phases_) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2fs", seconds);
    out += (out.empty() ? "" : ", ") + name + " " + buf;
  }
  return out;
}

}  // namespace portal
