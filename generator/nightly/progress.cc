#include "generator/nightly/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace portal {

namespace {

std::string Clock(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

}  // namespace

bool Progress::StderrIsTerminal() {
  const char* term = std::getenv("TERM");
  return ::isatty(2) == 1 && (term == nullptr || std::strcmp(term, "dumb") != 0);
}

Progress::Progress(std::string label, size_t total, bool terminal)
    : label_(std::move(label)),
      total_(total),
      terminal_(terminal),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void Progress::Add(size_t n) {
  const size_t done = done_.fetch_add(n) + n;
  if (terminal_) Draw(done, false);
}

void Progress::Draw(size_t done, bool force) {
  std::unique_lock<std::mutex> lock(draw_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // Another thread is drawing; skip this one.
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  constexpr int kWidth = 28;
  const int filled =
      total_ == 0 ? kWidth : static_cast<int>(kWidth * static_cast<double>(done) / total_);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  const std::string eta =
      rate > 0 ? Clock(static_cast<double>(total_ - std::min(done, total_)) / rate) : "--:--";
  std::fprintf(stderr, "\r%s [%s] %zu/%zu  %.0f/s  ETA %s \x1b[K", label_.c_str(), bar.c_str(),
               done, total_, rate, eta.c_str());
  std::fflush(stderr);
}

void Progress::Finish() {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const size_t done = done_.load();
  if (terminal_) std::fprintf(stderr, "\r\x1b[K");
  std::fprintf(stderr, "portal-gen: %s: %zu/%zu in %.1f s (%.0f/s)\n", label_.c_str(), done, total_,
               elapsed, elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0);
}

}  // namespace portal
