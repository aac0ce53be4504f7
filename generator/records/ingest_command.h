#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace portal {

class CommandTable;

struct IngestCommandOptions {
  std::string config_path;
  std::vector<std::string> paths;
};

// `portal-gen ingest`: prints each problem (FILE:LINE: problem) on stderr, the counts on
// stdout; InvalidInput when any record failed, after everything good was stored.
Status RunIngestCommand(const IngestCommandOptions& options);

// Adds `ingest` (its options, then RunIngestCommand) to `table`.
void RegisterIngestCommand(CommandTable* table);

}  // namespace portal
