#pragma once

#include <cstddef>
#include <string>

namespace portal {

// What a nightly run tells as it goes, for `portal-gen nightly` to print and tests to read.
// Nothing passed here names a patient or holds a record value. Calls come from the run's
// thread, except ProgressAdd (from any worker, between ProgressStart and ProgressFinish).
class NightlySink {
 public:
  virtual ~NightlySink() = default;

  // A line about phase `phase` ("ingest", "site", "plan", "replies") when it is done (the plan
  // may first say why it looks at every patient).
  virtual void Phase(const std::string& phase, const std::string& line) = 0;
  // A problem with one extract record ("FILE:LINE: problem"); at most 200 a run.
  virtual void Problem(const std::string& problem) = 0;
  // A patient the run failed on ("patient <token prefix>: problem"); also in the run report.
  // May come from a worker thread; calls never overlap.
  virtual void Failure(const std::string& failure) = 0;

  // A long phase (the summaries): `total` items, each counted by ProgressAdd.
  virtual void ProgressStart(const std::string& label, size_t total) = 0;
  virtual void ProgressAdd(size_t n) = 0;
  virtual void ProgressFinish() = 0;
};

}  // namespace portal
