#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <mstch/mstch.hpp>

#include "core/status.h"

namespace portal {

// Makes mstch escape values with HtmlEscape. Call once before worker threads start.
void InstallMstchEscape();

// The site's Mustache templates: DIR/*.mustache are page templates, DIR/partials/*.mustache
// partials. Holds text only, so one set serves every thread.
class TemplateSet {
 public:
  // Loads and lints every template, and checks that each name in `required` exists and each
  // partial a template uses exists. Errors name the file and line.
  static Status Load(const std::filesystem::path& dir, const std::vector<std::string>& required,
                     TemplateSet* out);

  // Renders page template `name` (which Load checked exists) with `context`.
  std::string Render(const std::string& name, const mstch::node& context) const;

 private:
  std::map<std::string, std::string> templates_;
  std::map<std::string, std::string> partials_;
};

}  // namespace portal
