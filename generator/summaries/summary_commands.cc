#include "generator/summaries/summary_commands.h"

#include <cstdio>
#include <memory>
#include <regex>

#include "core/clock.h"
#include "core/command_table.h"
#include "core/config.h"
#include "core/fhir_time.h"
#include "core/file_util.h"
#include "core/record_store.h"
#include "core/sha256.h"
#include "core/terminal_text.h"
#include "generator/summaries/release_policy.h"
#include "generator/summaries/summary_page.h"

namespace portal {

namespace {

struct Context {
  PortalConfig config;
  std::unique_ptr<RecordStore> store;
  TemplateSet templates;
  int64_t as_of = 0;
  Audience audience = Audience::kPatient;
};

Status Prepare(const SummaryCommandOptions& options, const Clock& clock, Context* ctx) {
  PORTAL_RETURN_IF_ERROR(LoadConfig(options.config_path, &ctx->config));
  if (options.as_of.empty()) {
    ctx->as_of = clock.Now();
  } else if (!ParseFhirInstant(options.as_of, &ctx->as_of)) {
    return Status::Usage("--as-of must be a FHIR instant such as 2025-06-01T00:00:00Z");
  }
  if (options.audience != "patient" && options.audience != "proxy") {
    return Status::Usage("--audience must be patient or proxy");
  }
  ctx->audience = options.audience == "proxy" ? Audience::kProxy : Audience::kPatient;
  const auto db = RecordStore::PathIn(ctx->config.paths.state_dir);
  std::error_code ec;
  if (!std::filesystem::exists(db, ec)) {
    return Status::InvalidInput(db.string() + ": no record store yet (run portal-gen ingest)");
  }
  PORTAL_RETURN_IF_ERROR(RecordStore::Open(db, &ctx->store));
  return TemplateSet::Load(ctx->config.paths.templates_dir, {"summary"}, &ctx->templates);
}

Status Summarize(Context* ctx, const std::string& patient_id, SummaryModel* model) {
  std::vector<RecordStore::StoredResource> resources;
  PORTAL_RETURN_IF_ERROR(ctx->store->ResourcesOf(patient_id, &resources));
  return BuildSummary(ctx->config, resources, ctx->as_of, ctx->audience, model);
}

}  // namespace

Status RunPreviewCommand(const SummaryCommandOptions& options, const Clock& clock) {
  Context ctx;
  PORTAL_RETURN_IF_ERROR(Prepare(options, clock, &ctx));
  std::string patient_id;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(ctx.store->PatientByMrn(options.mrn, &patient_id, &found));
  if (!found) return Status::InvalidInput("no patient with the given MRN in the record store");
  SummaryModel model;
  PORTAL_RETURN_IF_ERROR(Summarize(&ctx, patient_id, &model));
  if (model.eligibility != Eligibility::kEligible) {
    return Status::InvalidInput(std::string("no summary: ") + EligibilityReason(model.eligibility));
  }
  // Staff read it on a terminal: record data is HTML-escaped in the page, but a control there
  // (ESC, NUL, C1) would still act on the terminal; it is shown escaped instead.
  const std::string page = TerminalSafe(RenderSummaryPage(ctx.config, ctx.templates, model));
  std::fwrite(page.data(), 1, page.size(), stdout);
  return Status::Ok();
}

Status RunSummariesCommand(const SummaryCommandOptions& options, const Clock& clock) {
  Context ctx;
  PORTAL_RETURN_IF_ERROR(Prepare(options, clock, &ctx));
  // Summaries left by an earlier run (patients since unenrolled, minors, deleted) go first.
  std::error_code ec;
  static const std::regex kSummaryName("[0-9a-f]{16}\\.html");
  for (std::filesystem::directory_iterator it(options.plaintext_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code remove_ec;  // As before: a file that cannot go is overwritten or left.
    if (std::regex_match(it->path().filename().string(), kSummaryName)) {
      std::filesystem::remove(it->path(), remove_ec);
    }
  }
  std::vector<std::string> patients;
  PORTAL_RETURN_IF_ERROR(ctx.store->AllPatients(&patients));
  size_t written = 0, skipped = 0;
  for (const auto& id : patients) {
    SummaryModel model;
    PORTAL_RETURN_IF_ERROR(Summarize(&ctx, id, &model));
    if (model.eligibility != Eligibility::kEligible) {
      ++skipped;
      continue;
    }
    const std::filesystem::path file =
        std::filesystem::path(options.plaintext_dir) / (Sha256Hex(id).substr(0, 16) + ".html");
    PORTAL_RETURN_IF_ERROR(WriteFile(file, RenderSummaryPage(ctx.config, ctx.templates, model)));
    ++written;
  }
  std::printf("summaries: %zu written, %zu patients without a summary -> %s\n", written, skipped,
              options.plaintext_dir.c_str());
  return Status::Ok();
}

void RegisterSummaryCommands(CommandTable* table, const Clock& clock) {
  auto options = std::make_shared<SummaryCommandOptions>();
  CLI::App* preview =
      table->Add(nullptr, "preview", "Print one patient's plaintext summary (staff checks)",
                 [table, options, &clock] {
                   options->config_path = table->config_path();
                   return RunPreviewCommand(*options, clock);
                 });
  preview->add_option("--mrn", options->mrn, "The patient's medical record number")->required();
  preview->add_option("--as-of", options->as_of, "Instant the rules apply at (default now)");
  preview->add_option("--audience", options->audience,
                      "Whose page: patient (default) or proxy (leaves out patient-only sections)");
  CLI::App* summaries =
      table->Add(nullptr, "summaries",
                 "Write every eligible patient's plaintext summary (tests, local checks)",
                 [table, options, &clock] {
                   options->config_path = table->config_path();
                   return RunSummariesCommand(*options, clock);
                 });
  summaries
      ->add_option("--plaintext-dir", options->plaintext_dir,
                   "Folder for the plaintext pages; required, as a deliberate choice")
      ->required();
  summaries->add_option("--as-of", options->as_of, "Instant the rules apply at (default now)");
  summaries->add_option(
      "--audience", options->audience,
      "Whose pages: patient (default) or proxy (leaves out patient-only sections)");
}

}  // namespace portal
