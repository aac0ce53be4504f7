#define BOOST_TEST_MODULE staff_work_test
// Records staff at work, end to end on real parts: the daemon on loopback takes signed
// submissions, two staff members with their own keys claim, show, accept part, reject, read
// inboxes, reply; the nightly run publishes the reply; the audit trail verifies, then fails
// after one row is edited.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "core/sqlite_db.h"
#include "tests/mailbox_fixture.h"
#include "tests/smtp_sink.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::CommandResult;
using testing::HttpResult;
using testing::InstantFromNow;
using testing::MailboxFixture;
using Person = testing::PortalFixture::Person;

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct Fixture : MailboxFixture {
  Person staff2 = NewPerson("staff_amiller");
  Fixture() {
    auto r = Staff({"staff", "add", "--key", staff2.key_file.string(), "--user", "amiller"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    StartDaemon();
  }
  std::string Submit(const std::string& path, const json& body, const Person& who) {
    const HttpResult r = Post(path, body.dump(), &who);
    BOOST_REQUIRE_MESSAGE(r.status == 202, r.status << " " << r.body);
    return json::parse(r.body)["receipt"].get<std::string>();
  }
  json ProfileChange(const char* mrn, const json& changes) {
    return {{"version", 1},
            {"mrn", mrn},
            {"changes", changes},
            {"nonce", Nonce()},
            {"timestamp", InstantFromNow()}};
  }
  // Pretends the lease ran out: the state a later clock would find.
  void ExpireLease(const std::string& receipt) {
    std::unique_ptr<SqliteDb> db;
    BOOST_REQUIRE(SqliteDb::Open(var / "mailbox.sqlite", SqliteDb::Journal::kWal, &db).ok());
    BOOST_REQUIRE(
        db->Exec("UPDATE documents SET lease_until = 1 WHERE receipt = '" + receipt + "'").ok());
  }
  json Json(const CommandResult& r) {
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    return json::parse(r.out);
  }
};

BOOST_FIXTURE_TEST_CASE(a_profile_change_is_claimed_shown_and_accepted_in_part, Fixture) {
  const std::string receipt = Submit(
      "/v1/profile-changes",
      ProfileChange(kMrnB, {{"email", "percival.q@example.org"},
                            {"address",
                             {{"lines", {"7 Quillfeather Row"}},
                              {"city", "Norwich"},
                              {"state", "CT"},
                              {"postal_code", "06360"}}},
                            {"phone_numbers", {{{"use", "home"}, {"number", "860 555 0111"}}}}}),
      bob);
  // Two staff members: the first claim holds; the second waits for the lease.
  auto r = StaffAs(staff, {"claim", receipt});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  r = StaffAs(staff2, {"claim", receipt});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(Has(r.out, "claimed by "), r.out);
  r = StaffAs(staff2, {"accept", receipt});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(Has(r.out, "claim the item first"), r.out);

  // show: both signatures checked, the proposal beside the record.
  const json shown = Json(StaffAs(staff, {"show", receipt, "--json"}));
  BOOST_TEST(shown["service_signature"] == "good");
  BOOST_TEST(shown["patient_signature"]["good"] == true);
  BOOST_TEST(shown["patient_signature"]["fingerprint"] == bob.fingerprint);
  std::map<std::string, json> rows;
  for (const auto& row : shown["fields"]) rows[row["field"]] = row;
  BOOST_TEST(rows.size() == 3u);
  BOOST_TEST(rows["email"]["proposed"] == "percival.q@example.org");
  BOOST_TEST(rows["email"]["current"] == "(none on record)");
  BOOST_TEST(Has(rows["address"]["proposed"].get<std::string>(), "7 Quillfeather Row"));
  const auto table = StaffAs(staff, {"show", receipt});
  BOOST_TEST(Has(table.out, "ON RECORD"), table.out);
  BOOST_TEST(Has(table.out, "percival.q@example.org"), table.out);

  // Accept e-mail and address; the phone number is rejected.
  const json accepted =
      Json(StaffAs(staff, {"accept", receipt, "--fields", "email,address", "--json"}));
  BOOST_TEST(accepted["state"] == "completed");
  const fs::path exported = accepted["export"].get<std::string>();
  std::istringstream lines(testing::Slurp(exported));
  std::vector<json> resources;
  for (std::string line; std::getline(lines, line);) resources.push_back(json::parse(line));
  BOOST_REQUIRE(resources.size() == 2u);
  BOOST_TEST(resources[0]["resourceType"] == "Task");
  BOOST_TEST(resources[0]["status"] == "completed");
  BOOST_TEST(!Has(resources[0].dump(), "signed-request"));
  BOOST_TEST(resources[1]["resourceType"] == "Patient");
  BOOST_TEST(resources[1]["id"] == "pat-b");
  BOOST_TEST(Has(resources[1].dump(), "percival.q@example.org"));
  BOOST_TEST(Has(resources[1].dump(), "7 Quillfeather Row"));
  BOOST_TEST(!Has(resources[1].dump(), "555 0111"));  // Rejected.
  BOOST_TEST(((fs::status(exported).permissions() & fs::perms::others_read) == fs::perms::none));
  const json queue = Json(Staff({"queue", "list", "--json"}));
  BOOST_TEST(queue[0]["state"] == "completed");

  // The audit trail: who did what, in order; it verifies, and one edited row breaks it.
  const json all = Json(Staff({"audit", "list", "--json"}));
  BOOST_REQUIRE(all.size() == 8u);
  BOOST_TEST(all[0]["action"] == "staff-add");  // The fixture's two staff keys.
  BOOST_TEST(all[1]["action"] == "staff-add");
  const json trail = Json(Staff({"audit", "list", "--json", "--document", receipt}));
  std::vector<std::string> actions;
  for (const auto& e : trail) actions.push_back(e["action"]);
  const std::vector<std::string> expected = {"claim",  "view",   "view",
                                             "accept", "export", "complete"};
  BOOST_TEST(actions == expected, boost::test_tools::per_element());
  BOOST_TEST(trail[0]["staff_fingerprint"] == staff.fingerprint);
  BOOST_TEST(Has(trail[3]["detail"].get<std::string>(), "rejected: phone_numbers"));
  for (const auto& e : trail) BOOST_TEST(!Has(e.dump(), "percival"), e.dump());
  r = Staff({"audit", "verify"});
  BOOST_TEST(r.exit_code == 0, r.out);
  {
    std::unique_ptr<SqliteDb> db;
    BOOST_REQUIRE(SqliteDb::Open(var / "audit.sqlite", SqliteDb::Journal::kWal, &db).ok());
    BOOST_REQUIRE(db->Exec("UPDATE entries SET action = 'reject' WHERE seq = 6").ok());
  }
  r = Staff({"audit", "verify"});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(Has(r.out, "entry 6"), r.out);
}

BOOST_FIXTURE_TEST_CASE(a_second_staff_member_takes_over_after_the_lease_and_rejects, Fixture) {
  const std::string receipt =
      Submit("/v1/profile-changes", ProfileChange(kMrnA, {{"religion", "Quakerly"}}), alice);
  BOOST_REQUIRE(StaffAs(staff, {"claim", receipt}).exit_code == 0);
  BOOST_TEST(StaffAs(staff2, {"claim", receipt}).exit_code == 1);
  ExpireLease(receipt);
  auto r = StaffAs(staff2, {"claim", receipt});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  r = StaffAs(staff, {"reject", receipt, "--reason", "duplicate"});  // Lost the claim.
  BOOST_TEST(r.exit_code == 1, r.out);
  r = StaffAs(staff2, {"reject", receipt, "--reason", "because I said so"});
  BOOST_TEST(r.exit_code == 2, r.out);
  r = StaffAs(staff2, {"reject", receipt, "--reason", "unverifiable"});
  BOOST_TEST(r.exit_code == 0, r.out);
  const json queue = Json(Staff({"queue", "list", "--json"}));
  BOOST_TEST(queue[0]["state"] == "completed");
  const json trail = Json(Staff({"audit", "list", "--json", "--document", receipt}));
  BOOST_TEST(trail.back()["action"] == "complete");
  BOOST_TEST(trail[trail.size() - 2]["os_user"].get<std::string>().size() > 0u);
  BOOST_TEST(trail[trail.size() - 2]["staff_fingerprint"] == staff2.fingerprint);
}

BOOST_FIXTURE_TEST_CASE(messages_reach_the_provider_inbox_and_replies_reach_the_patient, Fixture) {
  const json message = json::parse(MessageBody(kMrnA, "conncare", "Refill question",
                                               "Do I need a visit for the refill?", Nonce()));
  const std::string receipt = Submit("/v1/messages", message, alice);
  BOOST_TEST(Json(Staff({"queue", "list", "--provider", "conncare", "--json"})).size() == 1u);
  BOOST_TEST(Json(Staff({"queue", "list", "--provider", "ob-gyn-services", "--json"})).empty());
  BOOST_TEST(Json(Staff({"queue", "list", "--older-than", "7d", "--json"})).empty());
  BOOST_TEST(Staff({"queue", "list", "--older-than", "soon"}).exit_code == 2);
  json inbox = Json(StaffAs(staff, {"inbox", "conncare", "--json"}));
  BOOST_REQUIRE(inbox.size() == 1u);
  BOOST_TEST(inbox[0]["receipt"] == receipt);
  BOOST_TEST(Json(StaffAs(staff, {"inbox", "ob-gyn-services", "--json"})).empty());
  const json read = Json(StaffAs(staff, {"inbox", "conncare", "--read", receipt, "--json"}));
  BOOST_TEST(read["body"] == "Do I need a visit for the refill?");
  BOOST_TEST(read["patient_signature"] == true);
  BOOST_TEST(Json(StaffAs(staff, {"inbox", "conncare", "--json"})).empty());  // Read: completed.

  // The reply: sealed for the patient now, published by the next nightly run.
  testing::Spit(root() / "reply.txt", "No visit needed <b>yet</b>.\nCall us if it gets worse.");
  auto r = StaffAs(staff, {"reply", receipt, "--file", (root() / "reply.txt").string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  r = Gen({"nightly"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  std::vector<fs::path> published;
  for (const auto& e : fs::recursive_directory_iterator(patients_out)) {
    if (e.path().parent_path().filename() == "replies") published.push_back(e.path());
  }
  BOOST_REQUIRE(published.size() == 1u);
  std::string page;
  const auto opened = Open(alice, published[0], &page);
  BOOST_TEST(Has(opened.out, "[GNUPG:] VALIDSIG " + PortalFingerprint()), opened.out);
  BOOST_TEST(Has(page, "No visit needed &lt;b&gt;yet&lt;/b&gt;."), page);
  BOOST_TEST(Has(page, "Reply from ConnCare"), page);
  // Bob cannot read Alice's reply.
  std::string nothing;
  BOOST_TEST(Open(bob, published[0], &nothing).exit_code != 0);
}

// The published reply files under output/patients/*/replies, by name.
std::map<std::string, fs::path> PublishedReplies(const fs::path& patients_out) {
  std::map<std::string, fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(patients_out)) {
    if (e.path().parent_path().filename() == "replies") out[e.path().filename()] = e.path();
  }
  return out;
}

unsigned Mode(const fs::path& path) {
  return static_cast<unsigned>(fs::status(path).permissions());
}

BOOST_FIXTURE_TEST_CASE(a_reply_is_sealed_again_for_the_key_pinned_after_a_key_change, Fixture) {
  const std::string receipt = Submit(
      "/v1/messages",
      json::parse(MessageBody(kMrnA, "conncare", "Refill question", "Zanzibar?", Nonce())), alice);
  BOOST_REQUIRE(StaffAs(staff, {"inbox", "conncare", "--read", receipt}).exit_code == 0);
  testing::Spit(root() / "reply.txt", "Take the quixotic pills twice a day.");
  const json sent =
      Json(StaffAs(staff, {"reply", receipt, "--file", (root() / "reply.txt").string(), "--json"}));
  const std::string name = sent["reply"].get<std::string>();

  // The staff copy: beside the queue, 0700 folders, sealed to the staff keys and signed by the
  // portal (the patient cannot open it).
  const fs::path copy = var / "replies-staff" / receipt / name;
  BOOST_REQUIRE(fs::exists(copy));
  BOOST_TEST(Mode(var / "replies-staff") == 0700u);
  BOOST_TEST(Mode(copy.parent_path()) == 0700u);
  std::string page;
  keys.Import(staff2.home, var / "portal-signing-key.asc");
  const auto by_staff = keys.Decrypt(staff2.home, copy, &page);
  BOOST_TEST(Has(by_staff.out, "[GNUPG:] VALIDSIG " + PortalFingerprint()), by_staff.out);
  BOOST_TEST(Has(page, "Take the quixotic pills twice a day."), page);
  std::string nothing;
  BOOST_TEST(Open(alice, copy, &nothing).exit_code != 0);
  auto r = Gen({"nightly"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  auto published = PublishedReplies(patients_out);
  BOOST_REQUIRE(published.size() == 1u);  // The copy is never published.
  BOOST_REQUIRE(published.count(name) == 1u);

  // Forgot Password: a new key is pinned for the record (the token stays). The old reply is
  // sealed to the old key only.
  const Person renewed = NewPerson("patient_a_renewed");
  r = Staff({"enroll", "--mrn", kMrnA, "--key", renewed.key_file.string(), "--replace-key"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  BOOST_TEST(Open(renewed, published[name], &nothing).exit_code != 0);

  // Another staff member re-seals it: same name, the new key opens it, the old one no longer.
  const json resent = Json(StaffAs(staff2, {"reply", "--resend", receipt, "--json"}));
  BOOST_TEST(resent["replies"] == json::array({name}));
  const fs::path file = fs::directory_iterator(var / "replies")->path() / name;  // Alice's.
  std::string reopened;
  const auto opened = Open(renewed, file, &reopened);
  BOOST_TEST(Has(opened.out, "[GNUPG:] VALIDSIG " + PortalFingerprint()), opened.out);
  BOOST_TEST(reopened == page);
  BOOST_TEST(Open(alice, file, &nothing).exit_code != 0);
  // The next nightly run publishes the changed file in place of the old one.
  r = Gen({"nightly"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  published = PublishedReplies(patients_out);
  BOOST_REQUIRE(published.size() == 1u);
  BOOST_TEST(Open(renewed, published[name], &reopened).exit_code == 0);
  BOOST_TEST(Open(alice, published[name], &nothing).exit_code != 0);

  // Audited under the staff member who did it, with the receipt and no value.
  const json trail = Json(Staff({"audit", "list", "--json", "--document", receipt}));
  BOOST_TEST(trail.back()["action"] == "reply-resend");
  BOOST_TEST(trail.back()["staff_fingerprint"] == staff2.fingerprint);
  BOOST_TEST(trail.back()["detail"] == "replies: 1");
  BOOST_TEST(Staff({"audit", "verify"}).exit_code == 0);

  // Either a reply or a resend, and a receipt that has copies.
  BOOST_TEST(StaffAs(staff, {"reply", "--resend", receipt, "--file", "x.txt"}).exit_code == 2);
  BOOST_TEST(StaffAs(staff, {"reply"}).exit_code == 2);
  BOOST_TEST(StaffAs(staff, {"reply", receipt}).exit_code == 2);
  r = StaffAs(staff, {"reply", "--resend", std::string(32, 'a')});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(Has(r.out, "no staff copy"), r.out);

  // A copy swapped for one a stranger signed is refused, and nothing is replaced.
  const std::string before = testing::Slurp(file);
  keys.Import(stranger.home, staff.key_file);
  keys.Import(stranger.home, staff2.key_file);
  const auto forged = testing::RunCommand(
      {"/usr/bin/gpg", "--homedir", stranger.home.string(), "--batch", "--trust-model", "always",
       "--yes", "-u", stranger.fingerprint, "-r", staff.fingerprint, "-r", staff2.fingerprint,
       "--sign", "--encrypt", "-o", copy.string(), (root() / "reply.txt").string()});
  BOOST_REQUIRE_MESSAGE(forged.exit_code == 0, forged.out);
  r = StaffAs(staff, {"reply", "--resend", receipt});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(Has(r.out, "signature of the portal's key"), r.out);
  BOOST_TEST(testing::Slurp(file) == before);

  // Purged with its item.
  {
    std::unique_ptr<SqliteDb> db;
    BOOST_REQUIRE(SqliteDb::Open(var / "mailbox.sqlite", SqliteDb::Journal::kWal, &db).ok());
    BOOST_REQUIRE(db->Exec("UPDATE documents SET completed_at = 1000").ok());
  }
  r = Staff({"purge"});
  BOOST_TEST(Has(r.out, "purged 1"), r.out);
  BOOST_TEST(!fs::exists(copy.parent_path()), r.out);
  r = StaffAs(staff, {"reply", "--resend", receipt});
  BOOST_TEST(Has(r.out, "no staff copy"), r.out);
}

BOOST_FIXTURE_TEST_CASE(an_accept_cut_short_before_its_export_is_finished_by_running_it_again,
                        Fixture) {
  const std::string receipt =
      Submit("/v1/profile-changes", ProfileChange(kMrnA, {{"religion", "Quakerly"}}), alice);
  BOOST_REQUIRE(StaffAs(staff, {"claim", receipt}).exit_code == 0);
  testing::Spit(var / "exports", "a file where the exports folder should be");
  auto r = StaffAs(staff, {"accept", receipt});
  BOOST_TEST(r.exit_code != 0, r.out);
  BOOST_TEST(Json(Staff({"queue", "list", "--json"}))[0]["state"] == "accepted");
  fs::remove(var / "exports");
  r = StaffAs(staff, {"accept", receipt, "--json"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  BOOST_TEST(fs::exists(var / "exports" / (receipt + ".ndjson")));
  BOOST_TEST(Json(Staff({"queue", "list", "--json"}))[0]["state"] == "completed");
  BOOST_TEST(Staff({"audit", "verify"}).exit_code == 0);
}

BOOST_FIXTURE_TEST_CASE(a_document_altered_in_the_queue_is_refused, Fixture) {
  const std::string receipt =
      Submit("/v1/profile-changes", ProfileChange(kMrnA, {{"religion", "Quakerly"}}), alice);
  {
    // Swap in a document sealed by someone else: encrypted to the staff key, signed by a stranger.
    const fs::path plain = root() / "forged.json";
    testing::Spit(plain, "{\"resourceType\":\"Task\"}");
    keys.Import(stranger.home, staff.key_file);
    const auto forged = testing::RunCommand(
        {"/usr/bin/gpg", "--homedir", stranger.home.string(), "--batch", "--trust-model", "always",
         "--yes", "-u", stranger.fingerprint, "-r", staff.fingerprint, "--sign", "--encrypt", "-o",
         (root() / "forged.pgp").string(), plain.string()});
    BOOST_REQUIRE_MESSAGE(forged.exit_code == 0, forged.out);
    std::unique_ptr<SqliteDb> db;
    BOOST_REQUIRE(SqliteDb::Open(var / "mailbox.sqlite", SqliteDb::Journal::kWal, &db).ok());
    std::unique_ptr<SqliteStatement> q;
    BOOST_REQUIRE(db->Prepare("UPDATE documents SET document = ?1 WHERE receipt = ?2", &q).ok());
    const std::string forged_bytes = testing::Slurp(root() / "forged.pgp");
    q->BindBlob(1, forged_bytes).Bind(2, receipt);
    BOOST_REQUIRE(q->Run().ok());
  }
  const auto r = StaffAs(staff, {"show", receipt});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(Has(r.out, "service key"), r.out);
}

BOOST_FIXTURE_TEST_CASE(completed_items_are_purged_after_retention_and_audited, Fixture) {
  const std::string receipt =
      Submit("/v1/profile-changes", ProfileChange(kMrnA, {{"religion", "Quakerly"}}), alice);
  BOOST_REQUIRE(StaffAs(staff, {"claim", receipt}).exit_code == 0);
  BOOST_REQUIRE(StaffAs(staff, {"reject", receipt, "--reason", "withdrawn"}).exit_code == 0);
  auto r = Staff({"purge"});
  BOOST_TEST(Has(r.out, "purged 0"), r.out);  // Completed just now: kept.
  {
    std::unique_ptr<SqliteDb> db;
    BOOST_REQUIRE(SqliteDb::Open(var / "mailbox.sqlite", SqliteDb::Journal::kWal, &db).ok());
    BOOST_REQUIRE(db->Exec("UPDATE documents SET completed_at = 1000").ok());  // Long ago.
  }
  r = Staff({"purge"});
  BOOST_TEST(Has(r.out, "purged 1"), r.out);
  BOOST_TEST(QueuedDocuments().empty());
  const json trail = Json(Staff({"audit", "list", "--json"}));
  BOOST_TEST(trail.back()["action"] == "purge");
  BOOST_TEST(trail.back()["document"] == receipt);
  BOOST_TEST(Staff({"audit", "verify"}).exit_code == 0);
}

// A portal whose notices go to a real SMTP server on loopback (aiosmtpd).
struct NoticeFixture : MailboxFixture {
  static uint16_t port;
  testing::SmtpSink sink{root(), port};
  NoticeFixture()
      : MailboxFixture(std::vector<std::pair<std::string, std::string>>{
            {"# smtp_url = \"smtp://mail.backushospital.org:587\"",
             "smtp_url = \"smtp://127.0.0.1:" + std::to_string(port = testing::FreePort()) + "\""},
            {"starttls = \"required\"", "starttls = \"off\""},
            {"# from = ", "from = "},
            {"# staff_digest_to = [\"medical.records@backushospital.org\"]",
             "staff_digest_to = [\"records@example.org\"]"},
            {"poll_seconds = 30 ", "poll_seconds = 1 "},
            {"retry_initial_seconds = 60", "retry_initial_seconds = 1"},
            {"retry_max_seconds = 3600", "retry_max_seconds = 2"}}) {
    std::string why;
    BOOST_REQUIRE_MESSAGE(sink.Start(&why), why);
  }
  // Waits (at most 30 s) until `count` mails to `to` have arrived; returns them.
  std::vector<testing::ArrivedMail> WaitFor(const std::string& to, size_t count) {
    std::vector<testing::ArrivedMail> mine;
    for (int i = 0; i < 300; ++i) {
      mine.clear();
      for (auto& m : sink.Mails()) {
        if (m.headers["To"] == to) mine.push_back(m);
      }
      if (mine.size() >= count) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return mine;
  }
};
uint16_t NoticeFixture::port = 0;

BOOST_FIXTURE_TEST_CASE(staff_get_a_digest_and_patients_a_pointer_even_across_a_mail_outage,
                        NoticeFixture) {
  auto r = Staff({"email", "--mrn", kMrnA, "--set", "annika.test@example.org"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  StartDaemon();
  const json change = {{"version", 1},
                       {"mrn", kMrnA},
                       {"changes", {{"religion", "Quakerly"}}},
                       {"nonce", Nonce()},
                       {"timestamp", InstantFromNow()}};
  const HttpResult sent = Post("/v1/profile-changes", change.dump(), &alice);
  BOOST_REQUIRE(sent.status == 202);
  const std::string receipt = json::parse(sent.body)["receipt"].get<std::string>();

  // The staff digest: counts only.
  auto digest = WaitFor("records@example.org", 1);
  BOOST_REQUIRE_EQUAL(digest.size(), 1u);
  BOOST_TEST(Has(digest[0].headers["Subject"], "1 new item"), digest[0].headers["Subject"]);
  BOOST_TEST(Has(digest[0].body, "profile-change"), digest[0].body);

  // Processed: the patient gets a pointer, nothing more.
  BOOST_REQUIRE(StaffAs(staff, {"claim", receipt}).exit_code == 0);
  BOOST_REQUIRE(StaffAs(staff, {"reject", receipt, "--reason", "withdrawn"}).exit_code == 0);
  auto notices = WaitFor("annika.test@example.org", 1);
  BOOST_REQUIRE_EQUAL(notices.size(), 1u);
  BOOST_TEST(Has(notices[0].body, "https://"), notices[0].body);

  // The mail server goes down; a reply's notice waits, then arrives once it is back.
  sink.Stop();
  const std::string msg = json::parse(Post("/v1/messages",
                                           MessageBody(kMrnA, "conncare", "Zanzibar question",
                                                       "Quixotic text", Nonce()),
                                           &alice)
                                          .body)["receipt"]
                              .get<std::string>();
  testing::Spit(root() / "reply.txt", "Answer.");
  BOOST_REQUIRE(StaffAs(staff, {"inbox", "conncare", "--read", msg}).exit_code == 0);
  BOOST_REQUIRE(
      StaffAs(staff, {"reply", msg, "--file", (root() / "reply.txt").string()}).exit_code == 0);
  for (int i = 0; i < 100 && !Has(daemon->Log(), "retried later"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_TEST(Has(daemon->Log(), "retried later"), daemon->Log());
  std::string why;
  BOOST_REQUIRE_MESSAGE(sink.Start(&why), why);
  notices = WaitFor("annika.test@example.org", 2);  // The maildir is kept across the restart.
  BOOST_REQUIRE_EQUAL(notices.size(), 2u);
  BOOST_TEST(daemon->Terminate() == 0);

  // Nothing in any mail or the log that the patient wrote or that names them.
  std::string everything = daemon->Log();
  for (auto& m : sink.Mails()) everything += m.headers["Subject"] + "\n" + m.body;
  for (const char* secret : {"Quakerly", "Zanzibar", "Quixotic", "Annika", "Lindqvist", kMrnA,
                             receipt.c_str(), "Answer."}) {
    BOOST_TEST(!Has(everything, secret), secret);
  }
}

}  // namespace
}  // namespace portal
