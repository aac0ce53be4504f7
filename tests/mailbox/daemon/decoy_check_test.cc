#define BOOST_TEST_MODULE decoy_check_test
// The checks behind every signed endpoint, in-process on a real state (real gpg, real SQLite):
// an MRN nobody enrolled runs one gpg verification against the decoy home, as an enrolled MRN
// with a wrong key runs one against its own (no enrolment oracle by latency; counted through
// MailboxContext::decoy_checks, no timing); and CheckNewKey refuses keys and signatures with
// packets gpg must not read, before gpg does.
#include <boost/test/unit_test.hpp>
#include <ctime>

#include "core/base64.h"
#include "core/clock.h"
#include "core/openpgp_packets.h"
#include "mailbox/daemon/authenticate.h"
#include "mailbox/daemon/key_intake.h"
#include "mailbox/daemon/mailbox_context.h"
#include "tests/mailbox_fixture.h"
#include "tests/openpgp_test_packets.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::MailboxFixture;

struct Context {
  explicit Context(const MailboxFixture& f) : clock(std::time(nullptr)) {
    PortalConfig config;
    BOOST_REQUIRE(LoadConfig(f.config, &config).ok());
    MailboxServiceOptions options(clock);
    options.log = [](const std::string&) {};
    const Status st = MailboxContext::Open(config, std::move(options), &context);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  }
  FixedClock clock;
  std::unique_ptr<MailboxContext> context;
};

using Answer = std::pair<int, std::string>;

// Authenticate's answer's status (0: authenticated) and outcome word.
std::pair<int, std::string> Check(MailboxContext* c, const std::string& mrn,
                                  const std::string& data, const std::string& signature) {
  Enrollment enrollment;
  std::string fingerprint;
  RequestOutcome outcome;
  const auto refused =
      Authenticate(c, mrn, data, Base64Encode(signature), &enrollment, &fingerprint, &outcome);
  return {refused ? refused->status : 0, outcome.what};
}

BOOST_AUTO_TEST_CASE(an_unknown_mrn_costs_a_gpg_verification_like_a_wrong_key) {
  MailboxFixture f;
  Context c(f);
  MailboxContext* ctx = c.context.get();
  const std::string data = "{\"version\":1}";
  const std::string by_alice = f.keys.SignDetached(f.alice.home, f.alice.fingerprint, data);
  const std::string by_stranger =
      f.keys.SignDetached(f.stranger.home, f.stranger.fingerprint, data);
  BOOST_TEST(ctx->decoy_checks() == 0u);

  // Enrolled, right key: authenticated, no decoy.
  BOOST_TEST(Check(ctx, f.kMrnA, data, by_alice).first == 0);
  // Enrolled, wrong key: the enrolment's own home, no decoy.
  BOOST_TEST((Check(ctx, f.kMrnA, data, by_stranger) == Answer(401, "not-verified")));
  BOOST_TEST(ctx->decoy_checks() == 0u);
  // Nobody enrolled M199999: the same 401, after one decoy verification each time.
  BOOST_TEST((Check(ctx, "M199999", data, by_alice) == Answer(401, "not-verified")));
  BOOST_TEST(ctx->decoy_checks() == 1u);
  BOOST_TEST((Check(ctx, "M199999", data, by_stranger) == Answer(401, "not-verified")));
  BOOST_TEST(ctx->decoy_checks() == 2u);
  // A signature the packet check refuses is refused before the MRN is looked up: no decoy,
  // whichever MRN.
  const std::string two = by_alice + by_alice;
  BOOST_TEST((Check(ctx, "M199999", data, two) == Answer(401, "refused-signature")));
  BOOST_TEST((Check(ctx, f.kMrnA, data, two) == Answer(401, "refused-signature")));
  BOOST_TEST(ctx->decoy_checks() == 2u);
  // The decoy home is a real verification home: it holds the service key only.
  BOOST_TEST(fs::is_directory(f.var / "gnupg" / "verify" / ".decoy"));
}

BOOST_AUTO_TEST_CASE(new_keys_and_their_signatures_are_checked_before_gpg) {
  MailboxFixture f;
  const fs::path intake = f.root() / "intake";
  fs::create_directory(intake);
  fs::permissions(intake, fs::perms::owner_all);
  const std::string key = testing::Slurp(f.alice.key_file);
  const std::string body = "{\"activation\":1}";
  const std::string signature = f.keys.SignDetached(f.alice.home, f.alice.fingerprint, body);
  KeyIntake result = KeyIntake::kUnusableKey;
  EnrolledKey enrolled;
  BOOST_REQUIRE(CheckNewKey(intake, key, 64 * 1024, body, signature, &result, &enrolled).ok());
  BOOST_TEST(static_cast<int>(result) == static_cast<int>(KeyIntake::kGood));
  BOOST_TEST(enrolled.fingerprint == f.alice.fingerprint);

  // The key's binary form with a compressed packet after it: not a key gpg is given.
  std::string binary;
  BOOST_REQUIRE(Dearmor(key, "PGP PUBLIC KEY BLOCK", &binary).ok());
  const std::string bomb = testing::Bzip2BombPacket(128, f.root());
  BOOST_REQUIRE(
      CheckNewKey(intake, binary + bomb, 64 * 1024, body, signature, &result, &enrolled).ok());
  BOOST_TEST(static_cast<int>(result) == static_cast<int>(KeyIntake::kUnusableKey));
  // The right key, the bomb as its signature: a bad signature.
  BOOST_REQUIRE(CheckNewKey(intake, key, 64 * 1024, body, bomb, &result, &enrolled).ok());
  BOOST_TEST(static_cast<int>(result) == static_cast<int>(KeyIntake::kBadSignature));
  // Nothing of a refused key stays behind.
  BOOST_TEST(fs::is_empty(intake));
}

}  // namespace
}  // namespace portal
