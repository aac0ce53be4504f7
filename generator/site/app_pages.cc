#include "generator/site/app_pages.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <regex>

#include "core/base64.h"
#include "core/file_util.h"
#include "core/gpg.h"
#include "core/sha256.h"
#include "core/state_layout.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

// The portal's public signing key (what the app pins) and its fingerprint, read without
// importing it.
Status ReadSigningKey(const StateLayout& layout, std::string* armored, std::string* fingerprint) {
  const fs::path& file = layout.signing_public_key;
  PORTAL_RETURN_IF_ERROR(ReadFile(file, armored));
  std::error_code ec;
  if (!fs::is_directory(layout.scratch_home, ec)) {
    return Status::InvalidInput(layout.scratch_home.string() +
                                ": missing (portal-staff init makes it)");
  }
  std::unique_ptr<GpgContext> gpg;
  PORTAL_RETURN_IF_ERROR(GpgContext::Open(layout.scratch_home, true, &gpg));
  std::vector<OpenPgpKeyInfo> keys;
  PORTAL_RETURN_IF_ERROR(gpg->InspectKeys(*armored, &keys).WithPrefix(file.string()));
  const std::string where = file.string() + ": ";
  if (keys.size() != 1) {
    return Status::InvalidInput(where + "holds " + std::to_string(keys.size()) +
                                " OpenPGP keys; the app pins exactly one, the portal's signing "
                                "key (portal-staff init exports it)");
  }
  const OpenPgpKeyInfo& key = keys[0];
  if (key.secret) {
    return Status::InvalidInput(where +
                                "holds a private key; only the public half may be "
                                "published");
  }
  if (key.revoked || key.expired || key.disabled || key.invalid) {
    return Status::InvalidInput(where + "the key is revoked, expired or otherwise unusable");
  }
  static const std::regex kFingerprint("[0-9A-F]{40}");
  if (!std::regex_match(key.fingerprint, kFingerprint)) {
    return Status::InvalidInput(where + "not a v4 key (its fingerprint is not 40 hex digits)");
  }
  *fingerprint = key.fingerprint;
  return Status::Ok();
}

std::string HexToBytes(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1]));
  }
  return bytes;
}

// Base64 SHA-256 of the text of `file`'s first <style> element, which the summary page prints
// as it stands, so the hash is that of every patient's page: a Mustache tag there would make
// it per-patient and is refused.
Status SummaryStyleHash(const fs::path& file, std::string* hash) {
  std::string text;
  PORTAL_RETURN_IF_ERROR(ReadFile(file, &text));
  const std::string name = file.string();
  size_t open = text.find("<style");
  while (open != std::string::npos && open + 6 < text.size() && text[open + 6] != '>' &&
         !std::isspace(static_cast<unsigned char>(text[open + 6]))) {
    open = text.find("<style", open + 6);
  }
  const size_t start = open == std::string::npos ? open : text.find('>', open);
  const size_t end = start == std::string::npos ? start : text.find("</style>", start);
  if (end == std::string::npos) {
    return Status::InvalidInput(name +
                                ": no <style> element (the app's CSP allows the summary's first "
                                "style by its hash)");
  }
  const std::string_view css(text.data() + start + 1, end - start - 1);
  if (const size_t tag = css.find("{{"); tag != std::string_view::npos) {
    const auto line = 1 + std::count(text.begin(), text.begin() + start + 1 + tag, '\n');
    return Status::InvalidInput(name + ":" + std::to_string(line) +
                                ": a Mustache tag in the first <style>, which must be the same "
                                "for every patient (the app's CSP allows it by its hash); "
                                "per-patient CSS belongs in a second <style>");
  }
  *hash = Base64Encode(HexToBytes(Sha256Hex(css)));
  return Status::Ok();
}

}  // namespace

Status LoadApp(const PortalConfig& config, AppBuild* app) {
  *app = AppBuild();
  const fs::path& templates = config.paths.templates_dir;
  const fs::path source = templates / "app";
  const StateLayout layout(config.paths.state_dir);
  std::error_code ec;
  if (!fs::is_directory(source, ec)) {
    app->note = "app: not built (no " + source.string() + ")";
    return Status::Ok();
  }
  if (!fs::exists(layout.signing_public_key, ec)) {
    app->note = "app: not built (no signing key " + layout.signing_public_key.string() +
                "; portal-staff init makes it)";
    return Status::Ok();
  }
  std::string key;
  PORTAL_RETURN_IF_ERROR(ReadSigningKey(layout, &key, &app->links.signing_fingerprint));
  PORTAL_RETURN_IF_ERROR(SummaryStyleHash(templates / "summary.mustache", &app->style_hash));
  PORTAL_RETURN_IF_ERROR(AppPages(config, &app->pages));
  PORTAL_RETURN_IF_ERROR(LoadAppFolder(source, key, &app->files, &app->links.app_folder));
  const size_t app_files = app->files.size();
  PORTAL_RETURN_IF_ERROR(LoadVendorFiles(templates / "vendor", &app->files, &app->links.vendor));
  app->built = true;
  app->note = "app: " + std::to_string(app->pages.size()) + " pages, " + app->links.app_folder +
              " (" + std::to_string(app_files) + " files), " + app->links.vendor.openpgp + ", " +
              app->links.vendor.argon2id;
  return Status::Ok();
}

Status WriteApp(const PortalConfig& config, const TemplateSet& templates, const mstch::map& base,
                const AppBuild& app, StagedDirectory* out, size_t* files) {
  if (!app.built) return Status::Ok();
  for (const auto& f : app.files) {
    PORTAL_RETURN_IF_ERROR(out->Write(f.path, {f.data}));
    ++*files;
  }
  const std::string folder = config.site.base_path + app.links.app_folder;
  const std::string csp = AppContentSecurityPolicy(app.style_hash);
  for (const auto& page : app.pages) {
    mstch::map ctx = base;
    ctx["app"] =
        mstch::map{{"title", config.hospital.short_name + " Patient Portal — " + page.heading},
                   {"csp", csp},
                   {"css", folder + "app.css"},
                   {"js", folder + "main.js"},
                   {"config", AppPageConfig(config, app.pages, app.links, page.start)}};
    PORTAL_RETURN_IF_ERROR(out->Write(page.file, {templates.Render(kAppTemplate, ctx)}));
    ++*files;
  }
  return Status::Ok();
}

}  // namespace portal
