#define BOOST_TEST_MODULE signature_bomb_test
// What a Portal-Signature may be, on the real daemon (loopback, real gpg, real keys): a BZip2
// bomb, an inline (compressed) signed message, literal data, two signatures, a text-mode and a
// SHA-1 or RIPEMD-160 signature by the patient's own key are all answered exactly as a wrong
// signature is (401, the same body), logged as refused before the registry or gpg were asked;
// the patient's honest message is queued before and after them.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/base64.h"
#include "tests/mailbox_fixture.h"
#include "tests/openpgp_test_packets.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::HttpCall;
using testing::HttpResult;
using testing::MailboxFixture;

const std::string kMessages = "/v1/messages";

// A detached signature by `who` over `body` made by gpg with `options`.
std::string GpgSign(MailboxFixture& f, const MailboxFixture::Person& who, const std::string& body,
                    std::vector<std::string> options) {
  const fs::path in = f.root() / "request.json";
  const fs::path out = f.root() / "request.sig";
  testing::Spit(in, body);
  std::vector<std::string> argv = {"/usr/bin/gpg",  "--homedir", who.home.string(),
                                   "--batch",       "--yes",     "--local-user",
                                   who.fingerprint, "--output",  out.string()};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back(in.string());
  const testing::CommandResult r = testing::RunCommand(argv);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  return testing::Slurp(out);
}

HttpResult PostSigned(MailboxFixture& f, const std::string& body, const std::string& signature) {
  return HttpCall(
      f.daemon->port(), "POST", kMessages,
      {{"Content-Type", "application/json"}, {"Portal-Signature", Base64Encode(signature)}}, body);
}

size_t Count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

BOOST_AUTO_TEST_CASE(refused_signatures_answer_as_bad_ones_and_never_reach_gpg) {
  MailboxFixture f;
  f.StartDaemon();
  const auto body = [] {
    return MailboxFixture::MessageBody(MailboxFixture::kMrnA, "conncare", "Follow-up", "A question",
                                       MailboxFixture::Nonce());
  };
  // The honest request first.
  HttpResult r = f.Post(kMessages, body(), &f.alice);
  BOOST_REQUIRE_MESSAGE(r.status == 202, r.status << " " << r.body);

  // What a wrong signature gets: the stranger's key is enrolled nowhere.
  const std::string b = body();
  const HttpResult wrong = PostSigned(f, b, GpgSign(f, f.stranger, b, {"--detach-sign"}));
  BOOST_REQUIRE(wrong.status == 401);

  const std::string bomb = testing::Bzip2BombPacket(128, f.root());
  BOOST_TEST(bomb.size() < 1024u);
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"bomb", bomb},
      {"inline", GpgSign(f, f.alice, b, {"--sign"})},
      {"literal", testing::LiteralPacket(b)},
      {"two",
       GpgSign(f, f.alice, b, {"--detach-sign"}) + GpgSign(f, f.alice, b, {"--detach-sign"})},
      {"text mode", GpgSign(f, f.alice, b, {"--textmode", "--detach-sign"})},
      {"SHA-1", GpgSign(f, f.alice, b, {"--digest-algo", "SHA1", "--detach-sign"})},
      {"RIPEMD-160", GpgSign(f, f.alice, b, {"--digest-algo", "RIPEMD160", "--detach-sign"})},
  };
  for (const auto& [what, signature] : refused) {
    r = PostSigned(f, b, signature);
    BOOST_TEST(r.status == 401, what);
    BOOST_TEST(r.body == wrong.body, what);
    BOOST_TEST(r.headers.at("www-authenticate") == wrong.headers.at("www-authenticate"), what);
  }
  // Each logged as refused by the packet check (which runs before the MRN is looked up and
  // before gpg), the wrong key's as not verified.
  const std::string log = f.daemon->Log();
  BOOST_TEST(Count(log, " 401 refused-signature") == refused.size(), log);
  BOOST_TEST(Count(log, " 401 not-verified") == 1u, log);

  // The same signatures with an MRN nobody enrolled: the same answer.
  const std::string unknown = MailboxFixture::MessageBody("M199999", "conncare", "Follow-up",
                                                          "A question", MailboxFixture::Nonce());
  r = PostSigned(f, unknown, GpgSign(f, f.alice, unknown, {"--detach-sign"}));
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.body == wrong.body);

  // The honest patient still gets through.
  r = f.Post(kMessages, body(), &f.alice);
  BOOST_TEST(r.status == 202, r.status << " " << r.body);
}

}  // namespace
}  // namespace portal
