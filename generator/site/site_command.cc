#include "generator/site/site_command.h"

#include <cstdio>
#include <memory>

#include "core/command_table.h"
#include "core/config.h"
#include "core/parallel.h"
#include "generator/site/site_builder.h"

namespace portal {

Status RunSiteCommand(const SiteCommandOptions& options) {
  PortalConfig config;
  PORTAL_RETURN_IF_ERROR(LoadConfig(options.config_path, &config));
  if (!options.base_url.empty() && !SetBaseUrl(options.base_url, &config.site)) {
    return Status::Usage("--base-url must be an absolute http(s) URL ending in '/'");
  }
  const std::filesystem::path output = options.output_dir.empty()
                                           ? config.paths.site_output_dir
                                           : std::filesystem::path(options.output_dir);
  SiteReport report;
  PORTAL_RETURN_IF_ERROR(
      BuildSite(config, output, options.jobs > 0 ? options.jobs : DefaultJobs(), &report));
  std::printf("site: %zu questions, %zu files -> %s\n", report.questions, report.files,
              output.c_str());
  std::printf("%s\n", report.app.c_str());
  std::fprintf(stderr, "portal-gen: site phases: %s\n", report.clock.Summary().c_str());
  return Status::Ok();
}

void RegisterSiteCommand(CommandTable* table) {
  auto options = std::make_shared<SiteCommandOptions>();
  CLI::App* cmd = table->Add(nullptr, "site", "Render the public FAQ site", [table, options] {
    options->config_path = table->config_path();
    return RunSiteCommand(*options);
  });
  cmd->add_option("--output", options->output_dir,
                  "Site folder (default: paths.site_output_dir of the config)");
  cmd->add_option("--base-url", options->base_url,
                  "Site address instead of site.base_url (e.g. http://127.0.0.1:8000/ to "
                  "preview locally)");
  cmd->add_option("--jobs", options->jobs, "Worker threads (default: one per core)")
      ->check(CLI::Range(1, 256));
}

}  // namespace portal
