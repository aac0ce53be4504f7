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

// What was printed raw to staff terminals before the daemon refused it: cursor movement that
// rewrote a shown MRN, clearing, OSC 0 (title) and 52 (clipboard), NUL, BEL, C1's one-byte CSI
// and NEL, a bare carriage return, DEL.
const std::vector<std::pair<std::string, std::string>>& TerminalControls() {
  static const std::vector<std::pair<std::string, std::string>> controls = {
      {"ESC", "Zenwick \x1b here"},
      {"CSI cursor up and erase line", "Zenwick\x1b[1A\x1b[2KMRN: M100001"},
      {"CSI clear screen", "\x1b[2J\x1b[HZenwick"},
      {"OSC 0 title", "\x1b]0;Zenwick\x07text"},
      {"OSC 52 clipboard", "\x1b]52;c;cm0gLXJmIH4=\x1b\\Zenwick"},
      {"NUL", std::string("Zenwick\0hidden", 14)},
      {"BEL", "Zenwick\x07"},
      {"C1 CSI U+009B",
       "Zenwick\xc2\x9b"
       "2J"},
      {"C1 NEL U+0085", "Zenwick\xc2\x85next"},
      {"C1 OSC U+009D",
       "\xc2\x9d"
       "52;c;eA==\xc2\x9cZenwick"},
      {"carriage return", "Zenwick\rMRN: M100001"},
      {"DEL", "Zenwick\x7f"},
      {"backspace", "M100007\b\b1"},
  };
  return controls;
}

BOOST_AUTO_TEST_CASE(terminal_controls_in_the_subject_or_body_are_refused_by_field) {
  for (const char* name : {"subject", "body"}) {
    for (const auto& [label, text] : TerminalControls()) {
      json j = Good();
      j[name] = text;
      const Result r = Parse(j.dump());
      BOOST_TEST(!r.status.ok(), name << " with " << label);
      BOOST_TEST(r.field == name, name << " with " << label);
      BOOST_TEST(r.status.message().rfind(std::string(name) + ": must not contain control", 0) == 0,
                 r.status.message());
      BOOST_TEST(r.status.message().find("Zenwick") == std::string::npos, r.status.message());
    }
  }
}

BOOST_AUTO_TEST_CASE(the_body_keeps_line_breaks_and_tabs_and_the_subject_is_one_line) {
  json j = Good();
  j["body"] = "Dear Dr Zenwick,\n\n\tMy refill:\n- 20 mg\n\nThanks";
  // Accents, Hebrew and the euro sign.
  j["subject"] =
      "R\xc3\xa9"
      "f\xc3\xa9rence \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xe2\x82\xac";
  Result r = Parse(j.dump());
  BOOST_REQUIRE_MESSAGE(r.status.ok(), r.status.message());
  BOOST_TEST(r.request.body == "Dear Dr Zenwick,\n\n\tMy refill:\n- 20 mg\n\nThanks");
  // A no-break space and a right-to-left mark are text, not controls.
  j["body"] = "12\xc2\xa0mg \xe2\x80\x8f";
  BOOST_TEST(Parse(j.dump()).status.ok());
  for (const char* text : {"Refill\nMRN: M100001", "Refill\tquestion"}) {
    j = Good();
    j["subject"] = text;
    r = Parse(j.dump());
    BOOST_TEST(r.field == "subject", text);
    BOOST_TEST(r.status.message().find("line breaks, tabs") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(bidi_overrides_are_refused_in_the_subject_and_kept_in_the_body) {
  // U+202A to U+202E (embeddings and overrides) and U+2066 to U+2069 (isolates).
  const std::vector<std::string> bidi = {"\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac",
                                         "\xe2\x80\xad", "\xe2\x80\xae", "\xe2\x81\xa6",
                                         "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9"};
  for (const std::string& b : bidi) {
    json j = Good();
    j["subject"] = "Refill " + b + "7000001M";
    const Result r = Parse(j.dump());
    BOOST_TEST(r.field == "subject");
    BOOST_TEST(r.status.message() ==
               "subject: must not contain characters that change the text's direction");
    j = Good();
    j["body"] = "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d " + b + "M123456";
    BOOST_TEST(Parse(j.dump()).status.ok());
  }
  // The neighbours of the ranges are text: U+2029 before, U+202F after, U+2065 and U+206A.
  for (const char* near : {"\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\xa5", "\xe2\x81\xaa"}) {
    json j = Good();
    j["subject"] = std::string("Refill ") + near;
    BOOST_TEST(Parse(j.dump()).status.ok());
  }
}

// `member` ("\"to\":\"x\"") written into Good()'s text again, before its own members.
std::string WithDuplicate(const std::string& member) {
  return "{" + member + "," + Good().dump().substr(1);
}

BOOST_AUTO_TEST_CASE(a_field_sent_twice_is_refused_by_name_whichever_value_comes_first) {
  for (const char* name : {"to", "mrn", "subject", "body", "version", "nonce", "timestamp"}) {
    const std::string body = WithDuplicate(std::string("\"") + name + "\":\"Zenwick\"");
    const Result r = Parse(body);
    BOOST_TEST(!r.status.ok(), name);
    BOOST_TEST(r.field == name);
    BOOST_TEST(r.status.message() ==
               std::string(name) + ": duplicate key \"" + name + "\"; send each field once");
    BOOST_TEST(r.status.message().find("Zenwick") == std::string::npos);
  }
  // Both orders: the same value twice is refused too.
  BOOST_TEST(Parse(WithDuplicate(R"("to":"conncare")")).field == "to");
  BOOST_TEST(Parse(R"({"to":"a","to":"b"})").status.message() ==
             "to: duplicate key \"to\"; send each field once");
  // A key of the sender's own is not repeated, top-level or nested.
  for (const std::string& body :
       std::vector<std::string>{WithDuplicate(R"("zenwick_key":1,"zenwick_key":2)"),
                                R"({"subject":{"zenwick":1,"zenwick":2}})"}) {
    const Result r = Parse(body);
    BOOST_TEST(r.field == "");
    BOOST_TEST(r.status.message() == "the body names a key twice; send each field once");
  }
}

BOOST_AUTO_TEST_CASE(nesting_is_bounded) {
  json j = Good();
  j["subject"] = 1;
  std::string deep = std::string(40, '[') + std::string(40, ']');
  std::string body = j.dump();
  body.replace(body.find("\"subject\":1") + 10, 1, deep);
  const Result r = Parse(body);
  BOOST_TEST(r.field == "");
  BOOST_TEST(r.status.message() == "the body is nested deeper than 32 levels");
}

}  // namespace
}  // namespace portal
