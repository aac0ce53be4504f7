#pragma once

#include <filesystem>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/phase_clock.h"
#include "core/record_store.h"
#include "core/status.h"
#include "generator/records/ingest_report.h"

namespace portal {

// `portal-gen ingest`: reads the extracts into the record store under the config's state
// directory, in one transaction. Each patient's data is taken whole or not at all: a patient
// with any bad record keeps their previous state. A path that cannot be read stops the run with
// nothing changed. The run is recorded as finished at `clock`'s time when it ends.
Status Ingest(const PortalConfig& config, const std::vector<std::filesystem::path>& paths,
              const Clock& clock, IngestReport* report);

}  // namespace portal
