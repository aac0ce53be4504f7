#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace portal {

// Reads the whole file at `path` into `*out`.
Status ReadFile(const std::filesystem::path& path, std::string* out);

// Writes `data` to `path`, creating missing parent directories. Not atomic by itself: callers
// write into a staging tree (see staged_directory.h) or a temporary name.
Status WriteFile(const std::filesystem::path& path, std::string_view data);

// Writes the concatenation of `parts` to `path`, like WriteFile.
Status WriteFileParts(const std::filesystem::path& path,
                      const std::vector<std::string_view>& parts);

// Writes `data` to a new file at `path` with permissions `mode` and fsyncs it: never over
// anything that exists (O_EXCL, no symlink followed). InvalidInput if `path` exists; IoError
// otherwise, and a half-written file is removed.
Status WriteNewFile(const std::filesystem::path& path, std::string_view data, unsigned mode);

// Replaces `path` atomically and durably: writes a temporary file beside it, fsyncs it,
// renames it over `path` and fsyncs the folder, so a reader (or a crash) sees the old bytes or
// the new ones, never a part. Creates missing parent folders with `dir_mode`. With `temp_dir`
// (same file system), the temporary file is made there instead, so a killed writer's leftovers
// gather in one place its owner empties. With DirSync::kLater the folder is not fsynced here:
// the caller calls SyncFileSystem before it relies on the new name (one call for many files).
enum class DirSync { kNow, kLater };
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view data,
                           unsigned dir_mode = 0755, const std::filesystem::path& temp_dir = {},
                           DirSync dir_sync = DirSync::kNow);

// Flushes the whole file system holding `dir` (syncfs).
Status SyncFileSystem(const std::filesystem::path& dir);

// Removes `path` (absent is fine) and fsyncs its folder.
Status RemoveFileDurably(const std::filesystem::path& path);

// Regular files directly inside `dir` whose names end in `suffix`, sorted by name.
Status ListFiles(const std::filesystem::path& dir, std::string_view suffix,
                 std::vector<std::filesystem::path>* out);

}  // namespace portal
