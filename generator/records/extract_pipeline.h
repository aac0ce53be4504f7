#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/status.h"
#include "generator/records/extract_reader.h"

namespace portal {

// Reads `paths` in order (ReadExtract) on a background thread, which parses, validates, minifies
// and hashes, while `sink` runs on the calling thread, so parsing and storing overlap. Items
// reach the sink in input order; at most a few thousand are in flight, so memory stays flat.
// Returns the first error ReadExtract returned (a path that cannot be read).
Status ReadExtractsInBackground(const std::vector<std::filesystem::path>& paths,
                                const ExtractOptions& options, ExtractSink* sink);

}  // namespace portal
