#include "mailbox/staff/audit_anchor.h"

#include <fcntl.h>
#include <sys/file.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/parse_number.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

std::string Errno(const fs::path& path, const char* what) {
  return path.string() + ": " + what + ": " + std::strerror(errno);
}

// True when `inner` is `outer` or lies below it (both resolved, symbolic links followed).
bool Inside(const fs::path& inner, const fs::path& outer) {
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(inner, ec);
  const fs::path b = fs::weakly_canonical(outer, ec);
  const fs::path rel = a.lexically_relative(b);
  return !rel.empty() && *rel.begin() != "..";
}

bool ParseLine(std::string_view text, AuditAnchor::Line* line) {
  const size_t space = text.find(' ');
  if (space == 0 || space == std::string_view::npos || space > 18 || text.size() != space + 65) {
    return false;
  }
  const std::string_view digits = text.substr(0, space);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      !ParseInt64(digits, &line->seq)) {
    return false;
  }
  line->hash = std::string(text.substr(space + 1));
  return std::all_of(line->hash.begin(), line->hash.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

AuditAnchor::~AuditAnchor() { ::close(fd_); }

Status AuditAnchor::Open(const fs::path& path, const fs::path& state_dir,
                         std::unique_ptr<AuditAnchor>* out) {
  if (!path.is_absolute()) {
    return Status::InvalidInput("[staff] audit_anchor must be an absolute path");
  }
  if (Inside(path, state_dir)) {
    return Status::InvalidInput(
        "[staff] audit_anchor " + path.string() + " is inside paths.state_dir (" +
        state_dir.string() +
        "): whoever can rewrite the trail could rewrite it too; put it elsewhere (e.g. "
        "/var/log/portal/audit.anchor)");
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError(Errno(path, "cannot open the audit anchor"));
  out->reset(new AuditAnchor(fd, path));
  return Status::Ok();
}

Status AuditAnchor::Lock(bool exclusive) {
  while (::flock(fd_, exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno != EINTR) return Status::IoError(Errno(path_, "cannot lock the audit anchor"));
  }
  return Status::Ok();
}

void AuditAnchor::Unlock() { ::flock(fd_, LOCK_UN); }

Status AuditAnchor::Append(int64_t seq, const std::string& hash) {
  const std::string line = std::to_string(seq) + " " + hash + "\n";
  // One write(2) of a short line with O_APPEND: never interleaved with another appender's.
  const ssize_t n = ::write(fd_, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    return Status::IoError(Errno(path_, "cannot append to the audit anchor"));
  }
  if (::fsync(fd_) != 0) return Status::IoError(Errno(path_, "cannot sync the audit anchor"));
  return Status::Ok();
}

Status AuditAnchor::Read(std::vector<Line>* lines) {
  lines->clear();
  std::string text;
  char buf[8192];
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(fd_, buf, sizeof buf, at);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(Errno(path_, "cannot read the audit anchor"));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    at += n;
  }
  size_t start = 0;
  for (int64_t number = 1; start < text.size(); ++number) {
    const size_t end = text.find('\n', start);
    Line line;
    if (end == std::string::npos ||
        !ParseLine(std::string_view(text).substr(start, end - start), &line)) {
      return Status::InvalidInput("the audit anchor " + path_.string() + ": line " +
                                  std::to_string(number) + " is not \"<seq> <hash>\"");
    }
    lines->push_back(std::move(line));
    start = end + 1;
  }
  return Status::Ok();
}

void SyslogAuditHead(int64_t seq, const std::string& hash) {
  ::syslog(LOG_AUTHPRIV | LOG_INFO, "portal-audit seq=%lld hash=%s", static_cast<long long>(seq),
           hash.c_str());
}

}  // namespace portal
