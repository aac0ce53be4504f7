#define BOOST_TEST_MODULE markdown_test
#include "generator/site/markdown.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

std::string Html(const std::string& md, int shift = 0) {
  SlugSet slugs;
  RenderedMarkdown out;
  Status st = RenderMarkdown(md, shift, &slugs, &out);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  return out.html;
}

bool Has(const std::string& html, const std::string& part) {
  return html.find(part) != std::string::npos;
}

BOOST_AUTO_TEST_CASE(single_tildes_print_as_written) {
  const std::string html = Html("Take 5~10 mg, then 20~30 mg.");
  BOOST_TEST(html == "<p>Take 5~10 mg, then 20~30 mg.</p>\n");
}

BOOST_AUTO_TEST_CASE(double_tildes_strike_through) {
  BOOST_TEST(Html("~~old dose~~ new dose") == "<p><del>old dose</del> new dose</p>\n");
}

BOOST_AUTO_TEST_CASE(tables_render) {
  const std::string html = Html("| Test | Value |\n|---|---|\n| A1c | 5.4 |\n");
  BOOST_TEST(Has(html, "<table>"), html);
  BOOST_TEST(Has(html, "<th>Test</th>"), html);
  BOOST_TEST(Has(html, "<td>5.4</td>"), html);
}

BOOST_AUTO_TEST_CASE(bare_urls_become_links) {
  BOOST_TEST(Has(Html("See www.example.org today"), "<a href=\"http://www.example.org\">"));
}

BOOST_AUTO_TEST_CASE(raw_html_is_not_passed_through) {
  const std::string html =
      Html("Hi <script>alert(1)</script> there\n\n<div onclick=x>block</div>\n");
  BOOST_TEST(!Has(html, "<script"), html);
  BOOST_TEST(!Has(html, "<div"), html);
}

BOOST_AUTO_TEST_CASE(dangerous_link_schemes_are_dropped) {
  const std::string html = Html("[x](javascript:alert(1)) [call](tel:+18605550000)");
  BOOST_TEST(!Has(html, "javascript:"), html);
  BOOST_TEST(Has(html, "href=\"tel:+18605550000\""), html);
}

BOOST_AUTO_TEST_CASE(headings_are_shifted_and_given_unique_ids) {
  SlugSet slugs;
  RenderedMarkdown out;
  BOOST_REQUIRE(RenderMarkdown("# Dose\n\ntext\n\n## Dose\n\n###### Deep\n", 2, &slugs, &out).ok());
  BOOST_TEST(Has(out.html, "<h3 id=\"dose\">Dose</h3>"), out.html);
  BOOST_TEST(Has(out.html, "<h4 id=\"dose-1\">Dose</h4>"), out.html);
  BOOST_TEST(Has(out.html, "<h6 id=\"deep\">Deep</h6>"), out.html);  // Capped at 6.
  BOOST_REQUIRE(out.headings.size() == 3u);
  BOOST_TEST(out.headings[1].id == "dose-1");
}

BOOST_AUTO_TEST_CASE(heading_lookalikes_in_code_do_not_take_ids) {
  SlugSet slugs;
  RenderedMarkdown out;
  BOOST_REQUIRE(RenderMarkdown("`<h2>`\n\n## Real\n", 0, &slugs, &out).ok());
  BOOST_TEST(Has(out.html, "<code>&lt;h2&gt;</code>"), out.html);
  BOOST_TEST(Has(out.html, "<h2 id=\"real\">Real</h2>"), out.html);
}

BOOST_AUTO_TEST_CASE(plain_text_is_collected_for_search) {
  SlugSet slugs;
  RenderedMarkdown out;
  BOOST_REQUIRE(RenderMarkdown("# Title\n\nSome *emphasis*\nand `code`.\n", 0, &slugs, &out).ok());
  BOOST_TEST(out.plain_text == "Title Some emphasis and code .");
}

}  // namespace
}  // namespace portal
