#pragma once

#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_lock.h"
#include "core/status.h"

namespace portal {

// Publishes a new version of the directory `target` with one atomic exchange, so a reader sees
// the previous tree or the new one, never a mix. Double-buffered: the new version is written
// into the back buffer `<target>.next` (the tree that was live before the last publish, kept
// for reuse): a file whose bytes are unchanged is left alone, a changed one is overwritten in
// place, and files the run did not write are removed just before the swap. A failed or killed run
// leaves `target` untouched. `<target>.lock` keeps two runs from publishing the same target at
// once.
class StagedDirectory {
 public:
  explicit StagedDirectory(std::filesystem::path target);
  ~StagedDirectory();
  StagedDirectory(const StagedDirectory&) = delete;
  StagedDirectory& operator=(const StagedDirectory&) = delete;

  // Takes the lock (Busy if another run holds it) and prepares the back buffer.
  Status Open();

  // Writes the concatenation of `parts` to `relative_path` in the back buffer. Thread-safe.
  Status Write(const std::string& relative_path, const std::vector<std::string_view>& parts);

  // Removes what this run did not write, flushes the tree to disk and swaps it in.
  Status Commit();

 private:
  Status RemoveUnwritten();

  std::filesystem::path target_;
  std::filesystem::path staging_;
  FileLock lock_;
  std::mutex mu_;
  std::set<std::string> written_;  // Guarded by mu_.
};

}  // namespace portal
