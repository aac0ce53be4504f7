#define BOOST_TEST_MODULE front_matter_test
#include "generator/site/front_matter.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

BOOST_AUTO_TEST_CASE(splits_toml_and_body) {
  FrontMatterDocument doc;
  Status st = ParseFrontMatter("+++\ntitle = \"Q?\"\nweight = 3\n+++\nBody\nmore\n", "q.md", &doc);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(doc.front_matter["title"].value_or(std::string()) == "Q?");
  BOOST_TEST(doc.front_matter["weight"].value_or(0) == 3);
  BOOST_TEST(doc.body == "Body\nmore\n");
  BOOST_TEST(doc.body_line == 5);
}

BOOST_AUTO_TEST_CASE(missing_opening_fence) {
  FrontMatterDocument doc;
  BOOST_TEST(ParseFrontMatter("title = 1\n", "q.md", &doc).message() ==
             "q.md:1: expected front matter starting with a '+++' line");
}

BOOST_AUTO_TEST_CASE(unclosed_front_matter) {
  FrontMatterDocument doc;
  BOOST_TEST(ParseFrontMatter("+++\ntitle = \"x\"\nBody\n", "q.md", &doc).message() ==
             "q.md:1: front matter is never closed by a '+++' line");
}

BOOST_AUTO_TEST_CASE(toml_errors_carry_the_file_line) {
  FrontMatterDocument doc;
  Status st = ParseFrontMatter("+++\ntitle = \"ok\"\nweight = = 2\n+++\n", "q.md", &doc);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().starts_with("q.md:3: "), st.message());
}

BOOST_AUTO_TEST_CASE(byte_order_mark_and_crlf_are_accepted) {
  FrontMatterDocument doc;
  Status st = ParseFrontMatter("\xEF\xBB\xBF+++\r\ntitle = \"x\"\r\n+++\r\nBody", "q.md", &doc);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(doc.body == "Body");
}

}  // namespace
}  // namespace portal
