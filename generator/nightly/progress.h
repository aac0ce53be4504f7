#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace portal {

// Shows how a long phase advances. On a terminal: one bar redrawn in place (done/total, rate,
// time left), at most five times a second; otherwise silent until Finish(), which prints one
// concise line. Add() may be called from any thread.
class Progress {
 public:
  Progress(std::string label, size_t total, bool terminal);
  void Add(size_t n = 1);
  // Ends the phase: clears the bar and prints "label: done/total in Xs (rate/s)".
  void Finish();

  // Whether stderr is a terminal (and TERM is not "dumb").
  static bool StderrIsTerminal();

 private:
  void Draw(size_t done, bool force);

  std::string label_;
  size_t total_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::atomic<size_t> done_{0};
  std::mutex draw_mu_;
  std::chrono::steady_clock::time_point last_draw_;  // Guarded by draw_mu_.
};

}  // namespace portal
