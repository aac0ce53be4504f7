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

// Exact modes for what other users must read (output/, served by nginx as its own user): set
// with chmod/fchmod, so the process's umask (077, core/state_permissions.h) does not narrow them.
struct PublicModes {
  unsigned dir;   // Folders this call creates, e.g. 0711 (traversable, not listable) or 0755.
  unsigned file;  // The file itself, e.g. 0644.
};

// WriteFileAtomically with exact modes: missing parent folders are made `modes.dir` and the file
// `modes.file`, whatever the umask. Folders that exist keep their mode.
Status PublishFileAtomically(const std::filesystem::path& path, std::string_view data,
                             PublicModes modes, const std::filesystem::path& temp_dir = {},
                             DirSync dir_sync = DirSync::kNow);

// WriteFileParts with exact modes: missing parent folders `modes.dir`, the file `modes.file`
// (also when it existed with another mode).
Status WriteFileParts(const std::filesystem::path& path, const std::vector<std::string_view>& parts,
                      PublicModes modes);

// Creates `dir` and its missing parents with exactly `mode` (chmod after mkdir); folders that
// exist keep theirs.
Status MakeDirectoriesWithMode(const std::filesystem::path& dir, unsigned mode);

// Flushes the whole file system holding `dir` (syncfs).
Status SyncFileSystem(const std::filesystem::path& dir);

// Removes `path` (absent is fine) and fsyncs its folder.
Status RemoveFileDurably(const std::filesystem::path& path);

// Regular files directly inside `dir` whose names end in `suffix`, sorted by name.
Status ListFiles(const std::filesystem::path& dir, std::string_view suffix,
                 std::vector<std::filesystem::path>* out);

}  // namespace portal
