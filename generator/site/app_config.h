#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "generator/site/app_files.h"

namespace portal {

// One of the app's three pages (the same shell, started on a different screen).
struct AppPage {
  std::string start;    // The page config's "start": "sign-in", "register" or "recover".
  std::string heading;  // For the title: "Sign in", "Register", "Reset your password".
  std::string file;     // In the site: "account/index.html".
  std::string url;      // Its address's path: "/portal-help/account/".
};

// The pages at app.sign_in_path, accounts.register_path and accounts.recover_path below the
// site (a path ending in '/' or without an extension is a folder with index.html; one with an
// extension must end in .html). An error if two are one file or one is a file the site itself
// writes.
Status AppPages(const PortalConfig& config, std::vector<AppPage>* pages);

// What the page config points at besides the config's own facts.
struct AppLinks {
  std::string app_folder;  // "assets/app-0123456789/" (site-relative).
  VendorFolders vendor;
  std::string signing_fingerprint;  // 40 upper-case hex.
};

// The page config (issue 14's design, "The page config") of the page started on `start`, as
// compact JSON for the shell's data-config attribute (mustache escapes it there).
std::string AppPageConfig(const PortalConfig& config, const std::vector<AppPage>& pages,
                          const AppLinks& links, std::string_view start);

// The app pages' meta Content-Security-Policy: no inline script, styles from the site and the
// summary's one style element (by `style_hash`, base64 SHA-256), the one Trusted Types policy.
std::string AppContentSecurityPolicy(std::string_view style_hash);

}  // namespace portal
