#include "generator/nightly/nightly_command.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <regex>

#include "core/clock.h"
#include "core/command_table.h"
#include "core/config.h"
#include "core/fhir_time.h"
#include "core/file_util.h"
#include "core/parallel.h"
#include "core/parse_number.h"
#include "generator/nightly/nightly.h"
#include "generator/nightly/progress.h"

namespace portal {

namespace {

// 20261126T021500Z: the run's start as it appears in report file names.
std::string FileStamp(int64_t t) {
  std::string stamp = FormatInstant(t);
  stamp.erase(
      std::remove_if(stamp.begin(), stamp.end(), [](char c) { return c == '-' || c == ':'; }),
      stamp.end());
  return stamp;
}

Status ParseShard(const std::string& text, int* shard, int* count) {
  std::smatch m;
  static const std::regex kShard("([0-9]{1,4})/([0-9]{1,4})");
  int k = 0, n = 0;
  if (!std::regex_match(text, m, kShard) || !ParseInt(m[1].str(), &k) ||
      !ParseInt(m[2].str(), &n) || n < 1 || k >= n) {
    return Status::Usage("--shard must be K/N with 0 <= K < N (e.g. 0/4 ... 3/4)");
  }
  *shard = k;
  *count = n;
  return Status::Ok();
}

// Prints what the run tells on stderr, one "portal-gen: " line each; the summaries' progress as
// a bar redrawn in place on a terminal.
class StderrSink : public NightlySink {
 public:
  void Phase(const std::string& phase, const std::string& line) override {
    std::fprintf(stderr, "portal-gen: %s: %s\n", phase.c_str(), line.c_str());
  }
  void Problem(const std::string& problem) override {
    std::fprintf(stderr, "portal-gen: %s\n", problem.c_str());
  }
  void Failure(const std::string&) override {}  // Listed in the run report, not on stderr.
  void ProgressStart(const std::string& label, size_t total) override {
    progress_ = std::make_unique<Progress>(label, total, Progress::StderrIsTerminal());
  }
  void ProgressAdd(size_t n) override { progress_->Add(n); }
  void ProgressFinish() override {
    progress_->Finish();
    progress_.reset();
  }

 private:
  std::unique_ptr<Progress> progress_;
};

// The run's options from the command line's; `now` is the default --as-of.
Status RunOptions(const NightlyCommandOptions& options, const PortalConfig& config, int64_t now,
                  NightlyOptions* o) {
  o->as_of = now;
  if (!options.as_of.empty() && !ParseFhirInstant(options.as_of, &o->as_of)) {
    return Status::Usage("--as-of must be a FHIR instant such as 2025-06-01T00:00:00Z");
  }
  if (!options.shard.empty())
    PORTAL_RETURN_IF_ERROR(ParseShard(options.shard, &o->shard, &o->shard_count));
  o->full = options.full;
  o->jobs = options.jobs > 0 ? options.jobs : DefaultJobs();
  if (options.output_dir.empty()) {
    o->site_dir = config.paths.site_output_dir;
    o->summaries_dir = config.paths.summaries_output_dir;
  } else {
    o->site_dir = std::filesystem::path(options.output_dir) / "site";
    o->summaries_dir = std::filesystem::path(options.output_dir) / "patients";
  }
  return Status::Ok();
}

// Writes the run report under the state directory's reports/ and the human summary on stderr;
// returns the run's status, or the write's failure if the run succeeded.
Status WriteReport(const PortalConfig& config, const NightlyOptions& o, int64_t started,
                   const NightlyReport& report, const Status& status) {
  const std::filesystem::path file =
      config.paths.state_dir / "reports" /
      ("nightly-" + FileStamp(started) +
       (o.shard_count > 1
            ? "-shard-" + std::to_string(o.shard) + "-of-" + std::to_string(o.shard_count)
            : "") +
       ".json");
  std::error_code ec;
  if (std::filesystem::is_directory(config.paths.state_dir, ec)) {
    const Status written = WriteFileAtomically(file, report.ToJson(), 0700);
    std::fputs(report.HumanSummary().c_str(), stderr);
    if (written.ok()) std::fprintf(stderr, "nightly: report: %s\n", file.c_str());
    if (status.ok() && !written.ok()) return written;
  }
  return status;
}

}  // namespace

Status RunNightlyCommand(const NightlyCommandOptions& options, const Clock& clock) {
  PortalConfig config;
  PORTAL_RETURN_IF_ERROR(LoadConfig(options.config_path, &config));
  const int64_t now = clock.Now();
  NightlyOptions o;
  PORTAL_RETURN_IF_ERROR(RunOptions(options, config, now, &o));
  StderrSink sink;
  NightlyReport report;
  report.started = FormatInstant(now);
  report.as_of = FormatInstant(o.as_of);
  report.shard = o.shard;
  report.shard_count = o.shard_count;
  report.jobs = o.jobs;
  report.full = o.full;
  const Status status = RunNightly(config, o, clock, &sink, &report);
  struct rusage usage {};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) report.peak_rss_mib = usage.ru_maxrss / 1024;
  if (status.code() == Status::Code::kBusy) return status;  // Nothing ran: no report.
  // The report is written even when the run stopped early, so operators see how far it got.
  return WriteReport(config, o, now, report, status);
}

void RegisterNightlyCommand(CommandTable* table, const Clock& clock) {
  auto options = std::make_shared<NightlyCommandOptions>();
  CLI::App* cmd =
      table->Add(nullptr, "nightly",
                 "The main job: ingest new extracts, render the site, publish encrypted summaries",
                 [table, options, &clock] {
                   options->config_path = table->config_path();
                   return RunNightlyCommand(*options, clock);
                 });
  cmd->add_option("--output", options->output_dir,
                  "Output root: DIR/site and DIR/patients (default: the config's "
                  "paths.site_output_dir and paths.summaries_output_dir)");
  cmd->add_option("--as-of", options->as_of, "Instant the rules apply at (default now)");
  cmd->add_flag("--full", options->full,
                "Make and encrypt every summary again, whatever the render state says");
  cmd->add_option("--jobs", options->jobs, "Worker threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--shard", options->shard,
                  "K/N: take only the patients of slice K (0-based) of N; slice 0 also "
                  "renders the site");
}

}  // namespace portal
