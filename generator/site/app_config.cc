#include "generator/site/app_config.h"

#include <nlohmann/json.hpp>

namespace portal {

namespace {

// The daemon's limits on a message (mailbox/common/patient_requests.h, which the site may not
// include; app_pages_test checks that the two agree).
constexpr size_t kSubjectChars = 200;
constexpr size_t kBodyChars = 10000;

// Files and folders the site writes itself (site_builder.cc), which no app page may replace.
bool IsSiteOwnFile(const std::string& file) {
  for (const char* own : {"index.html", "404.html", "sitemap.xml", "robots.txt"}) {
    if (file == own) return true;
  }
  return file.starts_with("faq/") || file.starts_with("assets/");
}

AppPage Locate(const std::string& base_path, const std::string& path, const char* start,
               const char* heading) {
  AppPage page{start, heading, path, base_path + path};
  const size_t slash = path.rfind('/');
  const std::string last = slash == std::string::npos ? path : path.substr(slash + 1);
  if (path.ends_with('/')) {
    page.file = path + "index.html";
  } else if (last.find('.') == std::string::npos) {
    page.file = path + "/index.html";
    page.url += '/';
  }
  return page;
}

}  // namespace

Status AppPages(const PortalConfig& config, std::vector<AppPage>* pages) {
  const std::string& base = config.site.base_path;
  const std::vector<std::pair<const char*, AppPage>> located = {
      {"app.sign_in_path", Locate(base, config.app.sign_in_path, "sign-in", "Sign in")},
      {"accounts.register_path",
       Locate(base, config.accounts.register_path, "register", "Register")},
      {"accounts.recover_path",
       Locate(base, config.accounts.recover_path, "recover", "Reset your password")}};
  pages->clear();
  for (const auto& [key, page] : located) {
    const std::string where = config.config_path.string() + ": " + key + ": ";
    if (!page.file.ends_with(".html")) {
      return Status::InvalidInput(where + "a page's name must end in .html, '/' or have no dot");
    }
    if (IsSiteOwnFile(page.file)) {
      return Status::InvalidInput(where + page.file + " is the site's own; choose another path");
    }
    for (const auto& other : *pages) {
      if (other.file == page.file) {
        return Status::InvalidInput(where + page.file + " is already the " + other.start +
                                    " page; each page needs its own path");
      }
    }
    pages->push_back(page);
  }
  return Status::Ok();
}

std::string AppPageConfig(const PortalConfig& config, const std::vector<AppPage>& pages,
                          const AppLinks& links, std::string_view start) {
  using Json = nlohmann::ordered_json;
  const std::string& base = config.site.base_path;
  Json page_urls = {{"home", base}, {"faq", base + "faq/"}};
  for (const auto& page : pages) {
    page_urls[page.start == "sign-in" ? "sign_in" : page.start] = page.url;
  }
  Json providers = Json::array();
  for (const auto& p : config.providers) providers.push_back({{"id", p.id}, {"name", p.name}});
  Json fields = Json::array();
  for (const auto& f : config.profile_fields) fields.push_back({{"id", f.id}, {"label", f.label}});
  const Json doc = {{"start", start},
                    {"hospital",
                     {{"name", config.hospital.name},
                      {"short_name", config.hospital.short_name},
                      {"records_department", config.hospital.records_department}}},
                    {"help_line",
                     {{"name", config.help_line.name},
                      {"display", config.help_line.display},
                      {"tel", config.help_line.tel}}},
                    {"pages", page_urls},
                    {"mailbox", config.app.mailbox_path + "v1/"},
                    {"mrn",
                     {{"pattern", config.mrn.pattern},
                      {"example", config.mrn.example},
                      {"description", config.mrn.description}}},
                    {"providers", providers},
                    {"profile_fields", fields},
                    {"limits", {{"subject_chars", kSubjectChars}, {"body_chars", kBodyChars}}},
                    {"kdf",
                     {{"t", config.app.kdf_passes},
                      {"m", config.app.kdf_memory_kib},
                      {"p", config.app.kdf_parallelism}}},
                    {"idle_minutes", config.app.idle_minutes},
                    {"signing_key",
                     {{"url", base + links.app_folder + kAppSigningKeyName},
                      {"fingerprint", links.signing_fingerprint}}},
                    {"vendor",
                     {{"openpgp", base + links.vendor.openpgp + "openpgp.min.mjs"},
                      {"argon2id", base + links.vendor.argon2id}}}};
  // The config's text is UTF-8 (toml++ checks it); replace, never throw, were it not.
  return doc.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string AppContentSecurityPolicy(std::string_view style_hash) {
  return "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'sha256-" +
         std::string(style_hash) +
         "'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
         "require-trusted-types-for 'script'; trusted-types portal-summary";
}

}  // namespace portal
