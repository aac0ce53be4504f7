#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace portal {

struct MustacheTagRef {
  std::string name;
  int line = 0;
};

struct MustacheLintResult {
  std::vector<MustacheTagRef> partials;   // {{> name}}
  std::vector<MustacheTagRef> unescaped;  // {{{name}}} and {{& name}}
};

// Checks what mstch silently accepts: every tag terminated, every section closed by the
// matching name, in order, no stray closing tag, no empty name. Errors read
// "FILE:LINE: problem"; `line_offset` is added to line numbers.
Status LintMustache(std::string_view text, const std::string& file, int line_offset,
                    MustacheLintResult* out);

}  // namespace portal
