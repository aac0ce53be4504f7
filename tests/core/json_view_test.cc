#define BOOST_TEST_MODULE json_view_test
#include "core/json_view.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

const nlohmann::json& Doc() {
  static const nlohmann::json doc = nlohmann::json::parse(R"({
    "resourceType": "Communication",
    "payload": [{"contentString": "first"}, {"contentAttachment": {"data": "QUJD"}}],
    "count": 3, "big": 18446744073709551615, "flag": true, "neg": -2
  })");
  return doc;
}

BOOST_AUTO_TEST_CASE(reads_down_a_path) {
  const JsonView v(Doc());
  BOOST_TEST(v["resourceType"].Str() == "Communication");
  BOOST_TEST(v["payload"][0]["contentString"].Str() == "first");
  BOOST_TEST(v["payload"][1]["contentAttachment"]["data"].Str() == "QUJD");
  BOOST_TEST(v["payload"].size() == 2u);
  int64_t n = 0;
  BOOST_TEST(v["count"].Int(&n));
  BOOST_TEST(n == 3);
  BOOST_TEST(v["neg"].Int(&n));
  BOOST_TEST(n == -2);
  bool flag = false;
  BOOST_TEST(v["flag"].Bool(&flag));
  BOOST_TEST(flag);
}

BOOST_AUTO_TEST_CASE(missing_or_mistyped_parts_are_empty_never_an_exception) {
  const JsonView v(Doc());
  BOOST_TEST(v["nothing"]["deeper"][5].empty());
  BOOST_TEST(v["payload"][2].empty());
  BOOST_TEST(v["payload"][-1].empty());
  BOOST_TEST(v["resourceType"]["x"].empty());  // A member of a string.
  BOOST_TEST(v["count"][0].empty());           // An element of a number.
  BOOST_TEST(v["count"].Str("fallback") == "fallback");
  BOOST_TEST(v["nothing"].Str() == "");
  int64_t n = 9;
  BOOST_TEST(!v["big"].Int(&n));  // Past INT64_MAX.
  BOOST_TEST(!v["resourceType"].Int(&n));
  BOOST_TEST(n == 9);
  bool b = false;
  BOOST_TEST(!v["count"].Bool(&b));
  BOOST_TEST(v["nothing"].json().is_null());
}

BOOST_AUTO_TEST_CASE(iterates_arrays_only) {
  std::vector<std::string> seen;
  for (JsonView p : JsonView(Doc())["payload"]) seen.push_back(p["contentString"].Str("-"));
  BOOST_TEST(seen == (std::vector<std::string>{"first", "-"}));
  int count = 0;
  for (JsonView p : JsonView(Doc())["count"]) count += p.empty() ? 1 : 1;
  for (JsonView p : JsonView()) count += p.empty() ? 1 : 1;
  BOOST_TEST(count == 0);
}

BOOST_AUTO_TEST_CASE(parse_json_refuses_malformed_text_without_throwing) {
  nlohmann::json j;
  BOOST_TEST(ParseJson(R"({"a": [1, 2]})", &j));
  BOOST_TEST(JsonView(j)["a"].size() == 2u);
  BOOST_TEST(!ParseJson("{\"a\": ", &j));
  BOOST_TEST(!ParseJson("", &j));
  BOOST_TEST(!ParseJson("\"\xff\"", &j));  // Invalid UTF-8.
}

}  // namespace
}  // namespace portal
