#pragma once

#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "core/status.h"

namespace portal {

struct FrontMatterDocument {
  toml::table front_matter;
  std::string body;
  int front_matter_line = 2;  // Line of the first TOML line (for error messages).
  int body_line = 1;          // Line of the first body line.
};

// Splits a content file of the form "+++\n<TOML>\n+++\n<Markdown>" and parses the TOML.
// Errors name `file` and the line.
Status ParseFrontMatter(std::string_view text, const std::string& file, FrontMatterDocument* out);

}  // namespace portal
