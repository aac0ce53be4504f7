#pragma once

#include <cstdint>
#include <filesystem>

#include "core/clock.h"
#include "core/config.h"
#include "core/status.h"
#include "generator/nightly/nightly_report.h"
#include "generator/nightly/nightly_sink.h"

namespace portal {

struct NightlyOptions {
  std::filesystem::path site_dir;       // Where the FAQ site is published.
  std::filesystem::path summaries_dir;  // Where the patients' folders are.
  int64_t as_of = 0;                    // The instant the release rules apply at.
  bool full = false;                    // Ignore the render state: make every summary again.
  int jobs = 1;
  int shard = 0;        // This run takes the patients whose token falls in shard `shard` of
  int shard_count = 1;  // `shard_count`; only shard 0 renders the site.
  std::filesystem::path gpg_worker;  // The signing helper; empty: GpgWorkerProgram().
};

// The main job: ingest the extract files that are new or changed, render the site, then make,
// encrypt and publish every enrolled, eligible patient's summary whose inputs changed (records,
// keys, templates/config/program, or its valid-until passed), and remove what must no longer be
// published. Holds the state directory's nightly lock for the whole run (Busy if taken).
// Returns InvalidInput after finishing everything else when records or patients failed.
// `clock` stamps the ingest runs; the release rules apply at options.as_of. Its phases,
// problems and progress go to `sink` as it goes; what it did, to `report`.
Status RunNightly(const PortalConfig& config, const NightlyOptions& options, const Clock& clock,
                  NightlySink* sink, NightlyReport* report);

}  // namespace portal
