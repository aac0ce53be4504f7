#pragma once

#include "core/clock.h"
#include "core/config.h"
#include "core/state_layout.h"
#include "core/status.h"
#include "generator/nightly/nightly_report.h"
#include "generator/nightly/nightly_sink.h"

namespace portal {

// The ingest phase: one ingest run (stamped by `clock`) for each of the extract folder's
// .ndjson/.json files that no earlier run read as it is now, in name order. Record problems go
// to `sink` (at most 200), the counts to `report`, then one line for the phase.
Status IngestNewExtracts(const PortalConfig& config, const StateLayout& layout, const Clock& clock,
                         NightlySink* sink, NightlyReport* report);

}  // namespace portal
