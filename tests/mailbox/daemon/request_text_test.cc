#define BOOST_TEST_MODULE request_text_test
// What the daemon takes in a patient's text and how it reads a body, through the real
// portal-mailboxd on loopback (real keys, real SQLite): terminal controls (C0 but \n and \t,
// DEL, C1) and bidi overrides in one-line fields are refused naming the field, a key sent twice
// is refused naming it, nothing is queued and no value reaches the answer or the log; ordinary
// text with line breaks and tabs is queued as sent.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "tests/mailbox_fixture.h"

namespace portal {
namespace {

using json = nlohmann::json;
using testing::HttpResult;
using testing::InstantFromNow;
using testing::MailboxFixture;

// Words found only in what these tests send: none may come back or reach the log.
constexpr const char* kWord = "Zanzibarian";

struct SharedDaemon {
  SharedDaemon() {
    fixture = new MailboxFixture();
    fixture->StartDaemon();
  }
  ~SharedDaemon() { delete fixture; }
  static MailboxFixture* fixture;
};
MailboxFixture* SharedDaemon::fixture = nullptr;
BOOST_TEST_GLOBAL_FIXTURE(SharedDaemon);

MailboxFixture& F() { return *SharedDaemon::fixture; }

json Body(const HttpResult& r) { return json::parse(r.body, nullptr, /*allow_exceptions=*/false); }

// `body` signed by the patient and posted to `path`: refused with `status` naming `field`,
// nothing queued, no sent word in the answer.
void ExpectRefused(const std::string& label, const std::string& path, const std::string& body,
                   int status, const std::string& field, const std::string& phrase) {
  const size_t queued = F().QueuedDocuments().size();
  const HttpResult r = F().Post(path, body, &F().alice);
  BOOST_TEST(r.status == status, label << ": " << r.status << " " << r.body);
  const json problem = Body(r);
  BOOST_TEST(problem.value("field", "") == field, label << ": " << r.body);
  BOOST_TEST(problem.value("detail", "").find(phrase) != std::string::npos,
             label << ": " << r.body);
  BOOST_TEST(r.body.find(kWord) == std::string::npos, label << ": " << r.body);
  BOOST_TEST(F().QueuedDocuments().size() == queued, label);
}

std::string Message(const std::string& subject, const std::string& text) {
  return MailboxFixture::MessageBody(MailboxFixture::kMrnA, "conncare", subject, text,
                                     MailboxFixture::Nonce());
}

std::string Profile(const json& changes) {
  return json{{"version", 1},
              {"mrn", MailboxFixture::kMrnA},
              {"changes", changes},
              {"nonce", MailboxFixture::Nonce()},
              {"timestamp", InstantFromNow()}}
      .dump();
}

BOOST_AUTO_TEST_CASE(terminal_controls_are_refused_at_the_door_by_field) {
  const std::string w = kWord;
  const std::vector<std::pair<std::string, std::string>> controls = {
      {"ESC", w + "\x1b"},
      {"CSI cursor up, erase line", w + "\x1b[1A\x1b[2KMRN: M100007"},
      {"OSC 52", "\x1b]52;c;cm0gLXJmIH4=\x07" + w},
      {"NUL", w + std::string(1, '\0') + "hidden"},
      {"BEL", w + "\x07"},
      {"C1 CSI U+009B", w + "\xc2\x9b"
                            "2J"},
      {"C1 NEL U+0085", w + "\xc2\x85"},
      {"carriage return", w + "\rMRN: M100007"},
  };
  for (const auto& [label, text] : controls) {
    ExpectRefused("subject with " + label, "/v1/messages", Message(text, "A question"), 422,
                  "subject", "must not contain control characters");
    ExpectRefused("body with " + label, "/v1/messages", Message("A question", text), 422, "body",
                  "must not contain control characters other than line breaks and tabs");
    ExpectRefused("race with " + label, "/v1/profile-changes", Profile({{"race", text}}), 422,
                  "changes.race", "must not contain control characters");
  }
  ExpectRefused("a street line with a right-to-left override", "/v1/profile-changes",
                Profile({{"address",
                          {{"lines",
                            {w + " \xe2\x80\xae"
                                 "7000001M"}},
                           {"city", "Hartford"},
                           {"state", "CT"},
                           {"postal_code", "06103"}}}}),
                422, "changes.address.lines[0]", "change the text's direction");
  BOOST_TEST(F().daemon->Log().find(kWord) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_key_sent_twice_is_refused_by_name_at_any_depth) {
  // The second "to" would have been the one taken before: refused whichever comes first.
  std::string message = Message(kWord, "A question");
  message.insert(1, R"("to":"bayview",)");
  ExpectRefused("two to", "/v1/messages", message, 422, "to", "duplicate key \"to\"");
  std::string mrn = Message(kWord, "A question");
  mrn.insert(1, R"("mrn":"M100005",)");
  ExpectRefused("two mrn", "/v1/messages", mrn, 422, "mrn", "duplicate key \"mrn\"");
  std::string profile = Profile({{"email", "first@example.org"}});
  profile.insert(profile.find(R"("email")"), R"("email":"second@example.org",)");
  ExpectRefused("two changes.email", "/v1/profile-changes", profile, 422, "changes.email",
                "duplicate key \"changes.email\"");
  // A key of the sender's own naming is not repeated: the body as a whole, 400.
  std::string own = Message("A question", "Text");
  own.insert(1, std::string(R"(")") + kWord + R"(":1,")" + kWord + R"(":2,)");
  ExpectRefused("two keys of the sender's", "/v1/messages", own, 400, "",
                "the body names a key twice");
  BOOST_TEST(F().daemon->Log().find(kWord) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(ordinary_text_with_line_breaks_and_tabs_is_queued_as_sent) {
  const std::string text =
      "Dear Dr Kim,\n\n\tThe rash is \xc3\xa9"
      "tendu.\n- 20 mg\n";
  const HttpResult r =
      F().Post("/v1/messages", Message("Rash \xe2\x80\x93 follow-up", text), &F().alice);
  BOOST_REQUIRE_MESSAGE(r.status == 202, r.status << " " << r.body);
  const std::string receipt = Body(r)["receipt"].get<std::string>();
  std::string plain;
  BOOST_REQUIRE(F().OpenDocument(F().QueuedDocuments().at(receipt), &plain));
  const json doc = json::parse(plain);
  BOOST_TEST(doc["payload"][0]["contentString"] == text);
  BOOST_TEST(doc["topic"]["text"] == "Rash \xe2\x80\x93 follow-up");
}

}  // namespace
}  // namespace portal
