#define BOOST_TEST_MODULE app_pages_test
#include "generator/site/app_pages.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

#include "core/state_layout.h"
#include "generator/site/site_builder.h"
#include "mailbox/common/patient_requests.h"
#include "tests/html_doc.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::HtmlDoc;
using testing::ReplaceInFile;
using testing::Slurp;
using testing::Spit;
using testing::TempDir;

// The summary template the tests build with: its first style is the same for every patient,
// the second (the print header's) holds a tag, as the design has it.
const char kStyle[] = "\nbody { margin: 0; }\n.row { color: #123; }\n";
const std::string kSummary = std::string("<!doctype html>\n<html><head><title>{{title}}</title>") +
                             "<style>" + kStyle +
                             "</style>\n<style data-print-header>@page { @top-left { content: "
                             "{{{print_header_css}}}; } }</style>\n</head><body></body></html>\n";

// Base64 SHA-256 computed here with OpenSSL, not by the code under test.
std::string Sha256Base64(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  unsigned char b64[64] = {};
  EVP_EncodeBlock(b64, digest, SHA256_DIGEST_LENGTH);
  return reinterpret_cast<char*>(b64);
}

std::string OpenSslSha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : digest) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

// The policy, written out, with the hash of kStyle.
std::string ExpectedCsp() {
  return "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'sha256-" +
         Sha256Base64(kStyle) +
         "'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
         "require-trusted-types-for 'script'; trusted-types portal-summary";
}

// A copy of the project's site and content, the test's own app folder and summary template,
// small KDF settings, and (unless told otherwise) a real state made as `portal-staff init`
// makes it, with the portal's signing key.
struct AppSite {
  TempDir dir;
  fs::path config_path;
  fs::path templates;
  fs::path app;  // templates/app
  fs::path out;
  PortalConfig cfg;
  SiteReport report;

  explicit AppSite(bool with_state = true) {
    config_path = testing::CopyProjectSite(dir.path());
    templates = dir.path() / "site_templates";
    app = templates / "app";
    out = dir.path() / "site";
    fs::remove_all(app);
    Spit(app / "main.js", "import { h } from './dom.js';\n");
    Spit(app / "dom.js", "export function h() {}\n");
    Spit(app / "app.css", "@import url(\"views.css\");\n");
    Spit(app / "views" / "sign_in.js", "export async function render() {}\n");
    Spit(templates / "summary.mustache", kSummary);
    ReplaceInFile(config_path, "kdf_passes = 3", "kdf_passes = 1");
    ReplaceInFile(config_path, "kdf_memory_kib = 65536", "kdf_memory_kib = 19456");
    ReplaceInFile(config_path, "kdf_parallelism = 4", "kdf_parallelism = 1");
    ReplaceInFile(config_path, "idle_minutes = 15", "idle_minutes = 7");
    if (with_state) {
      Status st = LoadConfig(config_path, &cfg);
      BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
      InitReport init;
      st = InitStateDir(cfg, &init);
      BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    }
  }
  fs::path StateDir() const { return dir.path() / "var"; }
  fs::path SigningKey() const { return StateDir() / "portal-signing-key.asc"; }
  Status Build() {
    PORTAL_RETURN_IF_ERROR(LoadConfig(config_path, &cfg));
    report = SiteReport();
    return BuildSite(cfg, out, 2, &report);
  }
  void MustBuild() {
    Status st = Build();
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  }
  // The one assets/app-*/ folder in the output ("" if none; a test failure if several).
  std::string AppFolder() const {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(out / "assets", ec)) {
      const std::string name = e.path().filename().string();
      if (name.starts_with("app-")) found.push_back(name);
    }
    BOOST_REQUIRE_LE(found.size(), 1u);
    return found.empty() ? "" : found[0];
  }
  // A URL path under the site as a file of the output (a folder's URL is its index.html).
  fs::path FileOf(const std::string& url) const {
    BOOST_REQUIRE(url.starts_with("/portal-help/"));
    std::string rel = url.substr(std::string("/portal-help/").size());
    if (rel.empty() || rel.ends_with('/')) rel += "index.html";
    return out / rel;
  }
};

// The page's data-config, as a browser's JSON.parse(el.dataset.config) would read it.
json PageConfig(const HtmlDoc& doc) {
  const GumboNode* app = doc.ById("portal-app");
  BOOST_REQUIRE(app != nullptr);
  return json::parse(HtmlDoc::Attr(app, "data-config"));
}

std::string MetaContent(const HtmlDoc& doc, const char* attr, const char* value) {
  for (const GumboNode* m : doc.All(GUMBO_TAG_META)) {
    if (HtmlDoc::Attr(m, attr) == value) return HtmlDoc::Attr(m, "content");
  }
  return "";
}

// The primary key's fingerprint as gpg itself lists the file, without importing it.
std::string GpgFingerprint(const fs::path& key_file) {
  TempDir home;
  ::chmod(home.path().c_str(), 0700);
  const auto r = testing::RunCommand({"/usr/bin/gpg", "--homedir", home.path().string(), "--batch",
                                      "--with-colons", "--show-keys", key_file.string()});
  BOOST_REQUIRE_EQUAL(r.exit_code, 0);
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("fpr:")) {
      // fpr:::::::::FINGERPRINT:
      std::vector<std::string> fields;
      std::istringstream parts(line);
      for (std::string f; std::getline(parts, f, ':');) fields.push_back(f);
      BOOST_REQUIRE_GT(fields.size(), 9u);
      return fields[9];
    }
  }
  BOOST_FAIL("no fpr line from gpg: " << r.out);
  return "";
}

// id -> name (or label) of a [[...]] list in the config, read with toml++ here.
std::vector<std::pair<std::string, std::string>> TomlList(const fs::path& config,
                                                          const char* section, const char* list,
                                                          const char* value) {
  const toml::table root = toml::parse_file(config.string());
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& node : *root[section][list].as_array()) {
    const toml::table& t = *node.as_table();
    out.push_back({t["id"].value_or(std::string()), t[value].value_or(std::string())});
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> JsonList(const json& list, const char* value) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& item : list) out.push_back({item.at("id"), item.at(value)});
  return out;
}

BOOST_AUTO_TEST_CASE(the_three_pages_carry_the_policy_the_shell_and_the_config) {
  AppSite site;
  site.MustBuild();
  BOOST_TEST(site.report.app.find("app: 3 pages, assets/app-") == 0u, site.report.app);
  const std::string fingerprint = GpgFingerprint(site.SigningKey());
  BOOST_REQUIRE_EQUAL(fingerprint.size(), 40u);
  struct Expected {
    const char* file;
    const char* start;
    const char* title;
  };
  for (const Expected& e :
       {Expected{"account/index.html", "sign-in", "Sign in"},
        Expected{"account/register/index.html", "register", "Register"},
        Expected{"account/recover/index.html", "recover", "Reset your password"}}) {
    BOOST_TEST_CONTEXT(e.file) {
      BOOST_REQUIRE(fs::is_regular_file(site.out / e.file));
      const std::string html = Slurp(site.out / e.file);
      HtmlDoc doc(html);
      BOOST_TEST(MetaContent(doc, "http-equiv", "Content-Security-Policy") == ExpectedCsp());
      BOOST_TEST(MetaContent(doc, "name", "robots") == "noindex");
      BOOST_TEST(MetaContent(doc, "name", "viewport").find("width=device-width") == 0u);
      BOOST_TEST(HtmlDoc::Attr(doc.All(GUMBO_TAG_HTML).at(0), "lang") == "en");
      BOOST_TEST(HtmlDoc::Text(doc.All(GUMBO_TAG_TITLE).at(0)) ==
                 std::string("Backus Patient Portal — ") + e.title);
      // No inline script or style: the policy would refuse them.
      for (const GumboNode* s : doc.All(GUMBO_TAG_SCRIPT)) {
        BOOST_TEST(HtmlDoc::Attr(s, "type") == "module");
        BOOST_TEST(HtmlDoc::Text(s).empty());
        BOOST_TEST(fs::is_regular_file(site.FileOf(HtmlDoc::Attr(s, "src"))),
                   HtmlDoc::Attr(s, "src"));
        BOOST_TEST(HtmlDoc::Attr(s, "src").ends_with("/main.js"));
      }
      BOOST_TEST(doc.All(GUMBO_TAG_SCRIPT).size() == 1u);
      BOOST_TEST(doc.All(GUMBO_TAG_STYLE).empty());
      std::vector<std::string> sheets;
      for (const GumboNode* l : doc.All(GUMBO_TAG_LINK)) {
        if (HtmlDoc::Attr(l, "rel") != "stylesheet") continue;
        sheets.push_back(HtmlDoc::Attr(l, "href"));
        BOOST_TEST(fs::is_regular_file(site.FileOf(sheets.back())), sheets.back());
      }
      BOOST_TEST(std::count_if(sheets.begin(), sheets.end(),
                               [](const std::string& s) { return s.ends_with("/app.css"); }) == 1);
      // The shell the app renders into.
      const GumboNode* main = doc.ById("main");
      BOOST_REQUIRE(main != nullptr);
      BOOST_TEST(main->v.element.tag == GUMBO_TAG_MAIN);
      BOOST_TEST(HtmlDoc::Attr(main, "tabindex") == "-1");
      const GumboNode* view = doc.ById("view");
      BOOST_REQUIRE(view != nullptr);
      BOOST_TEST(view->parent == doc.ById("portal-app"));
      BOOST_TEST(doc.All(GUMBO_TAG_NOSCRIPT, view).size() == 1u);
      BOOST_TEST(HtmlDoc::Ancestor(doc.ById("portal-app"), GUMBO_TAG_MAIN) == main);
      const GumboNode* status = doc.ById("status");
      BOOST_REQUIRE(status != nullptr);
      BOOST_TEST(HtmlDoc::Attr(status, "role") == "status");
      BOOST_TEST(HtmlDoc::Attr(status, "aria-live") == "polite");
      const auto skip = doc.Where([](const GumboNode* n) {
        return n->v.element.tag == GUMBO_TAG_A && HtmlDoc::Attr(n, "href") == "#main";
      });
      BOOST_TEST(skip.size() == 1u);
      const GumboNode* footer = doc.All(GUMBO_TAG_FOOTER).at(0);
      bool tel = false;
      for (const GumboNode* a : doc.All(GUMBO_TAG_A, footer)) {
        tel = tel || (HtmlDoc::Attr(a, "href") == "tel:+18608236363" &&
                      HtmlDoc::Text(a) == "860 823-6363");
      }
      BOOST_TEST(tel);
      const GumboNode* header = doc.All(GUMBO_TAG_HEADER).at(0);
      BOOST_TEST(HtmlDoc::Text(header).find("Backus Hospital") != std::string::npos);
      bool faq = false;
      for (const GumboNode* a : doc.All(GUMBO_TAG_A, header)) {
        faq = faq || HtmlDoc::Attr(a, "href") == "/portal-help/faq/";
      }
      BOOST_TEST(faq);
      // The config is HTML-escaped into the attribute, never raw.
      BOOST_TEST(html.find("data-config=\"{&quot;start&quot;:") != std::string::npos);

      const json config = PageConfig(doc);
      BOOST_TEST(config.at("start") == e.start);
      BOOST_TEST(config.at("hospital").at("name") == "Backus Hospital");
      BOOST_TEST(config.at("hospital").at("short_name") == "Backus");
      BOOST_TEST(config.at("help_line").at("display") == "860 823-6363");
      BOOST_TEST(config.at("help_line").at("tel") == "+18608236363");
      BOOST_TEST(config.at("mailbox") == "/portal-mailbox/v1/");
      BOOST_TEST(config.at("mrn").at("pattern") == "^M[0-9]{6}$");
      BOOST_TEST(config.at("kdf") == json({{"t", 1}, {"m", 19456}, {"p", 1}}));
      BOOST_TEST(config.at("idle_minutes") == 7);
      BOOST_TEST(config.at("limits").at("subject_chars") == kMaxSubjectChars);
      BOOST_TEST(config.at("limits").at("body_chars") == kMaxBodyChars);
      BOOST_TEST((JsonList(config.at("providers"), "name") ==
                  TomlList(site.config_path, "messaging", "providers", "name")));
      BOOST_TEST(config.at("providers").size() == 6u);
      BOOST_TEST((JsonList(config.at("profile_fields"), "label") ==
                  TomlList(site.config_path, "profile", "fields", "label")));
      BOOST_TEST(config.at("profile_fields").size() == 8u);
      BOOST_TEST(config.at("signing_key").at("fingerprint") == fingerprint);
      // Every address in the config is a file of this output.
      const json& pages = config.at("pages");
      BOOST_TEST(pages == json({{"home", "/portal-help/"},
                                {"faq", "/portal-help/faq/"},
                                {"sign_in", "/portal-help/account/"},
                                {"register", "/portal-help/account/register/"},
                                {"recover", "/portal-help/account/recover/"}}));
      for (const auto& [name, url] : pages.items()) {
        BOOST_TEST(fs::is_regular_file(site.FileOf(url)), name);
      }
      const std::string key_url = config.at("signing_key").at("url");
      BOOST_TEST(key_url == "/portal-help/assets/" + site.AppFolder() + "/portal-signing-key.asc");
      BOOST_TEST(Slurp(site.FileOf(key_url)) == Slurp(site.SigningKey()));
      const std::string openpgp = config.at("vendor").at("openpgp");
      BOOST_TEST(openpgp == "/portal-help/assets/openpgp-6.3.2/openpgp.min.mjs");
      BOOST_TEST(fs::is_regular_file(site.FileOf(openpgp)));
      const std::string argon2id = config.at("vendor").at("argon2id");
      BOOST_TEST(argon2id == "/portal-help/assets/argon2id-1.0.1/");
      BOOST_TEST(fs::is_regular_file(site.FileOf(argon2id + "lib/setup.js")));
    }
  }
  // Not for search engines: the pages stay out of the sitemap.
  BOOST_TEST(Slurp(site.out / "sitemap.xml").find("account") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_app_folder_is_named_by_every_file_and_the_key) {
  AppSite site;
  site.MustBuild();
  // The name worked out here: SHA-256 over each relative path, a NUL and its bytes, sorted.
  std::map<std::string, std::string> files = testing::ReadTree(site.app);
  files["portal-signing-key.asc"] = Slurp(site.SigningKey());
  std::string hashed;
  for (const auto& [path, bytes] : files) hashed += path + '\0' + bytes;
  const std::string first = "app-" + OpenSslSha256Hex(hashed).substr(0, 10);
  BOOST_TEST(site.AppFolder() == first);
  // Every file is there under its own name, with its bytes.
  BOOST_TEST((testing::ReadTree(site.out / "assets" / first) == files));

  site.MustBuild();  // Nothing changed: the same folder.
  BOOST_TEST(site.AppFolder() == first);
  Spit(site.app / "views" / "sign_in.js", "export async function render() { return null; }\n");
  site.MustBuild();
  const std::string second = site.AppFolder();
  BOOST_TEST(second != first);
  BOOST_TEST(!second.empty());
  BOOST_TEST(!fs::exists(site.out / "assets" / first));  // The old folder left with the old site.
  BOOST_TEST(Slurp(site.out / "account" / "index.html").find(second + "/main.js") !=
             std::string::npos);
  Spit(site.app / "views" / "sign_in.js", "export async function render() {}\n");
  site.MustBuild();  // Back to the same bytes: back to the same name.
  BOOST_TEST(site.AppFolder() == first);
  Spit(site.app / "views" / "new.js", "\n");  // A new file counts too.
  site.MustBuild();
  BOOST_TEST(site.AppFolder() != first);
}

BOOST_AUTO_TEST_CASE(the_vendor_modules_are_copied_from_the_pinned_install) {
  AppSite site;
  site.MustBuild();
  const fs::path modules = site.templates / "vendor" / "node_modules";
  const fs::path openpgp = site.out / "assets" / "openpgp-6.3.2";
  size_t chunks = 0;
  for (const auto& e : fs::directory_iterator(modules / "openpgp" / "dist" / "lightweight")) {
    const std::string name = e.path().filename().string();
    if (!name.ends_with(".min.mjs")) continue;
    ++chunks;
    BOOST_TEST(Slurp(openpgp / name) == Slurp(e.path()), name);
  }
  BOOST_TEST(chunks >= 2u);  // The entry module and the chunks it imports by name.
  BOOST_TEST(fs::is_regular_file(openpgp / "openpgp.min.mjs"));
  BOOST_TEST(Slurp(openpgp / "LICENSE") == Slurp(modules / "openpgp" / "LICENSE"));
  BOOST_TEST(!fs::exists(openpgp / "openpgp.min.mjs.map"));
  const fs::path argon2id = site.out / "assets" / "argon2id-1.0.1";
  for (const char* file : {"lib/setup.js", "lib/argon2id.js", "lib/blake2b.js", "dist/simd.wasm",
                           "dist/no-simd.wasm", "LICENSE"}) {
    BOOST_TEST(Slurp(argon2id / file) == Slurp(modules / "argon2id" / file), file);
  }
  // An install that is not the pinned one is refused, naming npm ci.
  ReplaceInFile(modules / "argon2id" / "package.json", "\"version\": \"1.0.1\"",
                "\"version\": \"1.0.2\"");
  Status st = site.Build();
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("argon2id") != std::string::npos, st.message());
  BOOST_TEST(st.message().find("npm ci") != std::string::npos, st.message());
}

BOOST_AUTO_TEST_CASE(without_node_modules_the_build_says_npm_ci) {
  AppSite site;
  fs::remove_all(site.templates / "vendor" / "node_modules");
  Status st = site.Build();
  BOOST_TEST(!st.ok());
  BOOST_TEST(
      st.message().find((site.templates / "vendor" / "node_modules").string()) != std::string::npos,
      st.message());
  BOOST_TEST(st.message().find("npm ci") != std::string::npos, st.message());
  BOOST_TEST(!fs::exists(site.out));  // Nothing published.
}

BOOST_AUTO_TEST_CASE(no_app_without_a_signing_key_or_an_app_folder) {
  AppSite site(/*with_state=*/false);
  site.MustBuild();
  BOOST_TEST(site.report.app.find("app: not built") == 0u, site.report.app);
  BOOST_TEST(site.report.app.find("signing key") != std::string::npos, site.report.app);
  BOOST_TEST(site.report.app.find("portal-staff init") != std::string::npos, site.report.app);
  BOOST_TEST(!fs::exists(site.out / "account"));
  BOOST_TEST(site.AppFolder().empty());
  BOOST_TEST(!fs::exists(site.out / "assets" / "openpgp-6.3.2"));
  BOOST_TEST(fs::is_regular_file(site.out / "faq" / "index.html"));  // The site itself is built.
  // Without the app's folder, the same with a state.
  AppSite no_folder;
  fs::remove_all(no_folder.app);
  no_folder.MustBuild();
  BOOST_TEST(no_folder.report.app.find("app: not built") == 0u, no_folder.report.app);
  BOOST_TEST(no_folder.report.app.find(no_folder.app.string()) != std::string::npos,
             no_folder.report.app);
  BOOST_TEST(!fs::exists(no_folder.out / "account"));
}

BOOST_AUTO_TEST_CASE(the_summary_style_must_be_one_for_every_patient) {
  AppSite site;
  const fs::path summary = site.templates / "summary.mustache";
  // A tag in the first style: refused, naming the file and the tag's line.
  Spit(summary,
       "<html>\n<head>\n<style>\nbody { margin: 0; }\n@page { content: {{{x}}}; }\n"
       "</style>\n</head></html>\n");
  Status st = site.Build();
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find(summary.string() + ":5: a Mustache tag") == 0u, st.message());
  BOOST_TEST(!fs::exists(site.out));
  Spit(summary, "<html><head><title>{{t}}</title></head></html>\n");  // No style at all.
  st = site.Build();
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find(summary.string() + ": no <style>") == 0u, st.message());
  // A style with attributes counts; <styles> is not a style.
  Spit(summary, std::string("<styles></styles><style media=\"all\">") + kStyle + "</style>\n");
  site.MustBuild();
  HtmlDoc doc(Slurp(site.out / "account" / "index.html"));
  BOOST_TEST(MetaContent(doc, "http-equiv", "Content-Security-Policy") == ExpectedCsp());
}

BOOST_AUTO_TEST_CASE(unsafe_names_in_the_app_folder_are_refused) {
  AppSite site;
  for (const std::string name :
       {".hidden.js", "bad name.js", "caf\xC3\xA9.js", "views/.x.js", "a\"b.js", "x?.js"}) {
    BOOST_TEST_CONTEXT(name) {
      Spit(site.app / name, "\n");
      Status st = site.Build();
      BOOST_TEST(!st.ok());
      BOOST_TEST(st.message().find("name not allowed") != std::string::npos, st.message());
      BOOST_TEST(st.message().find(site.app.string()) == 0u, st.message());
      fs::remove(site.app / name);
    }
  }
  site.MustBuild();  // Each refusal was that file's.
  fs::create_symlink("/etc/hostname", site.app / "link.js");
  Status st = site.Build();
  BOOST_TEST(st.message().find("link.js: not a regular file") != std::string::npos, st.message());
  fs::remove(site.app / "link.js");
  Spit(site.app / "portal-signing-key.asc", "not ours\n");
  st = site.Build();
  BOOST_TEST(st.message().find("portal-signing-key.asc: the build puts") != std::string::npos,
             st.message());
}

BOOST_AUTO_TEST_CASE(the_signing_key_must_be_one_public_key) {
  AppSite site;
  const std::string key = Slurp(site.SigningKey());
  for (const std::string& bad : {std::string("not a key\n"), key + key}) {
    Spit(site.SigningKey(), bad);
    Status st = site.Build();
    BOOST_TEST(!st.ok());
    BOOST_TEST(st.message().find(site.SigningKey().string() + ": holds ") == 0u, st.message());
    BOOST_TEST(st.message().find("exactly one") != std::string::npos, st.message());
  }
}

BOOST_AUTO_TEST_CASE(two_pages_on_one_path_are_refused) {
  AppSite site;
  ReplaceInFile(site.config_path, "register_path = \"account/register\"",
                "register_path = \"account\"");
  Status st = site.Build();
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("accounts.register_path: account/index.html is already the "
                               "sign-in page") != std::string::npos,
             st.message());
  ReplaceInFile(site.config_path, "register_path = \"account\"", "register_path = \"faq/join\"");
  st = site.Build();
  BOOST_TEST(st.message().find("accounts.register_path: faq/join/index.html is the site's own") !=
                 std::string::npos,
             st.message());
  // A page named with an extension is that file.
  ReplaceInFile(site.config_path, "register_path = \"faq/join\"", "register_path = \"join.html\"");
  site.MustBuild();
  BOOST_TEST(fs::is_regular_file(site.out / "join.html"));
  BOOST_TEST(
      PageConfig(HtmlDoc(Slurp(site.out / "account" / "index.html"))).at("pages").at("register") ==
      "/portal-help/join.html");
}

BOOST_AUTO_TEST_CASE(the_project_app_folder_builds_as_it_stands) {
  AppSite site;
  fs::remove_all(site.app);
  fs::copy(testing::SourceDir() / "site_templates" / "app", site.app, fs::copy_options::recursive);
  site.MustBuild();
  std::map<std::string, std::string> files = testing::ReadTree(site.app);
  files["portal-signing-key.asc"] = Slurp(site.SigningKey());
  BOOST_TEST((testing::ReadTree(site.out / "assets" / site.AppFolder()) == files));
}

}  // namespace
}  // namespace portal
