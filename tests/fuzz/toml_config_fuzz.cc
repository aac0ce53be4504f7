// The strict config reader (core/config.h, core/toml_reader.h) on content/portal.toml as staff
// edit it. Properties: no crash or exception; an error names the file and a line
// ("FILE:LINE: ..."); an accepted config has an absolute base URL ending in '/', its derived
// base path, absolute paths, and the limits the daemon relies on.

#include <string>

#include "core/config.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string file = "/nonexistent/content/portal.toml";  // Nothing it names is read.
  portal::PortalConfig config;
  const portal::Status st = portal::ParseConfig(portal::fuzz::AsText(data, size), file, &config);
  if (!st.ok()) {
    FUZZ_CHECK(portal::fuzz::NamesFileAndLine(st.message(), file));
    return 0;
  }
  FUZZ_CHECK(config.site.base_url.ends_with("/"));
  FUZZ_CHECK(config.site.base_url.starts_with("http://") ||
             config.site.base_url.starts_with("https://"));
  FUZZ_CHECK(config.site.base_path.starts_with("/") && config.site.base_path.ends_with("/"));
  for (const auto* p : {&config.paths.state_dir, &config.paths.faq_dir, &config.paths.home_page,
                        &config.paths.templates_dir, &config.paths.site_output_dir,
                        &config.paths.summaries_output_dir, &config.paths.extracts_dir}) {
    FUZZ_CHECK(p->is_absolute());
  }
  FUZZ_CHECK(config.mailbox.max_body_kib > 0 && config.mailbox.threads > 0);
  FUZZ_CHECK(config.app.kdf_memory_kib >= 19456);
  return 0;
}
