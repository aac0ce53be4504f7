#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace portal {

class Clock;
class CommandTable;

struct IngestCommandOptions {
  std::string config_path;
  std::vector<std::string> paths;
  bool json = false;
};

// `portal-gen ingest`: prints each problem (FILE:LINE: problem) on stderr, the counts (in all
// and by resource type) on stdout, as text or with --json as IngestReportJson; InvalidInput
// when any record failed, after everything good was stored.
Status RunIngestCommand(const IngestCommandOptions& options, const Clock& clock);

// Adds `ingest` (its options, then RunIngestCommand) to `table`; `clock` must outlive it.
void RegisterIngestCommand(CommandTable* table, const Clock& clock);

}  // namespace portal
