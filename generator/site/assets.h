#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace portal {

struct Asset {
  std::string path;  // Site-relative: "assets/site.0123456789.css".
  std::string data;
};

// "name.ext" -> "name.<first 10 hex digits of SHA-256(data)>.ext".
std::string FingerprintName(const std::string& filename, std::string_view data);

// Reads every file in `dir` and gives it a fingerprinted site path under "assets/". `urls`
// maps the original file name to that path.
Status LoadAssets(const std::filesystem::path& dir, std::vector<Asset>* assets,
                  std::map<std::string, std::string>* urls);

}  // namespace portal
