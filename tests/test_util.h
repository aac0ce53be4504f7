#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace portal::testing {

// A fresh directory under the system temp folder, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string Slurp(const std::filesystem::path& path);
void Spit(const std::filesystem::path& path, const std::string& data);

// Copies the project's content/ and site_templates/ into `dir` (as dir/content and
// dir/site_templates) so a test can change them; returns the copied config path.
std::filesystem::path CopyProjectSite(const std::filesystem::path& dir);

// Replaces the first occurrence of `from` in the file; fails the test if absent.
void ReplaceInFile(const std::filesystem::path& path, const std::string& from,
                   const std::string& to);

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr, interleaved.
};
// Runs argv (no shell) and captures its output.
CommandResult RunCommand(const std::vector<std::string>& argv);

// execv's argument array over `argv` (which must outlive it), ending in nullptr. Made before
// fork: a child of a threaded process may only make async-signal-safe calls (no allocation)
// before exec, or it can deadlock on a lock another thread held at the fork (it did, under
// ASan's allocator: docs/fuzzing.md).
std::vector<char*> ExecArgs(const std::vector<std::string>& argv);

// Every regular file below `dir`, relative path -> contents.
std::map<std::string, std::string> ReadTree(const std::filesystem::path& dir);

std::filesystem::path SourceDir();
std::filesystem::path SharedDir();
std::filesystem::path BinaryDir();

}  // namespace portal::testing
