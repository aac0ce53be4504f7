#define BOOST_TEST_MODULE search_index_test
#include "generator/site/search_index.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

namespace portal {
namespace {

BOOST_AUTO_TEST_CASE(index_is_a_json_array_in_order) {
  const std::string json = SearchIndexJson({{"Q \"one\"?", "Topic", "/faq/one.html", "text <b>"},
                                            {"Q two", "Topic", "/faq/two.html", ""}});
  const auto index = nlohmann::json::parse(json);
  BOOST_REQUIRE(index.is_array());
  BOOST_REQUIRE_EQUAL(index.size(), 2u);
  BOOST_TEST(index[0]["t"] == "Q \"one\"?");
  BOOST_TEST(index[0]["s"] == "Topic");
  BOOST_TEST(index[0]["u"] == "/faq/one.html");
  BOOST_TEST(index[0]["x"] == "text <b>");
  BOOST_TEST(index[1]["t"] == "Q two");
}

BOOST_AUTO_TEST_CASE(text_is_cut_on_a_character_boundary) {
  std::string text(kSearchTextLimit - 1, 'a');
  text += "é";  // Two bytes across the limit.
  BOOST_TEST(SearchText(text) == std::string(kSearchTextLimit - 1, 'a'));
  BOOST_TEST(SearchText("short") == "short");
}

}  // namespace
}  // namespace portal
