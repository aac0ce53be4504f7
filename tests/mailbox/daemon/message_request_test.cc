#define BOOST_TEST_MODULE message_request_test
#include "mailbox/daemon/message_request.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "tests/test_util.h"

namespace portal {
namespace {

using json = nlohmann::json;
constexpr int64_t kNow = 1795700000;  // 2026-11-26T13:33:20Z (date -u -d @1795700000).

PortalConfig Config() {
  PortalConfig c;
  BOOST_REQUIRE(LoadConfig(testing::SourceDir() / "content" / "portal.toml", &c).ok());
  return c;
}

json Good() {
  return {{"version", 1},
          {"mrn", "M123456"},
          {"to", "conncare"},
          {"subject", "Refill question"},
          {"body", "Zenwick here: can my prescription be renewed?"},
          {"nonce", "Zq3vW8x_Kp-20261126a"},
          {"timestamp", "2026-11-26T13:30:00Z"}};
}

struct Result {
  Status status;
  std::string field;
  MessageRequest request;
};

Result Parse(const std::string& body) {
  Result r;
  r.status = ParseMessageRequest(Config(), body, kNow, &r.request, &r.field);
  return r;
}

BOOST_AUTO_TEST_CASE(a_good_message_parses) {
  Result r = Parse(Good().dump());
  BOOST_REQUIRE_MESSAGE(r.status.ok(), r.status.message());
  BOOST_TEST(r.request.provider == "conncare");
  BOOST_TEST(r.request.mrn == "M123456");
  BOOST_TEST(r.request.timestamp == kNow - 200);
}

BOOST_AUTO_TEST_CASE(each_bad_field_is_named_and_no_value_is_echoed) {
  struct Case {
    const char* field;
    json value;
    const char* expected_field;
    const char* phrase;
  };
  const std::vector<Case> cases = {
      {"version", 2, "version", "must be 1"},
      {"mrn", "123456", "mrn", "an M followed by 6 digits"},
      {"mrn", 123456, "mrn", "must be a string"},
      {"to", "dr-secretname", "to", "Backus Physician Services"},
      {"subject", "", "subject", "1 to 200"},
      {"subject", std::string(201, 's'), "subject", "1 to 200"},
      {"body", std::string(10001, 'b'), "body", "1 to 10000"},
      {"nonce", "short", "nonce", "16 to 128"},
      {"nonce", "has spaces in it, sixteen+", "nonce", "16 to 128"},
      {"timestamp", "2026-11-26T13:20:00Z", "timestamp", "within 5 minutes"},
      {"timestamp", "2026-11-26T13:39:00Z", "timestamp", "within 5 minutes"},
      {"timestamp", "2026-11-26", "timestamp", "an instant"},
      {"secret_field_name", "x", "", "unknown field"},
  };
  for (const auto& c : cases) {
    json j = Good();
    j[c.field] = c.value;
    Result r = Parse(j.dump());
    BOOST_TEST(!r.status.ok(), c.field);
    BOOST_TEST(r.field == c.expected_field, c.field << ": " << r.field);
    BOOST_TEST(r.status.message().find(c.phrase) != std::string::npos,
               c.field << ": " << r.status.message());
    const std::string sent = c.value.is_string() ? c.value.get<std::string>() : "";
    if (sent.size() > 3) {
      BOOST_TEST(r.status.message().find(sent) == std::string::npos, c.field);
    }
    BOOST_TEST(r.status.message().find("secret_field_name") == std::string::npos);
    BOOST_TEST(r.status.message().find("Zenwick") == std::string::npos);
  }
  json missing = Good();
  missing.erase("body");
  Result r = Parse(missing.dump());
  BOOST_TEST(r.field == "body");
  BOOST_TEST(r.status.message().find("missing") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_bodies_are_refused_as_a_whole) {
  const std::vector<std::string> bodies = {
      "", "{", "[1,2]", "\"text\"", "{\"version\":1,}", "{\"subject\":\"\xff\xfe\"}"};
  for (const std::string& body : bodies) {
    Result r = Parse(body);
    BOOST_TEST(!r.status.ok());
    BOOST_TEST(r.field.empty());
  }
  // Subject limits count characters, not bytes: 200 three-byte characters are fine.
  json j = Good();
  std::string wide;
  for (int i = 0; i < 200; ++i) wide += "\xe2\x82\xac";  // U+20AC
  j["subject"] = wide;
  BOOST_TEST(Parse(j.dump()).status.ok());
}

}  // namespace
}  // namespace portal
