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

BOOST_AUTO_TEST_CASE(a_key_named_twice_is_refused_at_any_depth_with_its_path) {
  struct Case {
    const char* text;
    std::vector<std::string> path;
  };
  const std::vector<Case> cases = {
      {R"({"to":"a","to":"b"})", {"to"}},
      {R"({"profile":{"email":1,"email":2}})", {"profile", "email"}},
      {R"({"a":[{"x":1},{"y":1,"z":2,"y":3}]})", {"a", "[1]", "y"}},
      {R"([[0],[1,{"k":{"k":1,"m":[],"m":2}}]])", {"[1]", "[1]", "k", "m"}},
      {R"({"e\u0301":1,"e\u0301":2})", {"e\xcc\x81"}},  // Equal after unescaping.
  };
  for (const Case& c : cases) {
    nlohmann::json j;
    std::vector<std::string> path;
    const Status st = ParseStrictJson(c.text, &j, {}, &path);
    BOOST_TEST(!st.ok(), c.text);
    BOOST_TEST(path == c.path, c.text);
    BOOST_TEST(st.message().find("duplicate key") != std::string::npos, st.message());
    BOOST_TEST(j.is_discarded());
    BOOST_TEST(!ParseJson(c.text, &j), c.text);
  }
  nlohmann::json j;
  const Status st = ParseStrictJson(R"({"a":[{"x":1},{"y":1,"z":2,"y":3}]})", &j);
  BOOST_TEST(st.message() == "duplicate key \"a[1].y\"");
  // The same key in different objects, and keys differing only in case, are fine.
  BOOST_TEST(ParseStrictJson(R"({"a":{"k":1},"b":{"k":2},"K":3,"k":[{"k":1},{"k":2}]})", &j).ok());
  BOOST_TEST(j["b"]["k"] == 2);
}

BOOST_AUTO_TEST_CASE(depth_and_size_are_bounded) {
  nlohmann::json j;
  StrictJsonOptions options;
  options.max_depth = 3;
  BOOST_TEST(ParseStrictJson(R"({"a":[{"b":1}]})", &j, options).ok());
  Status st = ParseStrictJson(R"({"a":[{"b":[1]}]})", &j, options);
  BOOST_TEST(st.message() == "nested deeper than 3 levels");
  BOOST_TEST(ParseStrictJson("[[[[]]]]", &j, options).message() == "nested deeper than 3 levels");
  // The default depth is 64: 64 arrays open at once parse, 65 do not.
  BOOST_TEST(ParseJson(std::string(64, '[') + std::string(64, ']'), &j));
  BOOST_TEST(!ParseJson(std::string(65, '[') + std::string(65, ']'), &j));
  // A hundred thousand levels are refused without exhausting the stack.
  BOOST_TEST(!ParseJson(std::string(100000, '['), &j));
  options.max_bytes = 10;
  BOOST_TEST(ParseStrictJson(R"({"a":"12"})", &j, options).ok());  // 10 bytes.
  BOOST_TEST(ParseStrictJson(R"({"a":"123"})", &j, options).message() == "larger than 10 bytes");
  BOOST_TEST(ParseStrictJson("{\"a\":", &j).message() == "not valid JSON (UTF-8)");
  BOOST_TEST(ParseStrictJson("\"\xc0\x80\"", &j).message() == "not valid JSON (UTF-8)");
  BOOST_TEST(ParseStrictJson("{} {}", &j).message() == "not valid JSON (UTF-8)");
}

}  // namespace
}  // namespace portal
