#include "generator/records/ingest_command.h"

#include <cstdio>
#include <memory>

#include "core/command_table.h"
#include "core/config.h"
#include "generator/records/ingest.h"

namespace portal {

namespace {
constexpr size_t kMaxPrinted = 200;
}

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
  std::printf(
      "ingest run %lld: %zu read, %zu inserted, %zu updated, %zu unchanged, %zu deleted, "
      "%zu failed, %zu skipped; %zu patients touched, %zu kept as they were, %zu without a "
      "matching MRN\n",
      static_cast<long long>(r.run), r.read, r.inserted, r.updated, r.unchanged, r.deleted,
      r.failed, r.skipped, r.patients_touched, r.patients_kept, r.mrn_unmatched);
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
}

}  // namespace portal
