#include "core/status.h"

namespace portal {

Status Status::WithPrefix(const std::string& prefix) const {
  if (ok()) return *this;
  return Status(code_, prefix + ": " + message_);
}

int Status::ExitCode() const {
  switch (code_) {
    case Code::kOk:
      return 0;
    case Code::kInvalidInput:
      return 1;
    case Code::kUsage:
      return 2;
    case Code::kIoError:
      return 3;
    case Code::kBusy:
      return 4;
  }
  return 3;
}

}  // namespace portal
