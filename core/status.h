#pragma once

#include <string>
#include <utility>

namespace portal {

// The project's one error style (see docs/architecture.md): functions that can fail return a
// Status; values come back through out-parameters. Messages name the file, line, field or id
// a person needs and never carry PHI.
class [[nodiscard]] Status {
 public:
  enum class Code { kOk = 0, kInvalidInput, kIoError, kUsage, kBusy };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidInput(std::string msg) {
    return Status(Code::kInvalidInput, std::move(msg));
  }
  static Status IoError(std::string msg) { return Status(Code::kIoError, std::move(msg)); }
  static Status Usage(std::string msg) { return Status(Code::kUsage, std::move(msg)); }
  // Another run holds the lock on what this one would change.
  static Status Busy(std::string msg) { return Status(Code::kBusy, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "prefix: message" (e.g. a file name in front).
  Status WithPrefix(const std::string& prefix) const;

  // Process exit code for this status (documented in README.md): 0 ok, 1 invalid input,
  // 2 usage, 3 I/O or system failure, 4 another run holds the lock.
  int ExitCode() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace portal

// Returns early from the enclosing function when `expr` yields a failed Status.
#define PORTAL_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::portal::Status portal_status_ = (expr);        \
    if (!portal_status_.ok()) return portal_status_; \
  } while (0)
