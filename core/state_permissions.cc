#include "core/state_permissions.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace portal {

namespace fs = std::filesystem;

namespace {

constexpr mode_t kOpenBits = S_ISUID | S_ISGID | S_ISVTX | S_IRWXG | S_IRWXO;

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// "portal (uid 998)", or the number alone when the user has no name.
std::string UserName(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[1024];
  std::string out;
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr) {
    out = std::string(found->pw_name) + " ";
  }
  return out + "(uid " + std::to_string(uid) + ")";
}

// Takes group and other bits (and set-id, sticky) off one folder or regular file; *changed when
// it had any. Anything else (a socket, a link) is left as it is.
Status Tighten(const fs::path& path, const struct stat& st, bool* changed) {
  *changed = false;
  if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) return Status::Ok();
  if ((st.st_mode & kOpenBits) == 0) return Status::Ok();
  if (::chmod(path.c_str(), st.st_mode & S_IRWXU) != 0) {
    if (errno == ENOENT) return Status::Ok();  // Removed meanwhile: nothing left to protect.
    return Status::IoError(path.string() + ": cannot make private: " + std::strerror(errno));
  }
  *changed = true;
  return Status::Ok();
}

// Tightens everything under the folder `dir` (not `dir` itself); *count says how much changed.
// What another program removes meanwhile (the daemon's scratch homes) is skipped, not an error.
Status TightenTree(const fs::path& dir, int* count) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  if (ec == std::errc::no_such_file_or_directory) return Status::Ok();
  for (; !ec && it != end; it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;  // Gone meanwhile.
    bool changed = false;
    PORTAL_RETURN_IF_ERROR(Tighten(it->path(), st, &changed));
    if (changed) ++*count;
    if (S_ISDIR(st.st_mode)) PORTAL_RETURN_IF_ERROR(TightenTree(it->path(), count));
  }
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Status::IoError(dir.string() + ": cannot walk: " + ec.message());
  }
  return Status::Ok();
}

}  // namespace

void MakeCreatedFilesPrivate() { ::umask(077); }

void NoteOnStderr(const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }

Status SecureStateDir(const fs::path& root, StateDepth depth, const PermissionNote& note) {
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status::IoError(root.string() +
                           ": cannot check the state directory: " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidInput(root.string() +
                                ": the state directory (paths.state_dir) is not "
                                "a folder");
  }
  const uid_t me = ::geteuid();
  if (st.st_uid != me) {
    return Status::InvalidInput(
        root.string() + ": the state directory belongs to " + UserName(st.st_uid) +
        ", not to this user " + UserName(me) +
        "; run the portal's programs as its owner (sudo -u <owner>), or make it this user's "
        "with `chown -R " +
        std::to_string(me) + " " + root.string() + "`");
  }
  if ((st.st_mode & kOpenBits) != 0) {
    if (::chmod(root.c_str(), 0700) != 0) {
      return Status::IoError(root.string() + ": cannot make the state directory private (chmod " +
                             "700): " + std::strerror(errno));
    }
    note(root.string() + ": the state directory was " + Octal(st.st_mode) +
         ", now 0700 (it holds PHI and keys: its owner's alone)");
  }
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat entry {};
    if (::lstat(it->path().c_str(), &entry) != 0) continue;
    bool changed = false;
    PORTAL_RETURN_IF_ERROR(Tighten(it->path(), entry, &changed));
    if (changed) {
      note(it->path().string() + ": was " + Octal(entry.st_mode) + ", now " +
           Octal(entry.st_mode & S_IRWXU));
    }
    if (depth == StateDepth::kTop || !S_ISDIR(entry.st_mode)) continue;
    int inside = 0;
    PORTAL_RETURN_IF_ERROR(TightenTree(it->path(), &inside));
    if (inside > 0) {
      note(it->path().string() + ": " + std::to_string(inside) +
           " files and folders inside were open to group or others, now their owner's alone");
    }
  }
  if (ec) return Status::IoError(root.string() + ": cannot list: " + ec.message());
  return Status::Ok();
}

}  // namespace portal
