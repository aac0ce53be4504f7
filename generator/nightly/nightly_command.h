#pragma once

#include <string>

#include "core/status.h"

namespace portal {

class Clock;
class CommandTable;

struct NightlyCommandOptions {
  std::string config_path;
  std::string output_dir;  // Empty: the config's site and summaries folders.
  std::string as_of;       // Empty: now.
  std::string shard;       // "K/N" (0 <= K < N); empty: all patients.
  bool full = false;
  int jobs = 0;  // 0: one per core.
};

// `portal-gen nightly`: runs the main job, writes the run report (JSON) under the state
// directory's reports/ and a human summary on stderr.
Status RunNightlyCommand(const NightlyCommandOptions& options, const Clock& clock);

// Adds `nightly` (its options, then RunNightlyCommand) to `table`; `clock` must outlive it.
void RegisterNightlyCommand(CommandTable* table, const Clock& clock);

}  // namespace portal
