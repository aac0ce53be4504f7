#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace portal {

void ParallelFor(size_t count, int jobs, const std::function<void(size_t, int)>& fn) {
  jobs = std::max(1, std::min<int>(jobs, static_cast<int>(std::max<size_t>(count, 1))));
  std::atomic<size_t> next{0};
  auto run = [&](int worker) {
    for (size_t i = next++; i < count; i = next++) fn(i, worker);
  };
  std::vector<std::thread> threads;
  for (int w = 1; w < jobs; ++w) threads.emplace_back(run, w);
  run(0);
  for (auto& t : threads) t.join();
}

int DefaultJobs() { return std::max(1u, std::thread::hardware_concurrency()); }

}  // namespace portal
