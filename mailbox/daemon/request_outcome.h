#pragma once

#include <string>

namespace portal {

// What happened to one request, for its log line: an outcome word ("queued", "not-verified")
// and the failing field's name — never a value from the request.
struct RequestOutcome {
  std::string what = "error";
  std::string field;
};

}  // namespace portal
