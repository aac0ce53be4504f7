#include "generator/records/ingest_command.h"

#include <cstdio>
#include <memory>

#include "core/command_output.h"
#include "core/command_table.h"
#include "core/config.h"
#include "generator/records/ingest.h"

namespace portal {

namespace {

constexpr size_t kMaxPrinted = 200;

std::string TextSummary(const IngestReport& r) {
  auto n = [](size_t count) { return std::to_string(count); };
  return "ingest run " + std::to_string(r.run) + ": " + n(r.read) + " read, " + n(r.inserted) +
         " inserted, " + n(r.updated) + " updated, " + n(r.unchanged) + " unchanged, " +
         n(r.deleted) + " deleted, " + n(r.failed) + " failed, " + n(r.skipped) + " skipped, " +
         n(r.skipped_by_type) + " skipped by type; " + n(r.patients_touched) +
         " patients touched, " + n(r.patients_kept) + " kept as they were, " + n(r.mrn_unmatched) +
         " without a matching MRN\nread by type: " + TypeCountsLine(r.types);
}

}  // namespace

Status RunIngestCommand(const IngestCommandOptions& options, const Clock& clock) {
  PortalConfig config;
  PORTAL_RETURN_IF_ERROR(LoadConfig(options.config_path, &config));
  std::vector<std::filesystem::path> paths(options.paths.begin(), options.paths.end());
  IngestReport r;
  PORTAL_RETURN_IF_ERROR(Ingest(config, paths, clock, &r));
  for (size_t i = 0; i < r.errors.size() && i < kMaxPrinted; ++i) {
    std::fprintf(stderr, "portal-gen: %s\n", r.errors[i].c_str());
  }
  if (r.errors.size() > kMaxPrinted) {
    std::fprintf(stderr, "portal-gen: ... and %zu more\n", r.errors.size() - kMaxPrinted);
  }
  PrintResult(options.json, IngestReportJson(r), TextSummary(r));
  std::fprintf(stderr, "portal-gen: ingest phases: %s\n", r.clock.Summary().c_str());
  if (r.failed > 0) {
    return Status::InvalidInput(std::to_string(r.failed) +
                                " records failed; their patients kept their previous state");
  }
  return Status::Ok();
}

void RegisterIngestCommand(CommandTable* table, const Clock& clock) {
  auto options = std::make_shared<IngestCommandOptions>();
  CLI::App* cmd =
      table->Add(nullptr, "ingest", "Read FHIR R4 record extracts into the record store",
                 [table, options, &clock] {
                   options->config_path = table->config_path();
                   return RunIngestCommand(*options, clock);
                 });
  cmd->add_option("paths", options->paths, "Bundle .json, Bulk Data .ndjson, or folders")
      ->required();
  cmd->add_flag("--json", options->json, "JSON output");
}

}  // namespace portal
