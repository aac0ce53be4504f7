#pragma once

#include <cstddef>
#include <functional>

namespace portal {

// Runs fn(index, worker) for every index in [0, count) on `jobs` threads (at least 1); `worker`
// is in [0, jobs), so callers can keep per-thread state. Returns when all calls have returned.
void ParallelFor(size_t count, int jobs, const std::function<void(size_t index, int worker)>& fn);

// The default worker count: the number of cores.
int DefaultJobs();

}  // namespace portal
