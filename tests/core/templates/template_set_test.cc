#define BOOST_TEST_MODULE template_set_test
#include "core/templates/template_set.h"

#include <boost/test/unit_test.hpp>

#include "tests/test_util.h"

namespace portal {
namespace {

using testing::Spit;
using testing::TempDir;

BOOST_AUTO_TEST_CASE(renders_with_partials_and_escapes_values) {
  TempDir dir;
  Spit(dir.path() / "page.mustache", "<p>{{> greet}}</p>");
  Spit(dir.path() / "partials" / "greet.mustache", "Hi {{name}}");
  TemplateSet set;
  BOOST_REQUIRE(TemplateSet::Load(dir.path(), {"page"}, &set).ok());
  BOOST_TEST(set.Render("page", mstch::map{{"name", std::string("<b>'A&B'</b>")}}) ==
             "<p>Hi &lt;b&gt;&#39;A&amp;B&#39;&lt;/b&gt;</p>");
}

BOOST_AUTO_TEST_CASE(missing_required_template_is_named) {
  TempDir dir;
  Spit(dir.path() / "page.mustache", "x");
  TemplateSet set;
  Status st = TemplateSet::Load(dir.path(), {"page", "layout"}, &set);
  BOOST_TEST(st.message().find("layout.mustache: missing template") != std::string::npos,
             st.message());
}

BOOST_AUTO_TEST_CASE(missing_partial_is_named_with_the_using_line) {
  TempDir dir;
  Spit(dir.path() / "page.mustache", "a\nb\n{{> nav}}");
  TemplateSet set;
  Status st = TemplateSet::Load(dir.path(), {"page"}, &set);
  BOOST_TEST(st.message().find("page.mustache:3: partial 'nav' not found") != std::string::npos,
             st.message());
}

BOOST_AUTO_TEST_CASE(unclosed_section_in_a_partial_is_named) {
  TempDir dir;
  Spit(dir.path() / "page.mustache", "{{> nav}}");
  Spit(dir.path() / "partials" / "nav.mustache", "<ul>\n{{#items}}<li>{{name}}</li>\n</ul>");
  TemplateSet set;
  Status st = TemplateSet::Load(dir.path(), {"page"}, &set);
  BOOST_TEST(
      st.message().find("nav.mustache:2: section {{#items}} is never closed") != std::string::npos,
      st.message());
}

}  // namespace
}  // namespace portal
