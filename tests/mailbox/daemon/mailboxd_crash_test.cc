#define BOOST_TEST_MODULE mailboxd_crash_test
// portal-mailboxd killed with SIGKILL again and again while clients submit: every receipt a
// client was given is in the queue with a good service signature, retries never make a second
// document, and the database opens cleanly after every kill.
#include <signal.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "core/base64.h"
#include "core/sqlite_db.h"
#include "tests/mailbox_fixture.h"

namespace portal {
namespace {

using json = nlohmann::json;
using testing::HttpCall;
using testing::MailboxFixture;

constexpr int kCycles = 50;
constexpr int kClients = 4;
constexpr int kPerClientPerCycle = 3;

// One logical submission: signed once, retried with the same idempotency key until a 202.
struct Request {
  std::string body;
  std::string signature;
  std::string key;
  std::string receipt;  // Set once a 202 came back.
};

std::string IntegrityCheck(const std::filesystem::path& db_path) {
  std::unique_ptr<SqliteDb> db;
  const Status st = SqliteDb::Open(db_path, SqliteDb::Journal::kWal, &db);
  if (!st.ok()) return st.message();
  std::unique_ptr<SqliteStatement> q;
  if (!db->Prepare("PRAGMA integrity_check", &q).ok() || !q->Step().ok()) return "no answer";
  return q->Text(0);
}

BOOST_AUTO_TEST_CASE(receipts_survive_fifty_sigkills_under_concurrent_clients) {
  MailboxFixture f({{"per_key_burst = 10", "per_key_burst = 100000"},
                    {"per_address_burst = 60", "per_address_burst = 100000"}});
  std::mt19937 rng(20261126);
  std::vector<std::unique_ptr<Request>> all;
  std::vector<Request*> pending;
  std::map<int, int> statuses;  // Answers other than 202 and "no answer".
  int kills_mid_traffic = 0;
  std::atomic<int> answered{0};  // 202s in this cycle (the killer waits for a few).

  auto sign_more = [&](int n) {
    for (int i = 0; i < n; ++i) {
      auto r = std::make_unique<Request>();
      const bool alice = all.size() % 2 == 0;
      r->body = MailboxFixture::MessageBody(
          alice ? f.kMrnA : f.kMrnB, "conncare", "Subject " + std::to_string(all.size()),
          "Body " + std::to_string(all.size()), MailboxFixture::Nonce());
      const auto& who = alice ? f.alice : f.bob;
      r->signature = Base64Encode(f.keys.SignDetached(who.home, who.fingerprint, r->body));
      r->key = "crash-" + std::to_string(all.size());
      pending.push_back(r.get());
      all.push_back(std::move(r));
    }
  };

  // Sends `pending` from kClients threads until each is answered or the daemon is gone.
  auto run_clients = [&](uint16_t port) {
    std::mutex mu;
    size_t next = 0;
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&] {
        for (;;) {
          Request* r = nullptr;
          {
            std::lock_guard<std::mutex> lock(mu);
            if (next >= pending.size()) return;
            r = pending[next++];
          }
          const auto res = HttpCall(port, "POST", "/v1/messages",
                                    {{"Content-Type", "application/json"},
                                     {"Portal-Signature", r->signature},
                                     {"Idempotency-Key", r->key}},
                                    r->body);
          std::lock_guard<std::mutex> lock(mu);
          if (res.status == 202) {
            r->receipt = json::parse(res.body)["receipt"].get<std::string>();
            ++answered;
          } else if (res.status == 0) {
            return;  // Killed: this client stops until the next cycle.
          } else {
            ++statuses[res.status];
          }
        }
      });
    }
    for (auto& t : clients) t.join();
    std::erase_if(pending, [](Request* r) { return !r->receipt.empty(); });
  };

  for (int cycle = 0; cycle < kCycles; ++cycle) {
    sign_more(kClients * kPerClientPerCycle);
    f.StartDaemon();
    const pid_t pid = f.daemon->pid();
    // The kill lands after the k-th answer of this cycle and a little more, so it comes while
    // requests are in flight however fast the daemon is (an ASan build is several times slower).
    const int after = std::uniform_int_distribution<int>(1, 6)(rng);
    const int delay_ms = std::uniform_int_distribution<int>(0, 20)(rng);
    answered = 0;
    std::atomic<bool> clients_done{false};
    std::thread killer([&] {
      while (answered.load() < after && !clients_done.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      ::kill(pid, SIGKILL);
    });
    const size_t before = pending.size();
    run_clients(f.daemon->port());
    clients_done = true;
    killer.join();
    f.daemon->Kill();  // Reaps it (already dead, or killed now if the clients finished first).
    if (!pending.empty() && pending.size() < before) ++kills_mid_traffic;
    BOOST_TEST(IntegrityCheck(f.var / "mailbox.sqlite") == "ok", "cycle " << cycle);
  }
  // A last, calm run answers every request still waiting: committed ones with their receipt.
  f.StartDaemon();
  for (int attempt = 0; attempt < 5 && !pending.empty(); ++attempt) run_clients(f.daemon->port());
  BOOST_TEST(f.daemon->Terminate() == 0);
  BOOST_TEST(pending.empty());
  BOOST_TEST(statuses.empty(), "unexpected answers, e.g. " << statuses.begin()->first);
  BOOST_TEST_MESSAGE("kills that landed mid-traffic: " << kills_mid_traffic << " of " << kCycles);
  BOOST_TEST(kills_mid_traffic >= 10);  // The test did crash the daemon under load.

  // Every request is in the queue exactly once, under the receipt its client was given, sealed
  // with a good service signature and holding the very bytes the patient signed.
  const auto docs = f.QueuedDocuments();
  BOOST_TEST(docs.size() == all.size());
  for (const auto& r : all) {
    BOOST_TEST_CONTEXT(r->key) {
      BOOST_REQUIRE(docs.count(r->receipt) == 1u);
      std::string plain;
      BOOST_REQUIRE(f.OpenDocument(docs.at(r->receipt), &plain));
      const json doc = json::parse(plain);
      BOOST_TEST(doc["id"] == r->receipt);
      std::string original;
      BOOST_REQUIRE(Base64Decode(doc["payload"][1]["contentAttachment"]["data"].get<std::string>(),
                                 &original));
      BOOST_TEST(original == r->body);
    }
  }
}

}  // namespace
}  // namespace portal
