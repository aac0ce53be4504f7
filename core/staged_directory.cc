#include "core/staged_directory.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/file_util.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

// The site is public: nginx (another user) reads every file; the umask (077) would narrow them.
constexpr PublicModes kSiteModes{0755, 0644};

fs::path WithSuffix(const fs::path& p, const char* suffix) {
  fs::path out = p;
  out += suffix;
  return out;
}

// Clears whatever stands in the way of writing a file at `path` inside `root`: a directory at
// the path itself, or a file where a parent directory must go (the back buffer may hold an
// older layout).
void ClearWay(const fs::path& root, const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) fs::remove_all(path, ec);
  for (fs::path p = path.parent_path(); p != root && p.has_relative_path(); p = p.parent_path()) {
    if (fs::is_regular_file(p, ec)) fs::remove(p, ec);
  }
}

// True when the file at `path` holds exactly the concatenation of `parts`.
bool SameContent(const fs::path& path, const std::vector<std::string_view>& parts) {
  size_t size = 0;
  for (std::string_view p : parts) size += p.size();
  std::error_code ec;
  if (fs::file_size(path, ec) != size || ec) return false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string buf;
  bool same = true;
  for (std::string_view p : parts) {
    buf.resize(p.size());
    size_t got = 0;
    while (got < p.size()) {
      const ssize_t n = ::read(fd, buf.data() + got, p.size() - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    if (got != p.size() || std::string_view(buf) != p) {
      same = false;
      break;
    }
  }
  ::close(fd);
  return same;
}

}  // namespace

StagedDirectory::StagedDirectory(fs::path target)
    : target_(std::move(target)), staging_(WithSuffix(target_, ".next")) {}

StagedDirectory::~StagedDirectory() = default;

Status StagedDirectory::Open() {
  if (target_.has_parent_path()) {
    PORTAL_RETURN_IF_ERROR(MakeDirectoriesWithMode(target_.parent_path(), kSiteModes.dir));
  }
  const fs::path lock = WithSuffix(target_, ".lock");
  PORTAL_RETURN_IF_ERROR(lock_.Acquire(
      lock, 0600,
      target_.string() + ": another run is publishing here (lock " + lock.string() + ")"));
  std::error_code ec;
  if (fs::exists(staging_, ec) && !fs::is_directory(staging_, ec)) fs::remove(staging_, ec);
  PORTAL_RETURN_IF_ERROR(MakeDirectoriesWithMode(staging_, kSiteModes.dir));
  // The back buffer becomes the live tree: its own mode too (also when a run made it 0700).
  if (::chmod(staging_.c_str(), kSiteModes.dir) != 0) {
    return Status::IoError(staging_.string() + ": cannot set its mode: " + std::strerror(errno));
  }
  return Status::Ok();
}

Status StagedDirectory::Write(const std::string& relative_path,
                              const std::vector<std::string_view>& parts) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    written_.insert(relative_path);
  }
  const fs::path path = staging_ / relative_path;
  // The back buffer usually holds this very file from two runs ago: leave it if unchanged.
  if (SameContent(path, parts)) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 07777) != kSiteModes.file &&
        ::chmod(path.c_str(), kSiteModes.file) != 0) {
      return Status::IoError(path.string() + ": cannot set its mode: " + std::strerror(errno));
    }
    return Status::Ok();
  }
  Status st = WriteFileParts(path, parts, kSiteModes);
  if (st.ok()) return st;
  ClearWay(staging_, path);
  return WriteFileParts(path, parts, kSiteModes);
}

Status StagedDirectory::RemoveUnwritten() {
  std::error_code ec;
  std::vector<fs::path> stale;
  std::vector<fs::path> dirs;
  for (auto it = fs::recursive_directory_iterator(staging_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      dirs.push_back(it->path());
    } else if (written_.count(fs::relative(it->path(), staging_).string()) == 0) {
      stale.push_back(it->path());
    }
  }
  if (ec) return Status::IoError(staging_.string() + ": " + ec.message());
  for (const auto& p : stale) fs::remove(p, ec);
  // Deepest first, so emptied parents go too; non-empty ones stay.
  for (auto d = dirs.rbegin(); d != dirs.rend(); ++d) {
    if (fs::is_empty(*d, ec)) fs::remove(*d, ec);
  }
  return Status::Ok();
}

Status StagedDirectory::Commit() {
  PORTAL_RETURN_IF_ERROR(RemoveUnwritten());
  PORTAL_RETURN_IF_ERROR(SyncFileSystem(staging_));
  std::error_code ec;
  if (!fs::exists(target_, ec)) {
    if (::rename(staging_.c_str(), target_.c_str()) != 0) {
      return Status::IoError(target_.string() + ": cannot publish: " + std::strerror(errno));
    }
    return Status::Ok();
  }
  if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) == 0) {
    return Status::Ok();  // The previous tree is now the back buffer.
  }
  if (errno != EINVAL && errno != ENOSYS) {
    return Status::IoError(target_.string() + ": cannot swap in: " + std::strerror(errno));
  }
  // Filesystems without RENAME_EXCHANGE: move the old tree aside, then the new one in. The
  // window between the two renames is the only moment without a tree at `target`.
  const fs::path old = WithSuffix(target_, ".old");
  fs::remove_all(old, ec);
  if (::rename(target_.c_str(), old.c_str()) != 0 ||
      ::rename(staging_.c_str(), target_.c_str()) != 0 ||
      ::rename(old.c_str(), staging_.c_str()) != 0) {
    return Status::IoError(target_.string() + ": cannot swap in: " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace portal
