#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace portal {

// Records how long each phase of a run took, for the run summary operators read.
class PhaseClock {
 public:
  PhaseClock() : last_(std::chrono::steady_clock::now()) {}

  // Ends the current phase under `name`.
  void Mark(std::string name) {
    const auto now = std::chrono::steady_clock::now();
    phases_.emplace_back(std::move(name), std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }
  // "load 0.12s, pages 2.40s, ..."
  std::string Summary() const;
  const std::vector<std::pair<std::string, double>>& phases() const { return phases_; }

 private:
  std::chrono::steady_clock::time_point last_;
  std::vector<std::pair<std::string, double>> phases_;
};

}  // namespace portal
