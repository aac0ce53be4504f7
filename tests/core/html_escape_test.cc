#define BOOST_TEST_MODULE html_escape_test
#include "core/html_escape.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

BOOST_AUTO_TEST_CASE(escapes_the_five_html_specials) {
  BOOST_TEST(HtmlEscape("<script>alert('x')</script> & \"q\"") ==
             "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
}

BOOST_AUTO_TEST_CASE(leaves_other_text_alone) {
  BOOST_TEST(HtmlEscape("Café 5~10 mg / día") == "Café 5~10 mg / día");
  BOOST_TEST(HtmlEscape("") == "");
}

}  // namespace
}  // namespace portal
