#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "core/status.h"

namespace portal {

// The state directory (paths.state_dir) holds PHI and keys: it is its owner's alone. Every file
// under it is 0600 and every folder 0700, whoever creates them; only output/ is for others
// (core/file_util.h's PublicModes).

// Makes whatever this process creates from now on private to its user (umask 077). Each
// program's main calls it first, so SQLite's files, gpg's and ours are 0600/0700 without a mode
// at every call; files others must read are given their modes explicitly.
void MakeCreatedFilesPrivate();

// One line for the operator (a state directory or file made private); goes to stderr by default.
using PermissionNote = std::function<void(const std::string& line)>;
void NoteOnStderr(const std::string& line);

// How far SecureStateDir looks: the folder and its entries (the databases, the pepper, the
// folders themselves: cheap, for every start of a program), or the whole tree (a pass over every
// per-token home: about 0.5 s for 20,000 patients, so for the nightly run and init only).
enum class StateDepth { kTop, kTree };

// Checks the state directory before anything in it is opened. InvalidInput, naming the folder,
// its owner and how to fix it, when it is not a folder or belongs to another user (this process
// could neither fix it nor keep its files private). A folder of ours open to group or others is
// made 0700, and each folder and regular file in it (kTop: its entries; kTree: everything below)
// with group or other bits set loses them (an older install's 0644 records.sqlite becomes 0600);
// each change of an entry of the folder is one `note`, what changed below it one count line, so
// no token in a deeper name is printed. Symbolic links are not followed. A missing folder is fine
// (nothing to protect yet).
Status SecureStateDir(const std::filesystem::path& root, StateDepth depth,
                      const PermissionNote& note = NoteOnStderr);

}  // namespace portal
