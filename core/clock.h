#pragma once

#include <atomic>
#include <cstdint>

namespace portal {

// The one seam for the wall clock. Libraries take a `const Clock&` (or the `now` it gives);
// only SystemClock() reads the time of day, and only mains hand it out. Tests pass a
// FixedClock and move it by hand: no sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the epoch (UTC).
  virtual int64_t Now() const = 0;
};

// The real wall clock (std::time).
const Clock& SystemClock();

// A clock that says what it is told; safe to read from several threads.
class FixedClock : public Clock {
 public:
  explicit FixedClock(int64_t now) : now_(now) {}
  int64_t Now() const override { return now_.load(); }
  void Set(int64_t now) { now_.store(now); }
  void Advance(int64_t seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace portal
