#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "generator/site/assets.h"

namespace portal {

// The name the portal's public signing key has in the app's folder (the app fetches it there).
inline constexpr char kAppSigningKeyName[] = "portal-signing-key.asc";

// True for a relative path the site may serve under a versioned asset folder: '/'-separated
// parts, each of letters, digits, '_', '-' and '.', not starting with '.' (the pattern nginx's
// asset location matches, so nothing the build writes is unreachable, and no "..").
bool IsSafeAssetPath(std::string_view path);

// Every file under `source` (recursively, sorted by relative path) and the signing key's bytes
// as kAppSigningKeyName, placed in "assets/app-<first 10 hex of SHA-256 over each relative
// path, a NUL and its bytes, in that order>/": any change to any file gives a new folder, so
// the folder is versioned and the names stay fixed. *folder is that folder with a final '/'.
// A name that is not IsSafeAssetPath, or anything but files and folders, is an error naming it.
Status LoadAppFolder(const std::filesystem::path& source, std::string_view signing_key,
                     std::vector<Asset>* files, std::string* folder);

// The third-party modules the app loads, copied from an npm install (`vendor`/node_modules,
// made by `npm ci` in `vendor`, whose package.json pins each version): OpenPGP.js's lightweight
// build into assets/openpgp-<version>/ (it loads its chunks by fixed relative names) and the
// argon2id package's files into assets/argon2id-<version>/lib/ and dist/, each with its LICENSE.
struct VendorFolders {
  std::string openpgp;   // "assets/openpgp-6.3.2/"
  std::string argon2id;  // "assets/argon2id-1.0.1/"
};
Status LoadVendorFiles(const std::filesystem::path& vendor, std::vector<Asset>* files,
                       VendorFolders* folders);

}  // namespace portal
