#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace portal {

// The audit trail's anchor outside the state directory ([staff] audit_anchor): one line
// "<seq> <hash>\n" per entry, appended (O_APPEND) and fsynced as the entry is written, so a
// trail rewritten or cut short inside var/ no longer matches it. An flock on the file keeps
// appends and `audit verify` apart: while verify holds it, no entry is between its commit and its
// line. Opened once per command; the file descriptor is closed with the object.
class AuditAnchor {
 public:
  struct Line {
    int64_t seq = 0;
    std::string hash;
  };

  ~AuditAnchor();
  AuditAnchor(const AuditAnchor&) = delete;
  AuditAnchor& operator=(const AuditAnchor&) = delete;

  // Opens `path` (created 0600 if missing). InvalidInput naming [staff] audit_anchor when it is
  // not absolute or lies inside `state_dir` (whoever can rewrite var/ could rewrite it too),
  // symbolic links resolved.
  static Status Open(const std::filesystem::path& path, const std::filesystem::path& state_dir,
                     std::unique_ptr<AuditAnchor>* out);

  const std::filesystem::path& path() const { return path_; }

  // Holds the file's lock (exclusive for appending, shared for reading) until Unlock().
  Status Lock(bool exclusive);
  void Unlock();

  // Appends one line and fsyncs it.
  Status Append(int64_t seq, const std::string& hash);

  // Every line, in file order. InvalidInput naming the line number for a line that is not
  // "<seq> <64 lower-case hex>".
  Status Read(std::vector<Line>* lines);

 private:
  AuditAnchor(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::filesystem::path path_;
};

// The anchor's lock for one scope (no-op without an anchor).
class AnchorLock {
 public:
  AnchorLock(AuditAnchor* anchor) : anchor_(anchor) {}
  ~AnchorLock() {
    if (anchor_ != nullptr && held_) anchor_->Unlock();
  }
  AnchorLock(const AnchorLock&) = delete;
  AnchorLock& operator=(const AnchorLock&) = delete;
  Status Take(bool exclusive) {
    if (anchor_ == nullptr) return Status::Ok();
    PORTAL_RETURN_IF_ERROR(anchor_->Lock(exclusive));
    held_ = true;
    return Status::Ok();
  }

 private:
  AuditAnchor* anchor_;
  bool held_ = false;
};

// One syslog(3) line per entry, LOG_AUTHPRIV | LOG_INFO: "portal-audit seq=N hash=H" (no PHI,
// no user), so journald keeps a copy of the head that nobody writing var/ or the anchor file can
// take back.
void SyslogAuditHead(int64_t seq, const std::string& hash);

}  // namespace portal
