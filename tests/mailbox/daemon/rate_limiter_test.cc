#define BOOST_TEST_MODULE rate_limiter_test
#include "mailbox/daemon/rate_limiter.h"

#include <boost/test/unit_test.hpp>
#include <string>

namespace portal {
namespace {

using Clock = RateLimiter::Clock;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// Explicit instants: nothing here sleeps or reads the clock.
const Clock::time_point kT0 = Clock::time_point() + std::chrono::hours(24);

struct Run {
  int allowed = 0;
  int retry_after = 0;  // From the refusal that ended the run.
};

// Requests as `key` at `now` until one is refused.
Run UntilRefused(RateLimiter& limiter, const std::string& key, Clock::time_point now) {
  Run run;
  while (run.allowed < 100000 && limiter.Allow(key, now, &run.retry_after)) ++run.allowed;
  return run;
}

BOOST_AUTO_TEST_CASE(a_new_key_has_its_burst_then_waits_exactly_for_one_token) {
  RateLimiter limiter(/*per_minute=*/30, /*burst=*/3);  // A token every 2 s.
  Run run = UntilRefused(limiter, "10.0.0.1", kT0);
  BOOST_TEST(run.allowed == 3);
  BOOST_TEST(run.retry_after == 2);
  int retry = 0;
  BOOST_TEST(!limiter.Allow("10.0.0.1", kT0 + milliseconds(1500), &retry));
  BOOST_TEST(retry == 1);  // Half a second to go, rounded up.
  BOOST_TEST(!limiter.Allow("10.0.0.1", kT0 + milliseconds(1999), &retry));
  BOOST_TEST(retry == 1);
  // The refusals cost nothing: the token is there at exactly 2 s, and the next at 4 s.
  BOOST_TEST(limiter.Allow("10.0.0.1", kT0 + seconds(2), &retry));
  run = UntilRefused(limiter, "10.0.0.1", kT0 + seconds(2));
  BOOST_TEST(run.allowed == 0);
  BOOST_TEST(run.retry_after == 2);
  BOOST_TEST(limiter.Allow("10.0.0.1", kT0 + seconds(4), &retry));
  // Idle long enough, the bucket is full again but holds no more than the burst.
  run = UntilRefused(limiter, "10.0.0.1", kT0 + seconds(3600));
  BOOST_TEST(run.allowed == 3);
}

BOOST_AUTO_TEST_CASE(keys_are_independent) {
  RateLimiter limiter(60, 2);
  BOOST_TEST(UntilRefused(limiter, "ABCD1234", kT0).allowed == 2);
  Run other = UntilRefused(limiter, "EF567890", kT0);
  BOOST_TEST(other.allowed == 2);
  BOOST_TEST(other.retry_after == 1);
  int retry = 0;
  BOOST_TEST(!limiter.Allow("ABCD1234", kT0 + milliseconds(500), &retry));
  BOOST_TEST(limiter.Allow("ABCD1234", kT0 + seconds(1), &retry));
}

BOOST_AUTO_TEST_CASE(fractional_rates_round_the_wait_up) {
  RateLimiter seven(/*per_minute=*/7, /*burst=*/1);  // A token every 8.571… s.
  Run run = UntilRefused(seven, "k", kT0);
  BOOST_TEST(run.allowed == 1);
  BOOST_TEST(run.retry_after == 9);
  int retry = 0;
  BOOST_TEST(!seven.Allow("k", kT0 + seconds(8), &retry));
  BOOST_TEST(retry == 1);
  BOOST_TEST(!seven.Allow("k", kT0 + milliseconds(8571), &retry));
  BOOST_TEST(seven.Allow("k", kT0 + milliseconds(8572), &retry));

  RateLimiter slow(/*per_minute=*/0.5, /*burst=*/2);  // A token every 2 minutes.
  run = UntilRefused(slow, "k", kT0);
  BOOST_TEST(run.allowed == 2);
  BOOST_TEST(run.retry_after == 120);
  BOOST_TEST(!slow.Allow("k", kT0 + seconds(60), &retry));
  BOOST_TEST(retry == 60);
  BOOST_TEST(!slow.Allow("k", kT0 + milliseconds(119500), &retry));
  BOOST_TEST(retry == 1);
  BOOST_TEST(slow.Allow("k", kT0 + seconds(120), &retry));

  // A burst of 1.5: one request, then half a token is left over for the next.
  RateLimiter half(/*per_minute=*/60, /*burst=*/1.5);
  BOOST_TEST(UntilRefused(half, "k", kT0).allowed == 1);
  BOOST_TEST(!half.Allow("k", kT0 + milliseconds(499), &retry));
  BOOST_TEST(retry == 1);
  BOOST_TEST(half.Allow("k", kT0 + milliseconds(500), &retry));

  // 0.3 of a token left at one a minute: 18 s, though 1.7 - 1 is 0.69999999999999996 in binary.
  RateLimiter odd(/*per_minute=*/1, /*burst=*/1.7);
  run = UntilRefused(odd, "k", kT0);
  BOOST_TEST(run.allowed == 1);
  BOOST_TEST(run.retry_after == 18);
  BOOST_TEST(odd.Allow("k", kT0 + seconds(18), &retry));
}

BOOST_AUTO_TEST_CASE(memory_is_bounded_and_idle_buckets_go_first) {
  // One token a second, so each one-request key is full (idle) again a second later, while
  // the key that spent its whole burst stays short for 1000 s.
  RateLimiter limiter(/*per_minute=*/60, /*burst=*/1000, /*max_keys=*/10);
  Run run = UntilRefused(limiter, "abuser", kT0);
  BOOST_TEST(run.allowed == 1000);
  BOOST_TEST(run.retry_after == 1);
  int retry = 0;
  for (int i = 1; i <= 1000; ++i) {
    const std::string key = "client-" + std::to_string(i);
    BOOST_TEST_REQUIRE(limiter.Allow(key, kT0 + milliseconds(200 * i), &retry), key);
  }
  // Remembered through 1000 other keys: 201 s refilled 201 tokens, not a fresh 1000.
  run = UntilRefused(limiter, "abuser", kT0 + seconds(201));
  BOOST_TEST(run.allowed == 201);
  BOOST_TEST(run.retry_after == 1);
  // The newest key is remembered too (999.5 tokens); a long-forgotten one starts full.
  run = UntilRefused(limiter, "client-1000", kT0 + milliseconds(200500));
  BOOST_TEST(run.allowed == 999);
  BOOST_TEST(run.retry_after == 1);
  BOOST_TEST(UntilRefused(limiter, "client-1", kT0 + seconds(201)).allowed == 1000);
}

BOOST_AUTO_TEST_CASE(when_no_bucket_is_idle_the_least_recently_allowed_goes) {
  RateLimiter limiter(/*per_minute=*/1, /*burst=*/1, /*max_keys=*/3);
  int retry = 0;
  BOOST_TEST(limiter.Allow("a", kT0, &retry));
  BOOST_TEST(limiter.Allow("b", kT0 + milliseconds(1), &retry));
  BOOST_TEST(limiter.Allow("c", kT0 + milliseconds(2), &retry));
  BOOST_TEST(limiter.Allow("d", kT0 + milliseconds(3), &retry));  // Four keys: "a" goes.
  BOOST_TEST(!limiter.Allow("b", kT0 + milliseconds(4), &retry));
  BOOST_TEST(retry == 60);
  BOOST_TEST(!limiter.Allow("c", kT0 + milliseconds(5), &retry));
  BOOST_TEST(!limiter.Allow("d", kT0 + milliseconds(6), &retry));
  BOOST_TEST(limiter.Allow("a", kT0 + milliseconds(7), &retry));  // Forgotten: starts full.
}

BOOST_AUTO_TEST_CASE(an_older_clock_reading_refills_nothing) {
  RateLimiter limiter(60, 1);
  int retry = 0;
  BOOST_TEST(limiter.Allow("k", kT0 + seconds(10), &retry));
  BOOST_TEST(!limiter.Allow("k", kT0, &retry));
  BOOST_TEST(retry == 1);
  BOOST_TEST(limiter.Allow("k", kT0 + seconds(11), &retry));
}

BOOST_AUTO_TEST_CASE(peek_tells_what_allow_would_without_taking_a_token) {
  RateLimiter limiter(/*per_minute=*/30, /*burst=*/2);  // A token every 2 s.
  int retry = 0;
  // An unknown key would be allowed; peeking many times takes nothing.
  for (int i = 0; i < 5; ++i) BOOST_TEST(limiter.Peek("10.0.0.1", kT0, &retry));
  BOOST_TEST(UntilRefused(limiter, "10.0.0.1", kT0).allowed == 2);
  retry = 0;
  BOOST_TEST(!limiter.Peek("10.0.0.1", kT0 + milliseconds(500), &retry));
  BOOST_TEST(retry == 2);  // 1.5 s to go, rounded up: Allow's own answer.
  BOOST_TEST(!limiter.Allow("10.0.0.1", kT0 + milliseconds(500), &retry));
  BOOST_TEST(retry == 2);
  BOOST_TEST(limiter.Peek("10.0.0.1", kT0 + seconds(2), &retry));
  BOOST_TEST(limiter.Peek("10.0.0.1", kT0 + seconds(2), &retry));
  // The token peeked at twice is still there for one request, and only one.
  BOOST_TEST(limiter.Allow("10.0.0.1", kT0 + seconds(2), &retry));
  BOOST_TEST(!limiter.Peek("10.0.0.1", kT0 + seconds(2), &retry));
}

}  // namespace
}  // namespace portal
