#pragma once

#include <filesystem>
#include <string>

#include "core/config.h"
#include "core/phase_clock.h"
#include "core/status.h"

namespace portal {

struct SiteReport {
  size_t questions = 0;
  size_t files = 0;  // Every file written, assets included.
  std::string app;   // One line: the patient app's pages built, or why not (app_pages.h).
  PhaseClock clock;  // load, pages, lists, publish.
};

// Renders the public FAQ site from the config's content and templates into `output_dir`:
// built in a staging folder on `jobs` threads and swapped in only when every page rendered, so
// on any error the previous site is untouched.
Status BuildSite(const PortalConfig& config, const std::filesystem::path& output_dir, int jobs,
                 SiteReport* report);

}  // namespace portal
