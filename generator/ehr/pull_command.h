#pragma once

#include <string>

#include "core/status.h"

namespace portal {

class Clock;
class CommandTable;

struct PullCommandOptions {
  std::string config_path;
  std::string since;  // --since INSTANT; empty: the committed one.
  bool full = false;  // --full: everything, whatever was pulled before.
  bool json = false;
};

// `portal-gen pull`: holds the state directory's nightly lock (Busy if a nightly run or another
// pull has it) and runs Pull; progress (files, bytes, rate) on a terminal, then the counts.
Status RunPullCommand(const PullCommandOptions& options, const Clock& clock);

// Adds `pull` to `table`; `clock` must outlive it.
void RegisterPullCommand(CommandTable* table, const Clock& clock);

}  // namespace portal
