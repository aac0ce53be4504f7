#pragma once

#include <string>
#include <vector>

#include <mstch/mstch.hpp>

#include "core/config.h"
#include "core/staged_directory.h"
#include "core/status.h"
#include "core/templates/template_set.h"
#include "generator/site/app_config.h"
#include "generator/site/assets.h"

namespace portal {

// The page template of the app's shell (site_templates/app.mustache), required when it is built.
inline constexpr char kAppTemplate[] = "app";

// The patient app (issue 14) as the site build makes it: its files and the pages' inputs.
struct AppBuild {
  bool built = false;
  std::string note;          // One line for the site command: what was built, or why not.
  std::vector<Asset> files;  // The app's folder (with the signing key) and the vendor modules.
  std::vector<AppPage> pages;
  AppLinks links;
  std::string style_hash;  // Base64 SHA-256 of the summary template's first <style> text.
};

// Decides whether the app is built — templates_dir/app/ exists and the state holds the portal's
// signing key (portal-staff init makes it) — and if so loads and checks everything it is made of:
// the key (read without importing: exactly one usable public key), the summary's style (no
// Mustache tag in it), the app's folder, the vendor modules (npm ci), the pages' paths. Without
// the folder or the key the app is skipped (built = false, `note` says why), not an error.
Status LoadApp(const PortalConfig& config, AppBuild* app);

// Writes a built app's files and its three pages, rendered from kAppTemplate over the site's
// `base` context, into `out`; adds the number of files written to *files.
Status WriteApp(const PortalConfig& config, const TemplateSet& templates, const mstch::map& base,
                const AppBuild& app, StagedDirectory* out, size_t* files);

}  // namespace portal
