// portal-gen: the batch generator. Thin: parse arguments, call one command.
#include "core/cli_main.h"

#include <cstdio>

#include "generator/nightly/nightly_command.h"
#include "generator/records/ingest_command.h"
#include "generator/site/site_command.h"
#include "generator/summaries/summary_commands.h"

namespace {

constexpr char kProgram[] = "portal-gen";
constexpr char kExitCodes[] =
    "Exit codes: 0 success, 1 invalid input (config, content, templates, records), 2 usage\n"
    "error,"
    " 3 I/O or system failure, 4 another run holds the lock (site: the same output folder;\n"
    "nightly: the same state directory).";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"portal-gen — the Patient Portal batch generator.", "portal-gen"};
  portal::DescribeProgram(&app, kProgram, kExitCodes);
  app.require_subcommand(1);

  std::string config_path = "content/portal.toml";
  // --config is accepted before or after the subcommand.
  auto add_config = [&](CLI::App* cmd) {
    cmd->add_option("--config", config_path, "Config file (default content/portal.toml)");
  };
  add_config(&app);

  portal::SiteCommandOptions site;

  CLI::App* site_cmd = app.add_subcommand("site", "Render the public FAQ site");
  site_cmd->add_option("--output", site.output_dir,
                       "Site folder (default: paths.site_output_dir of the config)");
  site_cmd->add_option("--base-url", site.base_url,
                       "Site address instead of site.base_url (e.g. http://127.0.0.1:8000/ to "
                       "preview locally)");
  site_cmd->add_option("--jobs", site.jobs, "Worker threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  add_config(site_cmd);

  portal::IngestCommandOptions ingest;
  CLI::App* ingest_cmd =
      app.add_subcommand("ingest", "Read FHIR R4 record extracts into the record store");
  ingest_cmd->add_option("paths", ingest.paths, "Bundle .json, Bulk Data .ndjson, or folders")
      ->required();
  add_config(ingest_cmd);

  portal::SummaryCommandOptions summary;
  CLI::App* preview_cmd =
      app.add_subcommand("preview", "Print one patient's plaintext summary (staff checks)");
  preview_cmd->add_option("--mrn", summary.mrn, "The patient's medical record number")->required();
  preview_cmd->add_option("--as-of", summary.as_of, "Instant the rules apply at (default now)");
  add_config(preview_cmd);
  CLI::App* summaries_cmd = app.add_subcommand(
      "summaries", "Write every eligible patient's plaintext summary (tests, local checks)");
  summaries_cmd
      ->add_option("--plaintext-dir", summary.plaintext_dir,
                   "Folder for the plaintext pages; required, as a deliberate choice")
      ->required();
  summaries_cmd->add_option("--as-of", summary.as_of, "Instant the rules apply at (default now)");
  add_config(summaries_cmd);

  portal::NightlyCommandOptions nightly;
  CLI::App* nightly_cmd = app.add_subcommand(
      "nightly", "The main job: ingest new extracts, render the site, publish encrypted summaries");
  nightly_cmd->add_option("--output", nightly.output_dir,
                          "Output root: DIR/site and DIR/patients (default: the config's "
                          "paths.site_output_dir and paths.summaries_output_dir)");
  nightly_cmd->add_option("--as-of", nightly.as_of, "Instant the rules apply at (default now)");
  nightly_cmd->add_flag("--full", nightly.full,
                        "Make and encrypt every summary again, whatever the render state says");
  nightly_cmd->add_option("--jobs", nightly.jobs, "Worker threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  nightly_cmd->add_option("--shard", nightly.shard,
                          "K/N: take only the patients of slice K (0-based) of N; slice 0 also "
                          "renders the site");
  add_config(nightly_cmd);

  if (auto exit_code = portal::ParseCommandLine(&app, kProgram, argc, argv)) return *exit_code;
  if (ingest_cmd->parsed()) {
    ingest.config_path = config_path;
    const portal::Status status = portal::RunIngestCommand(ingest);
    return status.ok() ? 0 : portal::ReportFailure(kProgram, status);
  }
  if (preview_cmd->parsed() || summaries_cmd->parsed()) {
    summary.config_path = config_path;
    const portal::Status status = preview_cmd->parsed() ? portal::RunPreviewCommand(summary)
                                                        : portal::RunSummariesCommand(summary);
    return status.ok() ? 0 : portal::ReportFailure(kProgram, status);
  }
  if (nightly_cmd->parsed()) {
    nightly.config_path = config_path;
    const portal::Status status = portal::RunNightlyCommand(nightly);
    return status.ok() ? 0 : portal::ReportFailure(kProgram, status);
  }
  if (site_cmd->parsed()) {
    site.config_path = config_path;
    const portal::Status status = portal::RunSiteCommand(site);
    return status.ok() ? 0 : portal::ReportFailure(kProgram, status);
  }
  return 0;
}
