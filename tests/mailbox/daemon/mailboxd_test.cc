#define BOOST_TEST_MODULE mailboxd_test
// portal-mailboxd end to end: the real binary on loopback, real keys, real SQLite.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "core/base64.h"
#include "tests/mailbox_fixture.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::HttpCall;
using testing::HttpRaw;
using testing::HttpResult;
using testing::InstantFromNow;
using testing::MailboxFixture;
using Edits = std::vector<std::pair<std::string, std::string>>;

const std::string kMessages = "/v1/messages";
const std::string kProfile = "/v1/profile-changes";
// Words that exist only in what the tests submit: none may appear in the daemon's log.
const std::string kSubject = "Zanzibarian rash follow-up";
const std::string kText = "My Quixotically itchy elbow since Tuesday";

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

json Body(const HttpResult& r) { return json::parse(r.body, nullptr, /*allow_exceptions=*/false); }

std::string ProfileBody(const std::string& mrn, const json& changes, const std::string& nonce) {
  return json{{"version", 1},
              {"mrn", mrn},
              {"changes", changes},
              {"nonce", nonce},
              {"timestamp", InstantFromNow()}}
      .dump();
}

BOOST_AUTO_TEST_CASE(a_signed_message_is_queued_sealed_and_its_receipt_answers) {
  MailboxFixture f;
  f.StartDaemon();
  const std::string body =
      MailboxFixture::MessageBody(f.kMrnA, "conncare", kSubject, kText, MailboxFixture::Nonce());
  const HttpResult r = f.Post(kMessages, body, &f.alice, {{"Idempotency-Key", "retry-key-1"}});
  BOOST_REQUIRE_MESSAGE(r.status == 202, r.status << " " << r.body);
  const std::string receipt = Body(r)["receipt"].get<std::string>();
  BOOST_TEST(std::regex_match(receipt, std::regex("[0-9a-f]{32}")), receipt);
  BOOST_TEST(r.headers.at("location") == "/v1/receipts/" + receipt);
  BOOST_TEST(r.headers.count("x-request-id") == 1u);

  // In the queue, sealed: the staff key opens it and the service key's signature is good.
  const auto docs = f.QueuedDocuments();
  BOOST_REQUIRE(docs.size() == 1u);
  BOOST_REQUIRE(docs.count(receipt) == 1u);
  BOOST_TEST(!Has(docs.at(receipt), "Zanzibarian"));
  std::string plain;
  BOOST_REQUIRE(f.OpenDocument(docs.at(receipt), &plain));
  const json doc = json::parse(plain);
  BOOST_TEST(doc["resourceType"] == "Communication");
  BOOST_TEST(doc["id"] == receipt);
  BOOST_TEST(doc["subject"]["reference"] == "Patient/pat-a");
  BOOST_TEST(doc["recipient"][0]["identifier"]["value"] == "conncare");
  BOOST_TEST(doc["topic"]["text"] == kSubject);
  BOOST_TEST(doc["payload"][0]["contentString"] == kText);
  // The patient's original request and signature ride inside, byte for byte.
  std::string original, signature;
  BOOST_REQUIRE(
      Base64Decode(doc["payload"][1]["contentAttachment"]["data"].get<std::string>(), &original));
  BOOST_TEST(original == body);
  BOOST_REQUIRE(
      Base64Decode(doc["payload"][2]["contentAttachment"]["data"].get<std::string>(), &signature));
  testing::Spit(f.root() / "req.json", original);
  testing::Spit(f.root() / "req.sig", signature);
  f.keys.Import(f.staff.home, f.alice.key_file);
  const auto v = testing::RunCommand(
      {"/usr/bin/gpg", "--homedir", f.staff.home.string(), "--batch", "--status-fd", "1",
       "--verify", (f.root() / "req.sig").string(), (f.root() / "req.json").string()});
  BOOST_TEST(Has(v.out, "[GNUPG:] VALIDSIG " + f.alice.fingerprint), v.out);

  // The owner may ask for its state; the other patient gets the same answer as for nothing.
  HttpResult q = f.QueryReceipt(receipt, f.kMrnA, f.alice);
  BOOST_TEST(q.status == 200, q.body);
  BOOST_TEST(Body(q)["status"] == "received");
  q = f.QueryReceipt(receipt, f.kMrnB, f.bob);
  BOOST_TEST(q.status == 404, q.body);
  q = f.QueryReceipt(std::string(32, 'a'), f.kMrnA, f.alice);
  BOOST_TEST(q.status == 404, q.body);

  // A retry (the 202 was lost): same receipt, nothing new.
  const HttpResult again = f.Post(kMessages, body, &f.alice, {{"Idempotency-Key", "retry-key-1"}});
  BOOST_TEST(again.status == 202, again.body);
  BOOST_TEST(Body(again)["receipt"] == receipt);
  BOOST_TEST(again.headers.count("idempotent-replayed") == 1u);
  BOOST_TEST(f.QueuedDocuments().size() == 1u);
  // Re-signed later with a new nonce and timestamp, the same request is still the same one.
  json resigned = json::parse(body);
  resigned["nonce"] = MailboxFixture::Nonce();
  const HttpResult late =
      f.Post(kMessages, resigned.dump(), &f.alice, {{"Idempotency-Key", "retry-key-1"}});
  BOOST_TEST(late.status == 202, late.body);
  BOOST_TEST(Body(late)["receipt"] == receipt);
  // The key reused for a different message is refused.
  resigned["body"] = "Something else entirely";
  const HttpResult reused =
      f.Post(kMessages, resigned.dump(), &f.alice, {{"Idempotency-Key", "retry-key-1"}});
  BOOST_TEST(reused.status == 422, reused.body);
  BOOST_TEST(Body(reused)["field"] == "Idempotency-Key");
  BOOST_TEST(f.QueuedDocuments().size() == 1u);

  // portal-staff sees it, metadata only.
  const auto list = f.Staff({"queue", "list", "--json"});
  BOOST_REQUIRE_MESSAGE(list.exit_code == 0, list.out);
  const json items = json::parse(list.out);
  BOOST_REQUIRE(items.size() == 1u);
  BOOST_TEST(items[0]["receipt"] == receipt);
  BOOST_TEST(items[0]["kind"] == "message");
  BOOST_TEST(items[0]["state"] == "received");
  BOOST_TEST(items[0]["provider"] == "conncare");
  const auto table = f.Staff({"queue", "list"});
  BOOST_TEST(Has(table.out, receipt), table.out);
  BOOST_TEST(!Has(table.out, "Zanzibarian"), table.out);
  BOOST_TEST(!Has(table.out, f.kMrnA), table.out);

  BOOST_TEST(f.daemon->Terminate() == 0);
}

BOOST_AUTO_TEST_CASE(a_profile_change_becomes_a_change_task) {
  MailboxFixture f;
  f.StartDaemon();
  const json changes = {{"email", "quenneville.test@example.org"},
                        {"address",
                         {{"lines", {"12 Vexillology Lane"}},
                          {"city", "Norwich"},
                          {"state", "CT"},
                          {"postal_code", "06360"}}},
                        {"phone_numbers", {{{"use", "home"}, {"number", "860 555 0199"}}}}};
  const HttpResult r =
      f.Post(kProfile, ProfileBody(f.kMrnB, changes, MailboxFixture::Nonce()), &f.bob);
  BOOST_REQUIRE_MESSAGE(r.status == 202, r.status << " " << r.body);
  const std::string receipt = Body(r)["receipt"].get<std::string>();
  std::string plain;
  BOOST_REQUIRE(f.OpenDocument(f.QueuedDocuments().at(receipt), &plain));
  const json task = json::parse(plain);
  BOOST_TEST(task["resourceType"] == "Task");
  BOOST_TEST(task["code"]["coding"][0]["code"] == "change");
  BOOST_TEST(task["focus"]["reference"] == "Patient/pat-b");
  BOOST_TEST(task["for"]["reference"] == "Patient/pat-b");
  std::map<std::string, json> inputs;
  for (const auto& in : task["input"]) inputs[in["type"]["coding"][0]["code"]] = in;
  BOOST_TEST(inputs["email"]["valueContactPoint"]["value"] == "quenneville.test@example.org");
  BOOST_TEST(inputs["address"]["valueAddress"]["line"][0] == "12 Vexillology Lane");
  BOOST_TEST(inputs["address"]["valueAddress"]["postalCode"] == "06360");
  BOOST_TEST(inputs["phone_numbers"]["valueContactPoint"]["value"] == "860 555 0199");
  BOOST_TEST(inputs.count("signed-request") == 1u);
  const auto list = f.Staff({"queue", "list", "--kind", "profile-change", "--json"});
  BOOST_TEST(json::parse(list.out).size() == 1u, list.out);
}

// Bad input of every kind gets its status and a problem naming the field; nothing is queued.
BOOST_AUTO_TEST_CASE(bad_input_is_refused_with_the_right_status_and_nothing_is_queued) {
  MailboxFixture f(Edits{{"max_body_kib = 64", "max_body_kib = 16"}});
  f.StartDaemon();
  auto msg = [&](const std::string& mrn, const std::string& nonce) {
    return MailboxFixture::MessageBody(mrn, "conncare", kSubject, kText, nonce);
  };
  // One accepted message, so a replayed nonce has something to replay.
  const std::string used_nonce = MailboxFixture::Nonce();
  BOOST_REQUIRE_EQUAL(f.Post(kMessages, msg(f.kMrnA, used_nonce), &f.alice).status, 202);
  const size_t queued = f.QueuedDocuments().size();

  struct Case {
    std::string name;
    HttpResult result;
    int status;
    std::string field;
  };
  std::vector<Case> cases;
  const std::string good = msg(f.kMrnA, MailboxFixture::Nonce());
  cases.push_back({"unsigned", f.Post(kMessages, good, nullptr), 401, "Portal-Signature"});
  cases.push_back({"not base64",
                   f.Post(kMessages, good, nullptr, {{"Portal-Signature", "%%%not base64"}}), 401,
                   "Portal-Signature"});
  cases.push_back({"wrong key", f.Post(kMessages, good, &f.stranger), 401, "Portal-Signature"});
  cases.push_back({"another patient's MRN",
                   f.Post(kMessages, msg(f.kMrnB, MailboxFixture::Nonce()), &f.alice), 401,
                   "Portal-Signature"});
  cases.push_back({"an MRN nobody enrolled",
                   f.Post(kMessages, msg("M424242", MailboxFixture::Nonce()), &f.alice), 401,
                   "Portal-Signature"});
  {
    // Signed over other bytes than those sent.
    const std::string other = msg(f.kMrnA, MailboxFixture::Nonce());
    const std::string sig =
        Base64Encode(f.keys.SignDetached(f.alice.home, f.alice.fingerprint, other));
    cases.push_back({"signature over other bytes",
                     f.Post(kMessages, good, nullptr, {{"Portal-Signature", sig}}), 401,
                     "Portal-Signature"});
  }
  cases.push_back({"replayed nonce",
                   f.Post(kMessages, msg(f.kMrnA, used_nonce), &f.alice,
                          {{"Idempotency-Key", "a-different-key"}}),
                   409, "nonce"});
  cases.push_back(
      {"stale timestamp",
       f.Post(kMessages,
              MailboxFixture::MessageBody(f.kMrnA, "conncare", kSubject, kText,
                                          MailboxFixture::Nonce(), InstantFromNow(-3600)),
              &f.alice),
       422, "timestamp"});
  cases.push_back({"future timestamp",
                   f.Post(kMessages,
                          MailboxFixture::MessageBody(f.kMrnA, "conncare", kSubject, kText,
                                                      MailboxFixture::Nonce(), InstantFromNow(900)),
                          &f.alice),
                   422, "timestamp"});
  cases.push_back({"malformed JSON", f.Post(kMessages, "{\"version\":1,", &f.alice), 400, ""});
  {
    json j = json::parse(good);
    j["Quixotic_extra"] = "Zanzibarian";
    cases.push_back({"unknown field", f.Post(kMessages, j.dump(), &f.alice), 400, ""});
  }
  cases.push_back({"unknown recipient",
                   f.Post(kMessages,
                          MailboxFixture::MessageBody(f.kMrnA, "dr-nobody", kSubject, kText,
                                                      MailboxFixture::Nonce()),
                          &f.alice),
                   422, "to"});
  cases.push_back(
      {"unknown profile field",
       f.Post(kProfile,
              ProfileBody(f.kMrnA, {{"blood_type", "Zanzibarian"}}, MailboxFixture::Nonce()),
              &f.alice),
       422, "changes"});
  cases.push_back(
      {"bad e-mail form",
       f.Post(kProfile,
              ProfileBody(f.kMrnA, {{"email", "not an address"}}, MailboxFixture::Nonce()),
              &f.alice),
       422, "changes.email"});
  cases.push_back(
      {"oversize body", f.Post(kMessages, std::string(17 * 1024, 'x'), &f.alice), 413, ""});
  cases.push_back({"wrong content type",
                   f.Post(kMessages, good, &f.alice, {{"Content-Type", "text/plain"}}), 415,
                   "Content-Type"});
  cases.push_back({"bad idempotency key",
                   f.Post(kMessages, good, &f.alice, {{"Idempotency-Key", "has spaces/slash"}}),
                   400, "Idempotency-Key"});
  for (const std::string target :
       {"/v1/receipts/../messages", "/v1//messages", "/v1/messages/", "/v1/%6Dessages",
        "/V1/messages", "/v1/receipts/%2e%2e%2fmessages", "/v1/receipts/ABCDEF", "/../v1/messages",
        "/v1/messages/../profile-changes", "/etc/passwd"}) {
    cases.push_back(
        {std::string("path ") + target,
         HttpCall(f.daemon->port(), "POST", target, {{"Content-Type", "application/json"}}, good),
         404, ""});
  }
  cases.push_back({"wrong method", HttpCall(f.daemon->port(), "GET", kMessages, {}, ""), 405, ""});
  cases.push_back({"not HTTP", HttpRaw(f.daemon->port(), "HELLO\r\n\r\n"), 400, ""});

  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      BOOST_TEST(c.result.status == c.status, c.result.body);
      if (c.status == 0) continue;
      BOOST_TEST(c.result.headers.at("content-type") == "application/problem+json");
      const json problem = Body(c.result);
      BOOST_TEST(problem["status"] == c.status);
      if (!c.field.empty()) BOOST_TEST(problem["field"] == c.field, c.result.body);
      // Never an echo of what was sent.
      for (const char* sent : {"Zanzibarian", "Quixotic", "M100001", "M100005", "not an address"}) {
        BOOST_TEST(!Has(c.result.body, sent), sent << " in " << c.result.body);
      }
    }
  }
  BOOST_TEST(f.QueuedDocuments().size() == queued);
  // The daemon is still up and well after all of it, and logged each refusal.
  BOOST_TEST(HttpCall(f.daemon->port(), "GET", "/healthz", {}, "").status == 200);
  BOOST_REQUIRE(f.daemon->Terminate() == 0);
  const std::string log = f.daemon->Log();
  for (const char* line :
       {" request=- 413 body too large", " POST /v1/messages 401 unsigned", " 401 not-verified",
        " 409 replayed-nonce field=nonce", " 422 invalid field=timestamp", " 400 invalid",
        " 415 wrong-content-type", " POST other 404 not-found", " GET /v1/messages 405"}) {
    BOOST_TEST(Has(log, line), line << " not in: " << log);
  }
}

BOOST_AUTO_TEST_CASE(status_queries_must_be_signed_and_fresh) {
  MailboxFixture f;
  f.StartDaemon();
  const HttpResult r = f.Post(
      kMessages,
      MailboxFixture::MessageBody(f.kMrnA, "conncare", kSubject, kText, MailboxFixture::Nonce()),
      &f.alice);
  BOOST_REQUIRE(r.status == 202);
  const std::string receipt = Body(r)["receipt"].get<std::string>();
  const std::string path = "/v1/receipts/" + receipt;
  BOOST_TEST(HttpCall(f.daemon->port(), "GET", path, {}, "").status == 422);
  BOOST_TEST(HttpCall(f.daemon->port(), "GET", path,
                      {{"Portal-Mrn", f.kMrnA},
                       {"Portal-Timestamp", InstantFromNow()},
                       {"Portal-Nonce", MailboxFixture::Nonce()}},
                      "")
                 .status == 401);
  // A stranger's key with Annika's MRN: the same 401.
  BOOST_TEST(f.QueryReceipt(receipt, f.kMrnA, f.stranger).status == 401);
  const std::string nonce = MailboxFixture::Nonce();
  BOOST_TEST(f.QueryReceipt(receipt, f.kMrnA, f.alice, nonce).status == 200);
  BOOST_TEST(f.QueryReceipt(receipt, f.kMrnA, f.alice, nonce).status == 409);
}

BOOST_AUTO_TEST_CASE(rates_are_limited_per_key_and_per_address_with_retry_after) {
  MailboxFixture f(Edits{{"per_key_burst = 10", "per_key_burst = 2"},
                         {"per_key_per_minute = 20", "per_key_per_minute = 1"},
                         {"per_address_burst = 60", "per_address_burst = 5"},
                         {"per_address_per_minute = 120", "per_address_per_minute = 1"}});
  f.StartDaemon();
  auto send = [&](const testing::PortalFixture::Person& who, const char* mrn) {
    return f.Post(
        kMessages,
        MailboxFixture::MessageBody(mrn, "conncare", kSubject, kText, MailboxFixture::Nonce()),
        &who);
  };
  BOOST_TEST(send(f.alice, f.kMrnA).status == 202);
  BOOST_TEST(send(f.alice, f.kMrnA).status == 202);
  HttpResult r = send(f.alice, f.kMrnA);
  BOOST_TEST(r.status == 429, r.body);
  BOOST_TEST(std::stoi(r.headers.at("retry-after")) >= 1);
  // Bob's key has its own bucket; signed requests that verify count against their keys only.
  BOOST_TEST(send(f.bob, f.kMrnB).status == 202);
  BOOST_TEST(send(f.bob, f.kMrnB).status == 202);
  r = send(f.bob, f.kMrnB);
  BOOST_TEST(r.status == 429, r.body);
  BOOST_TEST(Has(r.body, "key"), r.body);
  // The address counts the failures: 5 unsigned ones, then 429 before any check.
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(f.Post(kMessages,
                      MailboxFixture::MessageBody(f.kMrnA, "conncare", kSubject, kText,
                                                  MailboxFixture::Nonce()),
                      nullptr)
                   .status == 401);
  }
  r = f.Post(
      kMessages,
      MailboxFixture::MessageBody(f.kMrnA, "conncare", kSubject, kText, MailboxFixture::Nonce()),
      nullptr);
  BOOST_TEST(r.status == 429, r.body);
  BOOST_TEST(Has(r.body, "address"), r.body);
  BOOST_TEST(std::stoi(r.headers.at("retry-after")) >= 1);
  BOOST_TEST(f.QueuedDocuments().size() == 4u);
}

BOOST_AUTO_TEST_CASE(the_log_has_request_ids_and_outcomes_but_nothing_submitted) {
  MailboxFixture f;
  f.StartDaemon();
  const HttpResult ok = f.Post(
      kMessages,
      MailboxFixture::MessageBody(f.kMrnA, "conncare", kSubject, kText, MailboxFixture::Nonce()),
      &f.alice);
  BOOST_REQUIRE(ok.status == 202);
  const json changes = {{"religion", "Zoroastrian-Quixotic"},
                        {"next_of_kin",
                         {{"name", "Wilhelmina Featherstonehaugh"},
                          {"phones", {{{"use", "mobile"}, {"number", "+1 860 555 0142"}}}}}}};
  BOOST_REQUIRE(
      f.Post(kProfile, ProfileBody(f.kMrnB, changes, MailboxFixture::Nonce()), &f.bob).status ==
      202);
  BOOST_REQUIRE(
      f.Post(kProfile,
             ProfileBody(f.kMrnB, {{"email", "Wilhelmina at home"}}, MailboxFixture::Nonce()),
             &f.bob)
          .status == 422);
  BOOST_REQUIRE(f.daemon->Terminate() == 0);
  const std::string log = f.daemon->Log();
  BOOST_TEST(Has(log, "request=" + ok.headers.at("x-request-id") + " POST /v1/messages 202 queued"),
             log);
  BOOST_TEST(Has(log, " 422 invalid field=changes.email"), log);
  for (const std::string& secret :
       {kSubject, std::string("Zanzibarian"), kText, std::string("Quixotically"),
        std::string(f.kMrnA), std::string(f.kMrnB), std::string("Annika"), std::string("Lindqvist"),
        std::string("Percival"), std::string("Zoroastrian"), std::string("Wilhelmina"),
        std::string("Featherstonehaugh"), std::string("555 0142"), std::string("pat-a"),
        std::string("pat-b")}) {
    BOOST_TEST(!Has(log, secret), secret << " in the log");
  }
}

BOOST_AUTO_TEST_CASE(sigterm_drains_a_request_in_flight) {
  MailboxFixture f;
  f.StartDaemon();
  const std::string body =
      MailboxFixture::MessageBody(f.kMrnA, "conncare", kSubject, kText, MailboxFixture::Nonce());
  const std::string sig =
      Base64Encode(f.keys.SignDetached(f.alice.home, f.alice.fingerprint, body));
  const std::string head =
      "POST /v1/messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Content-Type: application/json\r\nPortal-Signature: " +
      sig + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  // Headers and half the body are in; then SIGTERM; then the rest.
  testing::HttpResult result;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(f.daemon->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string first = head + body.substr(0, body.size() / 2);
  BOOST_REQUIRE(::send(fd, first.data(), first.size(), 0) == static_cast<ssize_t>(first.size()));
  // The daemon counts the request as in flight once its headers are read; give it that moment
  // by waiting until an unrelated request has been answered after ours was sent.
  BOOST_REQUIRE(HttpCall(f.daemon->port(), "GET", "/healthz", {}, "").status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // Margin, not a measurement.
  std::thread term([&] { ::kill(f.daemon->pid(), SIGTERM); });
  term.join();
  // New connections are no longer taken (the listener closes), but ours finishes.
  const std::string rest = body.substr(body.size() / 2);
  BOOST_REQUIRE(::send(fd, rest.data(), rest.size(), 0) == static_cast<ssize_t>(rest.size()));
  std::string data;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) data.append(buf, n);
  ::close(fd);
  BOOST_TEST(data.starts_with("HTTP/1.1 202"), data);
  BOOST_TEST(f.daemon->Terminate() == 0);  // Already exiting: reaps it with its status.
  BOOST_TEST(f.QueuedDocuments().size() == 1u);
  BOOST_TEST(Has(f.daemon->Log(), "draining"));
}

BOOST_AUTO_TEST_CASE(without_a_staff_key_nothing_is_accepted) {
  MailboxFixture f;
  auto r = f.Staff({"staff", "remove", "--fingerprint", f.staff.fingerprint});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  f.StartDaemon();
  const HttpResult health = HttpCall(f.daemon->port(), "GET", "/healthz", {}, "");
  BOOST_TEST(health.status == 200);
  BOOST_TEST(Body(health)["accepting"] == false);
  const HttpResult p = f.Post(
      kMessages,
      MailboxFixture::MessageBody(f.kMrnA, "conncare", kSubject, kText, MailboxFixture::Nonce()),
      &f.alice);
  BOOST_TEST(p.status == 503, p.body);
  BOOST_TEST(f.QueuedDocuments().empty());
}

BOOST_AUTO_TEST_CASE(startup_errors_are_clear) {
  MailboxFixture f;
  // Not prepared: a state directory without init.
  testing::ReplaceInFile(f.config, "state_dir = \"../var\"", "state_dir = \"../var-new\"");
  auto r = testing::RunCommand({(testing::BinaryDir() / "bin" / "portal-mailboxd").string(),
                                "--config", f.config.string(), "--listen", "127.0.0.1:0"});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(Has(r.out, "portal-staff init"), r.out);
  r = testing::RunCommand({(testing::BinaryDir() / "bin" / "portal-mailboxd").string(), "--config",
                           f.config.string(), "--listen", "localhost"});
  BOOST_TEST(r.exit_code == 2, r.out);
  // A port past 65535 is a usage error naming the option, not an exception.
  r = testing::RunCommand({(testing::BinaryDir() / "bin" / "portal-mailboxd").string(), "--config",
                           f.config.string(), "--listen", "127.0.0.1:99999"});
  BOOST_TEST(r.exit_code == 2, r.out);
  BOOST_TEST(Has(r.out, "--listen: must be IP:PORT"), r.out);
}

}  // namespace
}  // namespace portal
