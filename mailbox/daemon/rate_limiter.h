#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace portal {

// Token buckets keyed by a string (a client address, a key fingerprint): `per_minute` requests
// a minute on average, bursts up to `burst`. Thread-safe. Memory is bounded: past `max_keys`
// buckets, full (idle) buckets are dropped first.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(double per_minute, double burst, size_t max_keys = 100000);

  // True and one token taken if `key` may make a request at `now`; otherwise false and
  // *retry_after_seconds (at least 1) says when the next token is there.
  bool Allow(const std::string& key, Clock::time_point now, int* retry_after_seconds);
  // What Allow would say, without taking a token (nor making a bucket): for a limit charged
  // only once the request's outcome is known.
  bool Peek(const std::string& key, Clock::time_point now, int* retry_after_seconds);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  void Prune(Clock::time_point now);
  // The tokens `bucket` holds at `now`, and *retry_after_seconds when that is under one.
  bool HasToken(const Bucket& bucket, Clock::time_point now, double* tokens,
                int* retry_after_seconds) const;

  const double per_second_;
  const double burst_;
  const size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace portal
