#pragma once

#include <cstdint>

#include "core/clock.h"
#include "core/config.h"
#include "core/state_layout.h"
#include "core/status.h"
#include "generator/nightly/nightly_report.h"
#include "generator/nightly/nightly_sink.h"

namespace portal {

// The directory phase (shard 0 only), right after ingest: writes the patient directory
// (core/patient_directory.h) the mailbox daemon reads — every patient with an MRN, their
// standing at `as_of` and the hashes of their current e-mail addresses — when it is missing or
// unreadable, the record store has a newer ingest run than it was built from, the hospital's
// local date of `as_of` is another than it was built for, or `full`; otherwise leaves it as it
// is. `clock` stamps built_at. One line to `sink`, the counts to `report`.
Status UpdatePatientDirectory(const PortalConfig& config, const StateLayout& layout, int64_t as_of,
                              bool full, const Clock& clock, NightlySink* sink,
                              NightlyReport* report);

// At the end of a run that published everything it could (shard 0): the directory's
// last_nightly_at, which the daemon gives patients as the time of the last nightly run.
Status MarkNightlyFinished(const StateLayout& layout, const Clock& clock);

}  // namespace portal
