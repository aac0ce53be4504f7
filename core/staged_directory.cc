#include "core/staged_directory.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace portal {

namespace fs = std::filesystem;

namespace {

constexpr char kStagingInfix[] = ".staging.";

// Removes `<target>.staging.<pid>` directories whose process no longer exists.
void RemoveStaleStaging(const fs::path& target) {
  std::error_code ec;
  const fs::path parent = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const std::string prefix = target.filename().string() + kStagingInfix;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && pid != getpid() && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      fs::remove_all(entry.path(), ec);
    }
  }
}

Status SyncTree(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(dir.string() + ": " + std::strerror(errno));
  const int rc = ::syncfs(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) return Status::IoError(dir.string() + ": sync failed: " + std::strerror(saved));
  return Status::Ok();
}

}  // namespace

StagedDirectory::StagedDirectory(fs::path target) : target_(std::move(target)) {
  staging_ = target_;
  staging_ += kStagingInfix + std::to_string(getpid());
}

StagedDirectory::~StagedDirectory() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

Status StagedDirectory::Open() {
  std::error_code ec;
  if (target_.has_parent_path()) fs::create_directories(target_.parent_path(), ec);
  if (ec) return Status::IoError(target_.parent_path().string() + ": " + ec.message());
  RemoveStaleStaging(target_);
  fs::remove_all(staging_, ec);
  if (!fs::create_directory(staging_, ec) || ec) {
    return Status::IoError(staging_.string() + ": cannot create staging directory: " +
                           (ec ? ec.message() : std::string("already exists")));
  }
  return Status::Ok();
}

Status StagedDirectory::Commit() {
  PORTAL_RETURN_IF_ERROR(SyncTree(staging_));
  std::error_code ec;
  if (!fs::exists(target_, ec)) {
    if (::rename(staging_.c_str(), target_.c_str()) != 0) {
      return Status::IoError(target_.string() + ": cannot publish: " + std::strerror(errno));
    }
    committed_ = true;
    return Status::Ok();
  }
  if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) != 0) {
    // Filesystems without RENAME_EXCHANGE: move the old tree aside, then the new one in. The
    // window between the two renames is the only moment without a tree at `target`.
    if (errno != EINVAL && errno != ENOSYS) {
      return Status::IoError(target_.string() + ": cannot swap in: " + std::strerror(errno));
    }
    fs::path old = staging_;
    old += ".old";
    if (::rename(target_.c_str(), old.c_str()) != 0 ||
        ::rename(staging_.c_str(), target_.c_str()) != 0) {
      return Status::IoError(target_.string() + ": cannot swap in: " + std::strerror(errno));
    }
    fs::remove_all(old, ec);
    committed_ = true;
    return Status::Ok();
  }
  committed_ = true;
  fs::remove_all(staging_, ec);  // Now holds the previous tree.
  return Status::Ok();
}

}  // namespace portal
