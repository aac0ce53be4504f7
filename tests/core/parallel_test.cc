#define BOOST_TEST_MODULE parallel_test
#include "core/parallel.h"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <vector>

namespace portal {
namespace {

BOOST_AUTO_TEST_CASE(every_index_runs_once_on_a_valid_worker) {
  for (int jobs : {1, 2, 7}) {
    std::vector<std::atomic<int>> seen(1000);
    std::atomic<bool> bad_worker{false};
    ParallelFor(seen.size(), jobs, [&](size_t i, int worker) {
      ++seen[i];
      if (worker < 0 || worker >= jobs) bad_worker = true;
    });
    for (const auto& s : seen) BOOST_TEST(s.load() == 1);
    BOOST_TEST(!bad_worker);
  }
}

BOOST_AUTO_TEST_CASE(zero_items_and_zero_jobs_are_fine) {
  int calls = 0;
  ParallelFor(0, 4, [&](size_t, int) { ++calls; });
  ParallelFor(3, 0, [&](size_t, int) { ++calls; });
  BOOST_TEST(calls == 3);
}

}  // namespace
}  // namespace portal
