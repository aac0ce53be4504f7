#include "core/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace portal {

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // Releases the flock.
}

Status FileLock::Acquire(const std::filesystem::path& path, unsigned mode,
                         const std::string& busy_message) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, mode);
  if (fd_ < 0) return Status::IoError(path.string() + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return Status::Busy(busy_message);
    return Status::IoError(path.string() + ": cannot lock: " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace portal
