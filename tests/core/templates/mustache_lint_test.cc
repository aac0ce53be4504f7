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
  // A blank comment too: mstch throws std::length_error on it (found by the mustache_lint
  // fuzzer); an empty one is fine.
  BOOST_TEST(Lint("{{! }}").message() == "t.mustache:1: empty tag");
  BOOST_TEST(Lint("x\n{{!\n}}").message() == "t.mustache:2: empty tag");
  BOOST_TEST(Lint("{{!}}").ok());
  // White space before the kind, as mstch reads it: "{{ ! }}" is a blank comment, not "!".
  BOOST_TEST(Lint("{{ ! }}").message() == "t.mustache:1: empty tag");
  BOOST_TEST(Lint("{{ #a}}").message() == "t.mustache:1: section {{#a}} is never closed");
}

// mstch and the linter read delimiter changes differently (the mustache_lint fuzzer found
// "{{=<= %>=}}", "{{=<%\x01 \xe0>=}}" and "{{={% %=}}{%{%" passing the linter and making mstch
// throw; tests/fuzz/regressions/mustache_lint/): they are refused.
BOOST_AUTO_TEST_CASE(delimiter_changes_are_refused) {
  BOOST_TEST(Lint("x\n{{=<% %>=}}<%#a%>{{not a tag<%/a%>").message() ==
             "t.mustache:2: delimiter changes ({{=...=}}) are not allowed");
  BOOST_TEST(!Lint("{{={% %=}}{%{%").ok());
  BOOST_TEST(!Lint("{{=[ ]=}}[x]").ok());
}

// Found by the mustache_lint fuzzer: "{{{ a {{{b}}}" was one tag to the linter and two to mstch.
BOOST_AUTO_TEST_CASE(a_tag_opened_inside_another_is_an_error) {
  BOOST_TEST(Lint("x\n{{{  {{{intro}}}").message() ==
             "t.mustache:2: tag '{{' opened inside another tag");
  BOOST_TEST(Lint("{{a {{b}}").message() == "t.mustache:1: tag '{{' opened inside another tag");
  BOOST_TEST(Lint("{{! a comment { with braces }}").ok());
}

BOOST_AUTO_TEST_CASE(line_offset_is_added) {
  MustacheLintResult r;
  Status st = LintMustache("x\n{{#a}}", "f.md", 10, &r);
  BOOST_TEST(st.message() == "f.md:12: section {{#a}} is never closed");
}

}  // namespace
}  // namespace portal
