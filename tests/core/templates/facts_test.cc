#define BOOST_TEST_MODULE facts_test
#include "core/templates/facts.h"

#include <boost/test/unit_test.hpp>

#include "core/config.h"
#include "core/templates/template_set.h"
#include "generator/site/markdown.h"
#include "tests/test_util.h"

namespace portal {
namespace {

BOOST_AUTO_TEST_CASE(markdown_escape_backslashes_syntax_but_not_html_specials) {
  BOOST_TEST(MarkdownEscape("*a* [b](c) #1 <x> & \"q\"") ==
             "\\*a\\* \\[b\\]\\(c\\) \\#1 <x> & \"q\"");
  BOOST_TEST(MarkdownEscape("two\nlines") == "two lines");
}

// A config value goes through the content pipeline (mstch with the Markdown facts, then
// cmark-gfm) and must print exactly as written, never as markup.
BOOST_AUTO_TEST_CASE(hostile_values_print_as_written_through_markdown) {
  InstallMstchEscape();
  PortalConfig cfg;
  BOOST_REQUIRE(LoadConfig(testing::SourceDir() / "content" / "portal.toml", &cfg).ok());
  cfg.hospital.short_name = "<script>alert(1)</script> *bold* [x](javascript:y) 5~10 ~~s~~ & `c`";
  const mstch::map facts = FactsContext(cfg, FactsFor::kMarkdown);
  const std::string md = mstch::render("Hello {{hospital.short_name}}!", facts);
  SlugSet slugs;
  RenderedMarkdown out;
  BOOST_REQUIRE(RenderMarkdown(md, 0, &slugs, &out).ok());
  BOOST_TEST(out.html ==
             "<p>Hello &lt;script&gt;alert(1)&lt;/script&gt; *bold* [x](javascript:y) 5~10 ~~s~~ "
             "&amp; `c`!</p>\n");
}

BOOST_AUTO_TEST_CASE(release_sections_expose_only_their_window) {
  InstallMstchEscape();
  PortalConfig cfg;
  BOOST_REQUIRE(LoadConfig(testing::SourceDir() / "content" / "portal.toml", &cfg).ok());
  const mstch::map facts = FactsContext(cfg, FactsFor::kHtml);
  const std::string out = mstch::render(
      "{{#release.sections}}{{id}}:{{#current_only}}C{{/current_only}}"
      "{{#since_year}}S{{since_year}}{{/since_year}}"
      "{{#max_age_years}}A{{max_age_years}}{{/max_age_years}};{{/release.sections}}",
      facts);
  BOOST_TEST(out ==
             "social_history:C;allergies_conditions:C;results:S2003;medications:C;reports:A2;"
             "preventive_care:C;letters:S2012;visit_history:S2003;");
}

// The FAQ lists what the summary shows: a section turned off (shown = false) is not listed,
// and one for the patient only says so.
BOOST_AUTO_TEST_CASE(release_sections_listed_as_shown_and_for_whom) {
  InstallMstchEscape();
  PortalConfig cfg;
  BOOST_REQUIRE(LoadConfig(testing::SourceDir() / "content" / "portal.toml", &cfg).ok());
  const std::string tmpl =
      "{{#release.sections}}{{id}}{{#patient_only}}(patient){{/patient_only}};"
      "{{/release.sections}}";
  BOOST_TEST(mstch::render(tmpl, FactsContext(cfg, FactsFor::kHtml)) ==
             "social_history(patient);allergies_conditions;results;medications;reports;"
             "preventive_care;letters;visit_history;");
  BOOST_REQUIRE(cfg.release.sections[0].id == "social_history");
  cfg.release.sections[0].shown = false;
  BOOST_TEST(mstch::render(tmpl, FactsContext(cfg, FactsFor::kHtml)) ==
             "allergies_conditions;results;medications;reports;preventive_care;letters;"
             "visit_history;");
}

}  // namespace
}  // namespace portal
