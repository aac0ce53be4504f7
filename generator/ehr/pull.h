#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/status.h"

namespace portal {

struct PullOptions {
  enum class From { kState, kSince, kFull };
  From from = From::kState;  // kState: what changed since the last export that was ingested.
  std::string since;         // With kSince: a FHIR instant.
  // Waits `seconds` (polling, backoff); empty: really sleeps. The seam tests shorten.
  std::function<void(int64_t seconds)> sleep;
  // Told as downloads advance (from any download thread, never two at once).
  struct Progress {
    std::string preparing;  // While the EHR prepares the export: its X-Progress ("" if none).
    bool downloading = false;
    size_t files_done = 0;
    size_t files_total = 0;
    uint64_t bytes = 0;
  };
  std::function<void(const Progress&)> progress;
};

// What one pull did, for the run report and the terminal: counts, types, the server's
// OperationOutcome words; never a URL's query, a token or a record value.
struct PullReport {
  std::string committed;         // The transactionTime that became `since` in this run ("": none).
  std::string since;             // The _since the export asked for ("" = everything).
  std::string transaction_time;  // The export's ("" when no export finished).
  size_t waiting_files = 0;      // Files of an earlier export the record store has not read yet.
  size_t files = 0;              // Moved into the extracts folder (output + deleted).
  uint64_t bytes = 0;            // Downloaded, all files (error files included).
  std::map<std::string, int64_t> resources;  // Lines of the moved files, by resource type.
  int64_t deletions = 0;                     // DELETE entries of the deleted[] Bundles.
  size_t error_files = 0;
  std::map<std::string, int64_t> error_issues;  // "severity/code" -> issues in error[] files.
  int64_t retries = 0;
  int64_t polls = 0;
  int64_t restarts = 0;         // Exports made again (the job or a file expired: 404/410).
  int64_t delete_failures = 0;  // DELETEs of a status URL the server did not take.
  int tokens = 0;               // Access tokens requested.
  std::string progress;         // The server's last X-Progress (printable ASCII).
  std::string ToJson() const;
  std::string Line() const;  // One line for the terminal.
};

// `portal-gen pull` without its lock (the caller holds the state directory's nightly lock):
// finishes what a killed run left (moves, then the export in flight), makes `since` the last
// export's transactionTime if the record store has read all its files, then exports what
// changed (Bulk Data IG v2, SMART Backend Services when [ehr] client_id is set), downloads every
// file into <extracts>/.ehr-staging/, checks each is NDJSON of its type, and moves them into the
// extracts folder named ehr-<transactionTime>-<NNNN>-<Type>.ndjson (deletions first), so the
// nightly ingest reads them in order. `since` moves only after ingest (CommitPulledExtracts).
Status Pull(const PortalConfig& config, const Clock& clock, const PullOptions& options,
            PullReport* report);

// Makes the last pulled export's transactionTime the committed `since` if the record store has
// read every one of its files as they are now; *committed is it ("" otherwise). The nightly run
// calls it after ingest.
Status CommitPulledExtracts(const PortalConfig& config, std::string* committed,
                            size_t* waiting_files);

// The extracts-folder name of file `index` of an export made at `transaction_time` (a FHIR
// instant): ehr-YYYYMMDDTHHMMSS.mmmZ-NNNN-Type.ndjson, in UTC, so names sort by export, then
// by order within it.
std::string PulledFileName(const std::string& transaction_time, size_t index,
                           const std::string& type);

}  // namespace portal
