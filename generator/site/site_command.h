#pragma once

#include <string>

#include "core/status.h"

namespace portal {

class CommandTable;

struct SiteCommandOptions {
  std::string config_path;
  std::string output_dir;  // Empty: the config's paths.site_output_dir.
  std::string base_url;    // Empty: the config's site.base_url (e.g. for a local preview).
  int jobs = 0;            // 0: one per core.
};

// `portal-gen site`: loads the config and renders the public FAQ site. Prints one summary line
// to stdout on success.
Status RunSiteCommand(const SiteCommandOptions& options);

// Adds `site` (its options, then RunSiteCommand) to `table`.
void RegisterSiteCommand(CommandTable* table);

}  // namespace portal
