#pragma once

#include <filesystem>
#include <string>

#include "core/status.h"

namespace portal {

// An exclusive flock on a lock file, held until destroyed: the one way runs keep each other out
// (the site's output, the nightly run's state directory).
class FileLock {
 public:
  FileLock() = default;
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Creates `path` (mode `mode`) if needed and locks it without waiting: Busy with
  // `busy_message` if another process holds it.
  Status Acquire(const std::filesystem::path& path, unsigned mode, const std::string& busy_message);

 private:
  int fd_ = -1;
};

}  // namespace portal
