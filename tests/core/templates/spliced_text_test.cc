#define BOOST_TEST_MODULE spliced_text_test
#include "core/templates/spliced_text.h"

#include <boost/test/unit_test.hpp>
#include <mstch/mstch.hpp>

#include "core/html_escape.h"
#include "core/templates/template_set.h"

namespace portal {
namespace {

std::string Join(const std::vector<std::string_view>& parts) {
  std::string out;
  for (auto p : parts) out += p;
  return out;
}

BOOST_AUTO_TEST_CASE(tokens_are_replaced_by_their_parts) {
  SplicedText s;
  const std::string a = s.Add({"<p>", "one", "</p>"});
  const std::string b = s.Add({});
  BOOST_TEST(Join(s.Assemble("[" + a + "|" + b + "|" + a + "]")) == "[<p>one</p>||<p>one</p>]");
  BOOST_TEST(Join(s.Assemble("no tokens")) == "no tokens");
}

BOOST_AUTO_TEST_CASE(text_that_only_looks_like_a_token_is_left_alone) {
  SplicedText s;
  const std::string token = s.Add({"X"});
  std::string forged = token;
  forged[forged.size() - 2] = '9';  // Index 9 was never added.
  BOOST_TEST(Join(s.Assemble("a" + forged + "b")) == "a" + forged + "b");
  BOOST_TEST(Join(s.Assemble("\x1esplice-1-0\x1e")) == "\x1esplice-1-0\x1e");  // Wrong nonce.
}

// The layout shell (rendered once with tokens, then assembled per page) gives the page a full
// render gives, for every way a logic-less template can use a value.
BOOST_AUTO_TEST_CASE(a_shell_assembles_to_the_full_render) {
  InstallMstchEscape();
  const std::string layout =
      "<title>{{page_title}}</title>{{#page_title}}<h1>{{page_title}}</h1>{{/page_title}}"
      "{{^page_title}}none{{/page_title}}<link href=\"{{canonical_url}}\">{{{body}}}"
      "{{#noindex}}<meta noindex>{{/noindex}}";
  const std::string title = "Tom & <Jerry>";
  const std::string url = "https://h/p?a=1&b=\"2\"";
  const std::string body = "<main>text</main>";
  for (bool noindex : {false, true}) {
    const std::string full = mstch::render(
        layout,
        mstch::map{
            {"page_title", title}, {"canonical_url", url}, {"body", body}, {"noindex", noindex}});
    SplicedText tokens;
    mstch::map ctx{{"noindex", noindex}};
    ctx["page_title"] = tokens.Add({});
    ctx["canonical_url"] = tokens.Add({});
    ctx["body"] = tokens.Add({});
    const std::string shell = mstch::render(layout, ctx);
    SplicedText values;
    const std::string escaped_title = HtmlEscape(title), escaped_url = HtmlEscape(url);
    values.Add({escaped_title});
    values.Add({escaped_url});
    values.Add({body});
    BOOST_TEST(Join(values.Assemble(shell)) == full);
  }
}

}  // namespace
}  // namespace portal
