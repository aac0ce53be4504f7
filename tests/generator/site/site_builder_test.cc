#define BOOST_TEST_MODULE site_builder_test
#include "generator/site/site_builder.h"

#include <toml++/toml.h>
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <sstream>

#include "tests/html_doc.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::HtmlDoc;
using testing::ReplaceInFile;
using testing::Slurp;
using testing::Spit;
using testing::TempDir;

// Whitespace (including the seed's no-break spaces) collapsed to single spaces.
std::string Collapse(std::string s) {
  for (size_t at = s.find("\xC2\xA0"); at != std::string::npos; at = s.find("\xC2\xA0")) {
    s.replace(at, 2, " ");
  }
  std::string out;
  for (char c : s) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The questions of the hospital's FAQ, read straight from the seed text ("Q: ..." lines).
std::vector<std::string> SeedQuestions() {
  std::istringstream in(Slurp(testing::SharedDir() / "seed" / "patient-portal-faq.txt"));
  std::vector<std::string> questions;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("Q: ")) questions.push_back(Collapse(line.substr(3)));
  }
  return questions;
}

// The help-line number as the seed FAQ prints it ("... help line at 860 823-6363.").
std::string SeedHelpLine() {
  const std::string faq = Slurp(testing::SharedDir() / "seed" / "patient-portal-faq.txt");
  std::smatch m;
  BOOST_REQUIRE(std::regex_search(faq, m, std::regex("help line at ([0-9]{3} [0-9]{3}-[0-9]{4})")));
  return m[1];
}

struct Site {
  TempDir dir;
  fs::path config_path;
  fs::path out;
  PortalConfig cfg;

  Site() {
    config_path = testing::CopyProjectSite(dir.path());
    out = dir.path() / "site";
  }
  Status Build() {
    PORTAL_RETURN_IF_ERROR(LoadConfig(config_path, &cfg));
    SiteReport report;
    return BuildSite(cfg, out, 2, &report);
  }
  void MustBuild() {
    Status st = Build();
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  }
  std::string Page(const std::string& rel) const { return Slurp(out / rel); }
  std::vector<std::string> HtmlPages() const {
    std::vector<std::string> pages;
    for (const auto& e : fs::recursive_directory_iterator(out)) {
      if (e.path().extension() == ".html") pages.push_back(fs::relative(e.path(), out).string());
    }
    return pages;
  }
};

const GumboNode* ArticleFor(const HtmlDoc& doc, const std::string& question) {
  for (const GumboNode* h : doc.All(GUMBO_TAG_H3)) {
    if (Collapse(HtmlDoc::Text(h)) == question) return HtmlDoc::Ancestor(h, GUMBO_TAG_ARTICLE);
  }
  return nullptr;
}

BOOST_AUTO_TEST_CASE(every_seed_question_appears_once_with_a_unique_anchor) {
  Site site;
  site.MustBuild();
  HtmlDoc faq(site.Page("faq/index.html"));
  const auto seed = SeedQuestions();
  BOOST_REQUIRE_EQUAL(seed.size(), 12u);
  std::map<std::string, int> seen;
  std::set<std::string> anchors;
  for (const GumboNode* h : faq.All(GUMBO_TAG_H3)) {
    const std::string text = Collapse(HtmlDoc::Text(h));
    ++seen[text];
    const std::string id = HtmlDoc::Attr(h, "id");
    BOOST_TEST(!id.empty(), text);
    BOOST_TEST(anchors.insert(id).second, "duplicate anchor " << id);
    // The question has its own page too, whose heading is the question.
    HtmlDoc page(site.Page("faq/" + id + ".html"));
    BOOST_TEST(Collapse(HtmlDoc::Text(page.All(GUMBO_TAG_H1).at(0))) == text);
  }
  for (const auto& q : seed) BOOST_TEST(seen[q] == 1, "question: " << q);
  BOOST_TEST(seen.size() == seed.size());
  // The table of contents links every question.
  std::set<std::string> toc;
  for (const GumboNode* a : faq.All(GUMBO_TAG_A, faq.All(GUMBO_TAG_NAV).at(1))) {
    toc.insert(HtmlDoc::Attr(a, "href"));
  }
  for (const auto& id : anchors) BOOST_TEST(toc.count("#" + id) == 1u, id);
}

BOOST_AUTO_TEST_CASE(ids_are_unique_on_every_page) {
  Site site;
  site.MustBuild();
  for (const auto& rel : site.HtmlPages()) {
    HtmlDoc doc(site.Page(rel));
    std::set<std::string> ids;
    for (const GumboNode* el :
         doc.Where([](const GumboNode* n) { return !HtmlDoc::Attr(n, "id").empty(); })) {
      BOOST_TEST(ids.insert(HtmlDoc::Attr(el, "id")).second,
                 rel << ": duplicate id " << HtmlDoc::Attr(el, "id"));
    }
  }
}

BOOST_AUTO_TEST_CASE(providers_list_equals_the_config) {
  Site site;
  site.MustBuild();
  // Read the provider names with toml++ directly, not through the code under test.
  toml::table raw = toml::parse_file(site.config_path.string());
  std::vector<std::string> expected;
  for (const auto& p : *raw["messaging"]["providers"].as_array()) {
    expected.push_back(std::string(*p.as_table()->get("name")->value<std::string>()));
  }
  BOOST_REQUIRE_EQUAL(expected.size(), 6u);
  HtmlDoc faq(site.Page("faq/index.html"));
  const auto seed = SeedQuestions();
  for (const std::string& q : {seed[6], seed[11]}) {  // Messaging and medication-list answers.
    const GumboNode* article = ArticleFor(faq, q);
    BOOST_REQUIRE_MESSAGE(article != nullptr, q);
    std::vector<std::string> items;
    for (const GumboNode* li : faq.All(GUMBO_TAG_LI, article)) {
      items.push_back(Collapse(HtmlDoc::Text(li)));
    }
    BOOST_TEST(items == expected, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(help_line_is_always_a_tel_link) {
  Site site;
  site.MustBuild();
  const std::string number = SeedHelpLine();
  std::string digits;
  for (char c : number) {
    if (c >= '0' && c <= '9') digits += c;
  }
  const std::string href = "tel:+1" + digits;
  for (const auto& rel : site.HtmlPages()) {
    HtmlDoc doc(site.Page(rel));
    size_t links = 0;
    for (const GumboNode* a : doc.All(GUMBO_TAG_A)) {
      if (HtmlDoc::Text(a).find(number) != std::string::npos) {
        BOOST_TEST(HtmlDoc::Attr(a, "href") == href, rel);
        ++links;
      }
    }
    BOOST_TEST(links >= 1u, rel);
    // Wherever the number is printed, it is inside a tel: link.
    for (const GumboNode* el : doc.Where([](const GumboNode*) { return true; })) {
      const GumboVector& kids = el->v.element.children;
      for (unsigned i = 0; i < kids.length; ++i) {
        const auto* kid = static_cast<const GumboNode*>(kids.data[i]);
        if (kid->type == GUMBO_NODE_TEXT &&
            std::string(kid->v.text.text).find(number) != std::string::npos) {
          const GumboNode* a = HtmlDoc::Ancestor(el, GUMBO_TAG_A);
          BOOST_TEST((a != nullptr && HtmlDoc::Attr(a, "href") == href), rel);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(release_windows_and_delay_come_from_the_config) {
  Site site;
  ReplaceInFile(site.config_path, "delay_hours = 72", "delay_hours = 96");
  ReplaceInFile(site.config_path, "since_year = 2012", "since_year = 2014");
  site.MustBuild();
  HtmlDoc faq(site.Page("faq/index.html"));
  const auto seed = SeedQuestions();
  const GumboNode* delay = ArticleFor(faq, seed[8]);
  const GumboNode* windows = ArticleFor(faq, seed[1]);
  BOOST_REQUIRE(delay != nullptr);
  BOOST_REQUIRE(windows != nullptr);
  BOOST_TEST(Collapse(HtmlDoc::Text(delay)).find("take 96 hours") != std::string::npos);
  BOOST_TEST(Collapse(HtmlDoc::Text(windows)).find("letters since 2014") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(config_values_are_never_injected_unescaped) {
  Site site;
  // Hostile values in facts that templates print (title, help line) and that content prints
  // (short name, a provider), in text and in attribute positions.
  const std::string title = "</title><script>t()</script>";
  const std::string short_name = "<script>alert('x')</script>";
  const std::string help = "<b onmouseover=\"x()\">help</b>";
  ReplaceInFile(site.config_path, "title = \"Backus Patient Portal help\"",
                "title = \"</title><script>t()</script>\"");
  ReplaceInFile(site.config_path, "short_name = \"Backus\"",
                "short_name = \"<script>alert('x')</script>\"");
  ReplaceInFile(site.config_path, "name = \"Medical Records Patient Portal help line\"",
                "name = \"<b onmouseover=\\\"x()\\\">help</b>\"");
  ReplaceInFile(site.config_path, "name = \"OB/Gyn Services\"", "name = \"<img src=x onerror=y>\"");
  site.MustBuild();
  size_t short_name_shown = 0, help_shown = 0, provider_shown = 0;
  for (const auto& rel : site.HtmlPages()) {
    const std::string html = site.Page(rel);
    HtmlDoc doc(html);
    // The only script is the site's own, loaded by src.
    for (const GumboNode* s : doc.All(GUMBO_TAG_SCRIPT)) {
      BOOST_TEST(HtmlDoc::Attr(s, "src").starts_with("/portal-help/assets/search."), rel);
      BOOST_TEST(HtmlDoc::Text(s).empty(), rel);
    }
    BOOST_TEST(doc.All(GUMBO_TAG_SCRIPT).size() == 1u, rel);
    BOOST_TEST(doc.All(GUMBO_TAG_IMG).empty(), rel);
    BOOST_TEST(doc.All(GUMBO_TAG_B).empty(), rel);
    BOOST_TEST(doc.Where([](const GumboNode* n) {
                    return !HtmlDoc::Attr(n, "onmouseover").empty() ||
                           !HtmlDoc::Attr(n, "onerror").empty();
                  })
                   .empty(),
               rel);
    // The title element holds the whole hostile title as text.
    const auto titles = doc.All(GUMBO_TAG_TITLE);
    BOOST_REQUIRE_EQUAL(titles.size(), 1u);
    BOOST_TEST(HtmlDoc::Text(titles[0]).ends_with(" — " + title), rel);
    const std::string text = HtmlDoc::Text(doc.root());
    if (text.find(short_name) != std::string::npos) ++short_name_shown;
    if (text.find(help) != std::string::npos) ++help_shown;
    if (text.find("<img src=x onerror=y>") != std::string::npos) ++provider_shown;
  }
  // Each value is shown, as text.
  BOOST_TEST(short_name_shown >= 1u);
  BOOST_TEST(help_shown >= 1u);
  BOOST_TEST(provider_shown >= 1u);
}

BOOST_AUTO_TEST_CASE(site_files_sitemap_robots_and_fingerprinted_assets) {
  Site site;
  site.MustBuild();
  const auto files = testing::ReadTree(site.out);
  BOOST_TEST(files.count("index.html") == 1u);
  BOOST_TEST(files.count("404.html") == 1u);
  BOOST_TEST(files.at("robots.txt")
                 .find("Sitemap: https://www.backushospital.org/portal-help/sitemap.xml") !=
             std::string::npos);
  const std::string& sitemap = files.at("sitemap.xml");
  size_t locs = 0;
  for (size_t at = sitemap.find("<loc>"); at != std::string::npos;
       at = sitemap.find("<loc>", at + 1))
    ++locs;
  BOOST_TEST(locs == 14u);  // Home, FAQ, 12 questions.
  BOOST_TEST(sitemap.find("<loc>https://www.backushospital.org/portal-help/faq/</loc>") !=
             std::string::npos);
  HtmlDoc nf(files.at("404.html"));
  bool noindex = false;
  for (const GumboNode* m : nf.All(GUMBO_TAG_META))
    noindex |= HtmlDoc::Attr(m, "content") == "noindex";
  BOOST_TEST(noindex);

  // Asset names carry the first 10 hex digits of their SHA-256, computed here by sha256sum.
  const std::regex fingerprinted(R"(assets/([a-z-]+)\.([0-9a-f]{10})\.(css|js|json))");
  size_t assets = 0;
  for (const auto& [rel, data] : files) {
    if (!rel.starts_with("assets/")) continue;
    std::smatch m;
    BOOST_REQUIRE_MESSAGE(std::regex_match(rel, m, fingerprinted), rel);
    ++assets;
    if (m[3] == "json") continue;  // The index is named by its inputs, checked below.
    auto sum = testing::RunCommand({"/usr/bin/sha256sum", (site.out / rel).string()});
    BOOST_TEST(sum.out.substr(0, 10) == m[2].str(), rel);
  }
  BOOST_TEST(assets == 3u);
  HtmlDoc home(files.at("index.html"));
  BOOST_TEST(HtmlDoc::Attr(home.All(GUMBO_TAG_LINK).at(1), "href")
                 .starts_with("/portal-help/assets/site."));
}

BOOST_AUTO_TEST_CASE(search_index_lists_every_question_with_a_working_url) {
  Site site;
  site.MustBuild();
  HtmlDoc home(site.Page("index.html"));
  const std::string index_url = HtmlDoc::Attr(home.ById("site-search"), "data-index");
  BOOST_REQUIRE(index_url.starts_with("/portal-help/"));
  auto index = nlohmann::json::parse(site.Page(index_url.substr(strlen("/portal-help/"))));
  const auto seed = SeedQuestions();
  BOOST_REQUIRE_EQUAL(index.size(), seed.size());
  std::set<std::string> titles;
  for (const auto& doc : index) {
    titles.insert(Collapse(doc["t"].get<std::string>()));
    const std::string url = doc["u"];
    BOOST_TEST(fs::exists(site.out / url.substr(strlen("/portal-help/"))), url);
    BOOST_TEST(!doc["x"].get<std::string>().empty());
  }
  for (const auto& q : seed) BOOST_TEST(titles.count(q) == 1u, q);
}

BOOST_AUTO_TEST_CASE(pages_are_accessible_in_structure) {
  Site site;
  site.MustBuild();
  for (const auto& rel : site.HtmlPages()) {
    HtmlDoc doc(site.Page(rel));
    BOOST_TEST(HtmlDoc::Attr(doc.All(GUMBO_TAG_HTML).at(0), "lang") == "en", rel);
    BOOST_TEST(HtmlDoc::Attr(doc.All(GUMBO_TAG_A).at(0), "href") == "#main", rel);  // Skip link.
    BOOST_TEST(doc.ById("main") != nullptr, rel);
    BOOST_TEST(doc.All(GUMBO_TAG_HEADER).size() == 1u, rel);
    BOOST_TEST(doc.All(GUMBO_TAG_MAIN).size() == 1u, rel);
    BOOST_TEST(doc.All(GUMBO_TAG_FOOTER).size() == 1u, rel);
    BOOST_TEST(doc.All(GUMBO_TAG_H1).size() == 1u, rel);
    // Heading levels never skip on the way down.
    int previous = 0;
    for (const GumboNode* h : doc.Where([](const GumboNode* n) {
           const GumboTag t = n->v.element.tag;
           return t >= GUMBO_TAG_H1 && t <= GUMBO_TAG_H6;
         })) {
      const int level = 1 + static_cast<int>(h->v.element.tag - GUMBO_TAG_H1);
      BOOST_TEST(level <= previous + 1, rel << ": h" << level << " after h" << previous);
      previous = level;
    }
  }
}

// Each kind of bad input stops the render with a message naming the file, and the previous
// site stays exactly as it was.
BOOST_AUTO_TEST_CASE(bad_input_names_the_file_and_keeps_the_previous_site) {
  struct Breakage {
    const char* what;
    std::function<void(const fs::path& root)> apply;
    const char* expect;
  };
  const std::vector<Breakage> cases = {
      {"malformed front matter",
       [](const fs::path& r) { Spit(r / "content/faq/12-biopsy.md", "+++\ntitle = \"x\nBody\n"); },
       "12-biopsy.md:1: front matter is never closed"},
      {"bad TOML in front matter",
       [](const fs::path& r) {
         ReplaceInFile(r / "content/faq/12-biopsy.md", "weight = 30", "weight = = 30");
       },
       "12-biopsy.md:4:"},
      {"missing template",
       [](const fs::path& r) { fs::remove(r / "site_templates/question.mustache"); },
       "question.mustache: missing template"},
      {"missing partial",
       [](const fs::path& r) { fs::remove(r / "site_templates/partials/help_box.mustache"); },
       "partial 'help_box' not found"},
      {"unclosed section",
       [](const fs::path& r) {
         ReplaceInFile(r / "site_templates/faq.mustache", "{{/topics}}\n  {{> help_box}}",
                       "\n  {{> help_box}}");
       },
       "faq.mustache:17: section {{#topics}} is never closed"},
      {"unknown config key",
       [](const fs::path& r) {
         ReplaceInFile(r / "content/portal.toml", "[help_line]\n", "[help_line]\nfax = \"1\"\n");
       },
       "portal.toml:12: help_line.fax: unknown key"},
      {"wrong config type",
       [](const fs::path& r) {
         ReplaceInFile(r / "content/portal.toml", "minimum_age_years = 18",
                       "minimum_age_years = \"18\"");
       },
       "release.minimum_age_years: expected an integer"},
      {"duplicate anchor",
       [](const fs::path& r) {
         ReplaceInFile(r / "content/faq/12-biopsy.md", "weight = 30",
                       "weight = 30\nanchor = \"how-do-i-get-access-to-the-patient-portal\"");
       },
       "duplicate anchor 'how-do-i-get-access-to-the-patient-portal'"},
  };
  for (const auto& c : cases) {
    Site site;
    site.MustBuild();
    const auto before = testing::ReadTree(site.out);
    c.apply(site.dir.path());
    Status st = site.Build();
    BOOST_TEST(!st.ok(), c.what);
    BOOST_TEST(st.message().find(c.expect) != std::string::npos, c.what << ": " << st.message());
    BOOST_TEST((testing::ReadTree(site.out) == before), c.what << ": previous site changed");
    const std::set<std::string> allowed = {"content", "site_templates", "site", "site.lock",
                                           "site.next"};
    for (const auto& e : fs::directory_iterator(site.dir.path())) {
      BOOST_TEST(allowed.count(e.path().filename().string()) == 1u,
                 c.what << ": leftover " << e.path());
    }
  }
}

}  // namespace
}  // namespace portal
