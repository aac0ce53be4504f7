#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/status.h"

namespace portal {

struct NdjsonCounts {
  int64_t lines = 0;             // Resources (blank lines are not counted).
  int64_t bundle_deletions = 0;  // Bundle entries whose request.method is DELETE.
};

// Checks that the downloaded file at `path` is NDJSON whose every non-blank line is a JSON
// object with resourceType `type` (deleted[] files: "Bundle"), as the Bulk Data IG says, so no
// half or foreign file reaches the extracts folder. Errors name the line and what is wrong with
// it, never its content. Lines longer than 64 MiB are refused.
Status CheckNdjson(const std::filesystem::path& path, const std::string& type,
                   NdjsonCounts* counts);

}  // namespace portal
