#define BOOST_TEST_MODULE staff_proof_test
// Issue 15, items 2 and 3 on real parts: portal-staff's binary, the daemon on loopback, real gpg
// homes and agents. A colleague's key made into a smart-card stub in another staff member's home
// is listed as secret but refused (nothing audited under it); a genuine staff member works and
// each entry is signed; the audit records the real uid and a SUDO_USER claim beside it; with
// [staff] audit_anchor set, `audit verify` checks chain, signatures (a removed key's too) and the
// anchor, and fails on the review's rewrite (an entry edited, the chain and both heads re-hashed).
#include <pwd.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "core/sha256.h"
#include "core/sqlite_db.h"
#include "tests/mailbox_fixture.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::CommandResult;
using testing::MailboxFixture;
using Person = testing::PortalFixture::Person;

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct Fixture : MailboxFixture {
  Person mallory = NewPerson("staff_mallory");
  fs::path anchor = root() / "audit.anchor";
  std::string receipt;
  Fixture()
      : MailboxFixture(std::vector<std::pair<std::string, std::string>>{
            {"[staff]\n", "[staff]\naudit_anchor = \"../audit.anchor\"\n"}}) {
    auto r = Staff({"staff", "add", "--key", mallory.key_file.string(), "--user", "mallory"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    keys.Import(mallory.home, var / "mailbox-service-key.asc");
    StartDaemon();
    const auto posted = Post(
        "/v1/messages", MessageBody(kMrnA, "conncare", "A question", "Hello", Nonce()), &alice);
    BOOST_REQUIRE_MESSAGE(posted.status == 202, posted.status << " " << posted.body);
    receipt = json::parse(posted.body)["receipt"].get<std::string>();
  }
  json Trail() {
    const CommandResult r = Staff({"audit", "list", "--json"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    return json::parse(r.out);
  }
};

// Turns the colleague's keys into smart-card stubs in `home`, as a card's `learn` would: the
// public half imported, each private-key file replaced by a shadowed one naming a card. Only the
// public point (q) goes into the stub; it is read from the colleague's key file because that is
// the shortest way to it here (gpg's public key holds the same q).
void MakeCardStubs(testing::TestKeys& keys, const Person& colleague, const fs::path& home) {
  keys.Import(home, colleague.key_file);
  const auto grips = testing::RunCommand({"/usr/bin/gpg", "--homedir", colleague.home.string(),
                                          "--batch", "--with-colons", "--with-keygrip",
                                          "--list-keys", colleague.fingerprint});
  std::istringstream in(grips.out);
  int stubs = 0;
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("grp:")) continue;
    const std::string grip = line.substr(12, 40);
    std::string text = testing::Slurp(colleague.home / "private-keys-v1.d" / (grip + ".key"));
    text = text.substr(text.find("Key: ") + 5);
    text = std::regex_replace(text, std::regex("\\n\\s*"), " ");
    text = std::regex_replace(text, std::regex("\\(d\\s*#[0-9A-Fa-f]+#\\)"), "");
    text = std::regex_replace(text, std::regex("\\s+$"), "");
    BOOST_REQUIRE(text.starts_with("(private-key") && text.ends_with("))"));
    text = "(shadowed-private-key" + text.substr(12, text.size() - 12 - 2) +
           "(shadowed t1-v1 (#D2760001240103040006123456780000# OPENPGP.1))))";
    fs::create_directories(home / "private-keys-v1.d");
    testing::Spit(home / "private-keys-v1.d" / (grip + ".key"), "Key: " + text + "\n");
    ++stubs;
  }
  BOOST_REQUIRE(stubs >= 1);
}

BOOST_FIXTURE_TEST_CASE(a_card_stub_of_a_colleagues_key_is_refused_and_nothing_is_audited,
                        Fixture) {
  MakeCardStubs(keys, staff, mallory.home);
  // The reproduction holds: gpg lists the colleague's key as secret (on a card) here.
  const auto listed = testing::RunCommand({"/usr/bin/gpg", "--homedir", mallory.home.string(),
                                           "--batch", "--with-colons", "--list-secret-keys"});
  BOOST_REQUIRE_MESSAGE(Has(listed.out, staff.fingerprint), listed.out);
  const size_t before = Trail().size();
  // Claiming the colleague's key: refused, naming the key and why, before any work.
  for (const std::string cmd : {"show", "claim"}) {
    const CommandResult r = StaffAs(mallory, {cmd, receipt, "--as", staff.fingerprint});
    BOOST_TEST(r.exit_code != 0, r.out);
    BOOST_TEST(Has(r.out, "lists the pinned staff key " + staff.fingerprint + " as secret"), r.out);
    BOOST_TEST(Has(r.out, "could not sign"), r.out);
    BOOST_TEST(!Has(r.out, "Hello"), r.out);  // Nothing of the message was shown.
  }
  const json trail = Trail();
  BOOST_TEST(trail.size() == before);
  for (const auto& e : trail) BOOST_TEST(e["staff_fingerprint"] != staff.fingerprint);
  // Without --as the home lists two pinned keys: the choice is the caller's, and the proof too.
  CommandResult r = StaffAs(mallory, {"show", receipt});
  BOOST_TEST(r.exit_code != 0);
  BOOST_TEST(Has(r.out, "choose one with --as"), r.out);
  // Their own key works, and the entry names it, signed.
  r = StaffAs(mallory, {"show", receipt, "--as", mallory.fingerprint});
  BOOST_TEST(r.exit_code == 0, r.out);
  const json after = Trail();
  BOOST_REQUIRE(after.size() == before + 1);
  BOOST_TEST(after.back()["action"] == "view");
  BOOST_TEST(after.back()["staff_fingerprint"] == mallory.fingerprint);
  BOOST_TEST(after.back()["signed"] == true);
}

BOOST_FIXTURE_TEST_CASE(the_audit_records_the_real_uid_and_a_sudo_claim_beside_it, Fixture) {
  std::vector<std::string> args = {"/usr/bin/env",
                                   "GNUPGHOME=" + staff.home.string(),
                                   "SUDO_USER=somebody_else",
                                   (testing::BinaryDir() / "bin" / "portal-staff").string(),
                                   "show",
                                   receipt,
                                   "--config",
                                   config.string()};
  const CommandResult r = testing::RunCommand(args);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  const json e = Trail().back();
  const std::string user = e["os_user"];
  const passwd* pw = ::getpwuid(::getuid());
  BOOST_REQUIRE(pw != nullptr);
  BOOST_TEST(user.starts_with("uid " + std::to_string(::getuid()) + " (" + pw->pw_name + ")"),
             user);
  BOOST_TEST(user.ends_with("; sudo claim: somebody_else"), user);
  BOOST_TEST(e["staff_fingerprint"] == staff.fingerprint);
}

// Entry hashes as documented (AuditEntry::hash, version 2), written again here.
std::string V2Hash(const json& e, int64_t seq, const std::string& prev, int64_t at) {
  std::string text = "2:v2\n";
  for (const std::string& f :
       {std::to_string(seq), std::to_string(at), e["staff_fingerprint"].get<std::string>(),
        e["os_user"].get<std::string>(), e["action"].get<std::string>(),
        e["document"].get<std::string>(), e["detail"].get<std::string>(), prev}) {
    text += std::to_string(f.size()) + ":" + f + "\n";
  }
  return Sha256Hex(text);
}

BOOST_FIXTURE_TEST_CASE(audit_verify_checks_signatures_and_the_anchor_and_fails_a_rewrite,
                        Fixture) {
  BOOST_REQUIRE(StaffAs(staff, {"claim", receipt}).exit_code == 0);
  BOOST_REQUIRE(StaffAs(staff, {"show", receipt}).exit_code == 0);
  BOOST_REQUIRE(StaffAs(staff, {"release", receipt}).exit_code == 0);
  // The colleague leaves: `staff remove` deletes their key file; what they signed still checks.
  CommandResult r = Staff({"staff", "remove", "--fingerprint", staff.fingerprint});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  r = Staff({"audit", "verify"});
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(Has(r.out, "3 signed by 1 staff key(s)"), r.out);
  BOOST_TEST(Has(r.out, "1 removed since"), r.out);
  BOOST_TEST(Has(r.out, "anchored in " + anchor.string()), r.out);
  // The anchor has one line per entry: staff add x2, claim, view, release, staff remove.
  const std::string lines = testing::Slurp(anchor);
  BOOST_TEST(std::count(lines.begin(), lines.end(), '\n') == 6, lines);

  // The review's rewrite: entry 4 (the view) made to say something else, every later entry's
  // prev_hash and hash redone, the head row and audit.head set to the new newest hash.
  std::unique_ptr<SqliteDb> db;
  BOOST_REQUIRE(SqliteDb::Open(var / "audit.sqlite", SqliteDb::Journal::kWal, &db).ok());
  BOOST_REQUIRE(db->Exec("UPDATE entries SET detail = 'nothing' WHERE seq = 4").ok());
  const json trail = Trail();
  BOOST_REQUIRE_EQUAL(trail.size(), 6u);
  std::string prev = trail[2]["hash"];
  for (int64_t seq = 4; seq <= 6; ++seq) {
    std::unique_ptr<SqliteStatement> q;
    BOOST_REQUIRE(db->Prepare("SELECT at FROM entries WHERE seq = ?1", &q).ok());
    q->Bind(1, seq);
    bool row = false;
    BOOST_REQUIRE(q->Step(&row).ok() && row);
    const std::string hash = V2Hash(trail[seq - 1], seq, prev, q->Int(0));
    BOOST_REQUIRE(db->Exec("UPDATE entries SET prev_hash = '" + prev + "', hash = '" + hash +
                           "' WHERE seq = " + std::to_string(seq))
                      .ok());
    prev = hash;
  }
  BOOST_REQUIRE(db->Exec("UPDATE head SET seq = 6, hash = '" + prev + "'").ok());
  testing::Spit(var / "audit.head", "6 " + prev + "\n");
  r = Staff({"audit", "verify"});
  BOOST_TEST(r.exit_code != 0, r.out);
  BOOST_TEST(
      Has(r.out, "entry 4: the signature by staff key " + staff.fingerprint + " does not verify"),
      r.out);
}

}  // namespace
}  // namespace portal
