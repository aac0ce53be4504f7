#include "generator/ehr/pull_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/command_output.h"
#include "core/command_table.h"
#include "core/config.h"
#include "core/file_lock.h"
#include "core/file_util.h"
#include "core/state_layout.h"
#include "generator/ehr/pull.h"

namespace portal {

namespace {

bool StderrIsTerminal() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDERR_FILENO) == 1 && (term == nullptr || std::strcmp(term, "dumb") != 0);
}

// "pull: 3/10 files, 12.3 MiB, 4.1 MiB/s", redrawn in place at most five times a second; before
// that, the server's X-Progress at each poll.
class ProgressLine {
 public:
  void Draw(const PullOptions::Progress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (!p.downloading) {
      // The server's own words, printable ASCII already (BulkClient), on one line.
      std::fprintf(stderr, "\r\033[Kpull: the EHR is preparing the export (%s)",
                   p.preparing.c_str());
      drawn_ = true;
      return;
    }
    if (!downloading_) {  // The rate is of the downloads, not of the wait before them.
      downloading_ = true;
      start_ = now;
    }
    if (p.files_done < p.files_total && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double mib = static_cast<double>(p.bytes) / (1 << 20);
    std::fprintf(stderr, "\r\033[Kpull: %zu/%zu files, %.1f MiB, %.1f MiB/s", p.files_done,
                 p.files_total, mib, seconds > 0 ? mib / seconds : 0.0);
    drawn_ = true;
  }
  void Clear() {
    if (drawn_) std::fputs("\r\033[K", stderr);
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_;
  bool drawn_ = false;
  bool downloading_ = false;
};

}  // namespace

Status RunPullCommand(const PullCommandOptions& options, const Clock& clock) {
  if (options.full && !options.since.empty()) {
    return Status::Usage("--full and --since cannot be given together");
  }
  PortalConfig config;
  PORTAL_RETURN_IF_ERROR(LoadConfig(options.config_path, &config));
  const StateLayout layout(config.paths.state_dir);
  PORTAL_RETURN_IF_ERROR(MakeDirectoriesWithMode(config.paths.state_dir, 0700));
  FileLock lock;
  PORTAL_RETURN_IF_ERROR(lock.Acquire(layout.nightly_lock, 0600,
                                      "a portal-gen nightly or pull is running on this state "
                                      "directory (" +
                                          layout.nightly_lock.string() +
                                          "); this run did nothing"));
  PullOptions o;
  if (options.full) o.from = PullOptions::From::kFull;
  if (!options.since.empty()) {
    o.from = PullOptions::From::kSince;
    o.since = options.since;
  }
  ProgressLine line;
  if (StderrIsTerminal()) o.progress = [&line](const PullOptions::Progress& p) { line.Draw(p); };
  PullReport report;
  const Status st = Pull(config, clock, o, &report);
  line.Clear();
  if (!report.committed.empty()) {
    std::fprintf(stderr, "portal-gen: pull: the export of %s is ingested: next pulls start there\n",
                 report.committed.c_str());
  }
  if (report.waiting_files > 0) {
    std::fprintf(stderr,
                 "portal-gen: pull: %zu files of the last export are not ingested yet; this "
                 "export starts from the last ingested one\n",
                 report.waiting_files);
  }
  if (!st.ok()) return st;
  PrintResult(options.json, nlohmann::ordered_json::parse(report.ToJson()),
              "pull: " + report.Line() +
                  "\npull: run portal-gen nightly (or ingest) to read them into the record store");
  return Status::Ok();
}

void RegisterPullCommand(CommandTable* table, const Clock& clock) {
  auto options = std::make_shared<PullCommandOptions>();
  CLI::App* cmd = table->Add(nullptr, "pull",
                             "Export what changed from the EHR (FHIR Bulk Data, [ehr] in the "
                             "config) into the extracts folder",
                             [table, options, &clock] {
                               options->config_path = table->config_path();
                               return RunPullCommand(*options, clock);
                             });
  cmd->add_option("--since", options->since,
                  "Export what changed since this FHIR instant instead of since the last "
                  "ingested export");
  cmd->add_flag("--full", options->full, "Export everything");
  cmd->add_flag("--json", options->json, "JSON output");
}

}  // namespace portal
