#define BOOST_TEST_MODULE mustache_lint_test
#include "core/templates/mustache_lint.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

Status Lint(const std::string& text, MustacheLintResult* out = nullptr) {
  MustacheLintResult scratch;
  return LintMustache(text, "t.mustache", 0, out != nullptr ? out : &scratch);
}

BOOST_AUTO_TEST_CASE(well_formed_template_passes_and_lists_partials) {
  MustacheLintResult r;
  Status st = Lint("{{#a}}\n{{> header}}{{^b}}x{{/b}}\n{{/a}}{{! note }}{{{raw}}}{{& amp}}", &r);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_REQUIRE(r.partials.size() == 1u);
  BOOST_TEST(r.partials[0].name == "header");
  BOOST_TEST(r.partials[0].line == 2);
  BOOST_TEST(r.unescaped.size() == 2u);
}

BOOST_AUTO_TEST_CASE(unclosed_section_names_its_line) {
  Status st = Lint("a\nb\n{{#items}}\nc\n");
  BOOST_TEST(st.message() == "t.mustache:3: section {{#items}} is never closed");
}

BOOST_AUTO_TEST_CASE(mismatched_close_names_both) {
  Status st = Lint("{{#a}}\n{{#b}}\n{{/a}}");
  BOOST_TEST(st.message() == "t.mustache:3: {{/a}} does not match {{#b}} opened at line 2");
}

BOOST_AUTO_TEST_CASE(stray_close_is_an_error) {
  BOOST_TEST(Lint("x {{/a}}").message() ==
             "t.mustache:1: {{/a}} closes a section that was never opened");
}

BOOST_AUTO_TEST_CASE(unterminated_tag_is_an_error) {
  BOOST_TEST(Lint("ok\n{{name").message() == "t.mustache:2: tag '{{' is never closed");
  BOOST_TEST(!Lint("{{{raw}}").ok());
}

BOOST_AUTO_TEST_CASE(empty_tag_is_an_error) {
  BOOST_TEST(Lint("{{ }}").message() == "t.mustache:1: empty tag");
}

BOOST_AUTO_TEST_CASE(delimiter_changes_are_followed) {
  BOOST_TEST(Lint("{{=<% %>=}}<%#a%>{{not a tag<%/a%>").ok());
  BOOST_TEST(!Lint("{{=<% %>=}}<%#a%>").ok());
}

BOOST_AUTO_TEST_CASE(line_offset_is_added) {
  MustacheLintResult r;
  Status st = LintMustache("x\n{{#a}}", "f.md", 10, &r);
  BOOST_TEST(st.message() == "f.md:12: section {{#a}} is never closed");
}

}  // namespace
}  // namespace portal
