#include "core/file_util.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace portal {

namespace fs = std::filesystem;

Status ReadFile(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path.string() + ": cannot open: " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::IoError(path.string() + ": read failed");
  *out = std::move(buf).str();
  return Status::Ok();
}

Status WriteFile(const fs::path& path, std::string_view data) {
  return WriteFileParts(path, {data});
}

namespace {

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error a delayed write may surface at close.
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// Writes every byte of `parts` to `fd` with as few system calls as it takes.
bool WriteAllParts(int fd, const std::vector<std::string_view>& parts) {
  std::vector<iovec> iov;
  for (std::string_view p : parts) {
    if (!p.empty()) iov.push_back({const_cast<char*>(p.data()), p.size()});
  }
  size_t first = 0;
  while (first < iov.size()) {
    const int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    ssize_t n = ::writev(fd, iov.data() + first, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    while (n > 0 && first < iov.size()) {
      const size_t take = std::min<size_t>(static_cast<size_t>(n), iov[first].iov_len);
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + take;
      iov[first].iov_len -= take;
      n -= static_cast<ssize_t>(take);
      if (iov[first].iov_len == 0) ++first;
    }
  }
  return true;
}

Status SyncDirectory(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
    return Status::IoError(dir.string() + ": cannot sync folder: " + std::strerror(errno));
  }
  return Status::Ok();
}

// With `exact`, each folder made gets `mode` itself (chmod: the umask does not narrow it).
Status MakeDirectories(const fs::path& dir, unsigned mode, bool exact) {
  if (dir.empty()) return Status::Ok();
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return Status::Ok();
  PORTAL_RETURN_IF_ERROR(MakeDirectories(dir.parent_path(), mode, exact));
  if (::mkdir(dir.c_str(), mode) != 0) {
    if (errno == EEXIST) return Status::Ok();  // Made meanwhile by another writer: theirs.
    return Status::IoError(dir.string() + ": cannot create: " + std::strerror(errno));
  }
  if (exact && ::chmod(dir.c_str(), mode) != 0) {
    return Status::IoError(dir.string() + ": cannot set its mode: " + std::strerror(errno));
  }
  return Status::Ok();
}

// WriteFileAtomically's work; with `modes`, folders made and the file get exactly those modes.
Status WriteAtomically(const fs::path& path, std::string_view data, unsigned dir_mode,
                       const PublicModes* modes, const fs::path& temp_dir, DirSync dir_sync) {
  const fs::path dir = path.parent_path();
  PORTAL_RETURN_IF_ERROR(MakeDirectories(dir, dir_mode, /*exact=*/modes != nullptr));
  // A temporary name unique to this process and call; a writer killed here leaves a ".tmp-"
  // file behind (in `temp_dir` when given, for its owner to empty).
  static std::atomic<unsigned long> counter{0};
  const fs::path tmp = (temp_dir.empty() ? dir : temp_dir) /
                       (".tmp-" + std::to_string(::getpid()) + "-" +
                        std::to_string(counter.fetch_add(1)) + "-" + path.filename().string());
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
      return Status::IoError(tmp.string() + ": cannot create: " + std::strerror(errno));
    }
    if ((modes != nullptr && ::fchmod(fd.get(), modes->file) != 0) ||
        !WriteAllParts(fd.get(), {data}) || ::fsync(fd.get()) != 0 || fd.Close() != 0) {
      const Status st = Status::IoError(tmp.string() + ": write failed: " + std::strerror(errno));
      ::unlink(tmp.c_str());
      return st;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const Status st =
        Status::IoError(path.string() + ": cannot rename into place: " + std::strerror(errno));
    ::unlink(tmp.c_str());
    return st;
  }
  if (dir_sync == DirSync::kLater) return Status::Ok();
  return SyncDirectory(dir);  // The new name; the temporary's removal need not be durable.
}

// WriteFileParts' work; with `modes`, folders and file get exactly those modes.
Status WritePartsTo(const fs::path& path, const std::vector<std::string_view>& parts,
                    const PublicModes* modes) {
  constexpr int kFlags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  const unsigned file_mode = modes != nullptr ? modes->file : 0644;
  int fd = ::open(path.c_str(), kFlags, file_mode);
  if (fd < 0 && errno == ENOENT && path.has_parent_path()) {
    if (modes != nullptr) {
      PORTAL_RETURN_IF_ERROR(MakeDirectories(path.parent_path(), modes->dir, /*exact=*/true));
    } else {
      std::error_code ec;
      fs::create_directories(path.parent_path(), ec);
      if (ec) return Status::IoError(path.parent_path().string() + ": " + ec.message());
    }
    fd = ::open(path.c_str(), kFlags, file_mode);
  }
  if (fd < 0) return Status::IoError(path.string() + ": cannot create: " + std::strerror(errno));
  Fd file(fd);
  if (modes != nullptr && ::fchmod(file.get(), modes->file) != 0) {
    return Status::IoError(path.string() + ": cannot set its mode: " + std::strerror(errno));
  }
  if (!WriteAllParts(file.get(), parts) || file.Close() != 0) {
    return Status::IoError(path.string() + ": write failed: " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

Status WriteFileParts(const fs::path& path, const std::vector<std::string_view>& parts) {
  return WritePartsTo(path, parts, nullptr);
}

Status WriteFileParts(const fs::path& path, const std::vector<std::string_view>& parts,
                      PublicModes modes) {
  return WritePartsTo(path, parts, &modes);
}

Status WriteNewFile(const fs::path& path, std::string_view data, unsigned mode) {
  Fd file(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
  if (file.get() < 0) {
    const int err = errno;
    if (err == EEXIST) return Status::InvalidInput(path.string() + ": exists already");
    return Status::IoError(path.string() + ": cannot create: " + std::strerror(err));
  }
  const bool written = WriteAllParts(file.get(), {data}) && ::fsync(file.get()) == 0;
  if (file.Close() != 0 || !written) {
    const int err = errno;
    ::unlink(path.c_str());  // Ours (O_EXCL made it): no half file stays behind.
    return Status::IoError(path.string() + ": write failed: " + std::strerror(err));
  }
  return Status::Ok();
}

Status ListFiles(const fs::path& dir, std::string_view suffix, std::vector<fs::path>* out) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return Status::IoError(dir.string() + ": " + ec.message());
  out->clear();
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.size() < suffix.size() || name.starts_with(".")) continue;
    if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out->push_back(entry.path());
    }
  }
  std::sort(out->begin(), out->end());
  return Status::Ok();
}

Status WriteFileAtomically(const fs::path& path, std::string_view data, unsigned dir_mode,
                           const fs::path& temp_dir, DirSync dir_sync) {
  return WriteAtomically(path, data, dir_mode, nullptr, temp_dir, dir_sync);
}

Status PublishFileAtomically(const fs::path& path, std::string_view data, PublicModes modes,
                             const fs::path& temp_dir, DirSync dir_sync) {
  return WriteAtomically(path, data, modes.dir, &modes, temp_dir, dir_sync);
}

Status MakeDirectoriesWithMode(const fs::path& dir, unsigned mode) {
  return MakeDirectories(dir, mode, /*exact=*/true);
}

Status SyncFileSystem(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::syncfs(fd.get()) != 0) {
    return Status::IoError(dir.string() + ": sync failed: " + std::strerror(errno));
  }
  return Status::Ok();
}

Status RemoveFileDurably(const fs::path& path) {
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status::IoError(path.string() + ": cannot remove: " + std::strerror(errno));
  }
  return SyncDirectory(path.parent_path());
}

}  // namespace portal
