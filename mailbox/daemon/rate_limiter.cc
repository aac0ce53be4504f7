#include "mailbox/daemon/rate_limiter.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <vector>

namespace portal {

namespace {

using Clock = RateLimiter::Clock;

// Rounding slack, in tokens: a request at the retry time a refusal gave is allowed even when the
// refill comes to 0.9999999999999999 of a token.
constexpr double kSlack = 1e-9;

double SecondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::max(0.0, std::chrono::duration<double>(to - from).count());
}

}  // namespace

RateLimiter::RateLimiter(double per_minute, double burst, size_t max_keys)
    : per_second_(per_minute / 60.0), burst_(burst), max_keys_(max_keys) {}

bool RateLimiter::Allow(const std::string& key, Clock::time_point now, int* retry_after_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& bucket = it->second;
  double tokens = 0;
  const bool allowed = HasToken(bucket, now, &tokens, retry_after_seconds);
  if (allowed) {
    bucket.tokens = std::max(0.0, tokens - 1);
    // A caller's clock reading may be a little older than the last one stored.
    bucket.updated = std::max(bucket.updated, now);
  }
  // Only a new key grows the map. The bucket just used is no longer full and among the newest,
  // so pruning keeps it (short of many keys arriving at the same instant).
  if (inserted && buckets_.size() > max_keys_) Prune(now);
  return allowed;
}

bool RateLimiter::Peek(const std::string& key, Clock::time_point now, int* retry_after_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = buckets_.find(key);
  if (it == buckets_.end()) return true;  // A new key starts full.
  double tokens = 0;
  return HasToken(it->second, now, &tokens, retry_after_seconds);
}

bool RateLimiter::HasToken(const Bucket& bucket, Clock::time_point now, double* tokens,
                           int* retry_after_seconds) const {
  *tokens = std::min(burst_, bucket.tokens + SecondsBetween(bucket.updated, now) * per_second_);
  if (*tokens >= 1 - kSlack) return true;
  // A refusal leaves the bucket as it is: refills count from the last allowed request, one
  // product each, so the boundary does not drift with rounding however often a key retries.
  const double wait = std::ceil((1 - kSlack - *tokens) / per_second_);
  *retry_after_seconds = static_cast<int>(std::clamp(wait, 1.0, double{INT_MAX}));
  return false;
}

void RateLimiter::Prune(Clock::time_point now) {
  // Full buckets first: forgetting one loses nothing, as a new key starts full.
  std::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& b = entry.second;
    return b.tokens + SecondsBetween(b.updated, now) * per_second_ >= burst_ - kSlack;
  });
  if (buckets_.size() <= max_keys_) return;
  // Then the ones least recently allowed a request, down to a tenth below the limit so that a
  // flood of new keys does not scan the map on every request.
  const size_t keep = max_keys_ - max_keys_ / 10;
  std::vector<decltype(buckets_)::iterator> by_age;
  by_age.reserve(buckets_.size());
  for (auto it = buckets_.begin(); it != buckets_.end(); ++it) by_age.push_back(it);
  const size_t drop = buckets_.size() - keep;
  std::nth_element(by_age.begin(), by_age.begin() + drop, by_age.end(),
                   [](auto a, auto b) { return a->second.updated < b->second.updated; });
  for (size_t i = 0; i < drop; ++i) buckets_.erase(by_age[i]);
}

}  // namespace portal
