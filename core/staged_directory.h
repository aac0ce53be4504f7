#pragma once

#include <filesystem>

#include "core/status.h"

namespace portal {

// Builds a new version of the directory `target` in a sibling staging directory and swaps it
// in with one atomic exchange, so a reader sees the previous tree or the new one, never a mix.
// A failed or crashed run leaves the previous tree untouched; its leftover staging directory is
// removed by the next run.
class StagedDirectory {
 public:
  explicit StagedDirectory(std::filesystem::path target);
  ~StagedDirectory();  // Removes the staging tree unless Commit() succeeded.
  StagedDirectory(const StagedDirectory&) = delete;
  StagedDirectory& operator=(const StagedDirectory&) = delete;

  // Creates an empty staging directory and removes stale ones left by dead processes.
  Status Open();
  const std::filesystem::path& staging_path() const { return staging_; }
  // Flushes the staging tree to disk, swaps it in and deletes the previous tree.
  Status Commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path staging_;
  bool committed_ = false;
};

}  // namespace portal
