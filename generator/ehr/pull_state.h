#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/status.h"

namespace portal {

// What `portal-gen pull` keeps between runs (<state>/ehr/pull-state.json, 0600, replaced
// atomically), so a run killed at any point resumes or restarts without losing a night:
//   since    the committed _since: every change up to it is in the record store;
//   job      an export in flight (kicked off, not yet moved into the extracts folder);
//   moving   the files of a finished export being moved from staging (a journal: a rerun
//            finishes the moves before anything else);
//   pending  the moved files of the newest export and its transactionTime, which becomes
//            `since` only once the record store has read every one of them as it is.
// The status URL is the server's own; nothing here holds a record, a token or a query value
// of ours beyond it.
struct PullState {
  struct Job {
    std::string status_url;  // "" = none in flight.
    std::string since;       // The _since it was kicked off with ("" = everything).
  };
  struct File {
    std::string staged;  // Name in the staging folder ("0003.ndjson").
    std::string name;    // Name in the extracts folder.
    int64_t size = 0;    // As moved (pending only).
    int64_t mtime_ns = 0;
  };
  struct Export {
    std::string transaction_time;  // "" = none.
    std::vector<File> files;
  };
  std::string since;
  Job job;
  Export moving;
  Export pending;
};

// Reads `path`; a missing file is the empty state. A file that is not a state this program
// wrote is InvalidInput naming the file and field (the run stops; nothing is guessed).
Status LoadPullState(const std::filesystem::path& path, PullState* out);
// Replaces `path` atomically (fsynced).
Status SavePullState(const std::filesystem::path& path, const PullState& state);

}  // namespace portal
