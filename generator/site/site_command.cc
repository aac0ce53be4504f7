#include "generator/site/site_command.h"

#include <cstdio>

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
  std::fprintf(stderr, "portal-gen: site phases: %s\n", report.clock.Summary().c_str());
  return Status::Ok();
}

}  // namespace portal
