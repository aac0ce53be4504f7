#define BOOST_TEST_MODULE mailbox_service_test
// MailboxService in-process, on a clock the test sets: the real state directory (keys made at run
// time, records ingested, patients enrolled), real gpg and SQLite; no network, no sleeping.
#include "mailbox/daemon/mailbox_service.h"

#include <boost/test/unit_test.hpp>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "core/clock.h"
#include "core/fhir_time.h"
#include "core/sqlite_db.h"
#include "mailbox/common/patient_requests.h"
#include "tests/mailbox_fixture.h"

namespace portal {
namespace {

using testing::MailboxFixture;

PortalConfig ConfigOf(const testing::PortalFixture& f) {
  PortalConfig config;
  BOOST_REQUIRE(LoadConfig(f.config, &config).ok());
  return config;
}

// The service over a fixture's state, on `clock`; its log lines kept.
struct Service {
  Service(const PortalConfig& config, const Clock& clock,
          std::function<RateLimiter::Clock::time_point()> bucket_clock = nullptr) {
    MailboxServiceOptions options(clock);
    options.log = [this](const std::string& line) { log.push_back(line); };
    if (bucket_clock) options.bucket_clock = std::move(bucket_clock);
    const Status st = MailboxService::Open(config, std::move(options), &service);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  }
  std::unique_ptr<MailboxService> service;
  std::vector<std::string> log;
};

HttpRequest Post(const std::string& path, const std::string& body, const std::string& signature,
                 const std::string& content_type = "application/json") {
  HttpRequest r;
  r.method = "POST";
  r.target = path;
  r.headers = {{"content-type", content_type}};
  if (!signature.empty()) r.headers["portal-signature"] = signature;
  r.body = body;
  r.remote = "127.0.0.1";
  r.request_id = "0123456789abcdef";
  return r;
}

// Alice's signed message, timestamped `at`.
HttpRequest Message(MailboxFixture& f, int64_t at) {
  const std::string body = MailboxFixture::MessageBody(
      f.kMrnA, "conncare", "Follow-up", "A question", MailboxFixture::Nonce(), FormatInstant(at));
  return Post("/v1/messages", body,
              Base64Encode(f.keys.SignDetached(f.alice.home, f.alice.fingerprint, body)));
}

std::vector<QueuedItem> Queued(const MailboxFixture& f) {
  std::unique_ptr<QueueStore> queue;
  BOOST_REQUIRE(QueueStore::Open(f.var / "mailbox.sqlite", &queue).ok());
  std::vector<QueuedItem> items;
  BOOST_REQUIRE(queue->List(std::nullopt, &items).ok());
  return items;
}

int64_t NonceRows(const MailboxFixture& f) {
  std::unique_ptr<SqliteDb> db;
  BOOST_REQUIRE(SqliteDb::Open(f.var / "mailbox.sqlite", SqliteDb::Journal::kWal, &db).ok());
  std::unique_ptr<SqliteStatement> q;
  BOOST_REQUIRE(db->Prepare("SELECT count(*) FROM nonces", &q).ok());
  BOOST_REQUIRE(q->Step().ok());
  return q->Int(0);
}

// Now, to the second: the keys the fixture made are real and valid now.
int64_t RealNow() { return static_cast<int64_t>(std::time(nullptr)); }

BOOST_AUTO_TEST_CASE(timestamps_arrival_times_and_log_lines_come_from_the_services_clock) {
  MailboxFixture f;
  const int64_t t0 = RealNow();
  FixedClock clock(t0);
  Service s(ConfigOf(f), clock);
  HttpResponse r = s.service->Handle(Message(f, t0));
  BOOST_REQUIRE_MESSAGE(r.status == 202, r.status << " " << r.body);
  BOOST_REQUIRE_EQUAL(Queued(f).size(), 1u);
  BOOST_TEST(Queued(f)[0].received_at == t0);
  BOOST_REQUIRE_EQUAL(s.log.size(), 1u);
  BOOST_TEST(s.log[0].starts_with(FormatInstant(t0) + " request=0123456789abcdef POST "), s.log[0]);

  // Past the skew window on the service's clock, a request of t0 is too old ...
  clock.Advance(kClockSkewSeconds + 1);
  r = s.service->Handle(Message(f, t0));
  BOOST_TEST(r.status == 422, r.body);
  BOOST_TEST(nlohmann::json::parse(r.body)["field"] == "timestamp");
  // ... and one of the clock's time is queued at that time.
  r = s.service->Handle(Message(f, clock.Now()));
  BOOST_REQUIRE_MESSAGE(r.status == 202, r.status << " " << r.body);
  BOOST_REQUIRE_EQUAL(Queued(f).size(), 2u);
  BOOST_TEST(Queued(f)[1].received_at == t0 + kClockSkewSeconds + 1);
  BOOST_TEST(s.log.back().starts_with(FormatInstant(clock.Now()) + " "), s.log.back());
}

BOOST_AUTO_TEST_CASE(nonces_are_forgotten_once_too_old_at_most_once_a_minute) {
  MailboxFixture f;
  const int64_t t0 = RealNow();
  FixedClock clock(t0);
  Service s(ConfigOf(f), clock);
  const int64_t kept = 2 * kClockSkewSeconds + 60;  // How long a nonce is remembered.
  auto submit = [&] {
    const HttpResponse r = s.service->Handle(Message(f, clock.Now()));
    BOOST_REQUIRE_MESSAGE(r.status == 202, r.status << " " << r.body);
  };
  submit();  // Prunes (nothing yet) at t0.
  clock.Set(t0 + kept - 10);
  submit();  // Prunes again: the first is not old enough.
  BOOST_TEST(NonceRows(f) == 2);
  clock.Set(t0 + kept + 20);
  submit();  // The first is old enough now, but the last prune was 30 s ago.
  BOOST_TEST(NonceRows(f) == 3);
  clock.Set(t0 + kept + 51);
  submit();  // A minute after the last prune: the first goes.
  BOOST_TEST(NonceRows(f) == 3);
  BOOST_TEST(Queued(f).size() == 4u);
}

BOOST_AUTO_TEST_CASE(an_address_out_of_tokens_waits_on_the_bucket_clock) {
  testing::PortalFixture f;
  f.Init();
  PortalConfig config = ConfigOf(f);
  config.mailbox.per_address_per_minute = 60;
  config.mailbox.per_address_burst = 2;
  FixedClock clock(RealNow());
  RateLimiter::Clock::time_point bucket_time =
      RateLimiter::Clock::time_point() + std::chrono::hours(24);
  Service s(config, clock, [&bucket_time] { return bucket_time; });
  // The address's bucket comes before any other check: a wrong content type spends a token.
  const HttpRequest plain = Post("/v1/messages", "{}", "", "text/plain");
  BOOST_TEST(s.service->Handle(plain).status == 415);
  BOOST_TEST(s.service->Handle(plain).status == 415);
  HttpResponse r = s.service->Handle(plain);
  BOOST_TEST(r.status == 429, r.body);
  BOOST_TEST(r.headers["Retry-After"] == "1");
  bucket_time += std::chrono::milliseconds(999);
  BOOST_TEST(s.service->Handle(plain).status == 429);
  bucket_time += std::chrono::milliseconds(1);
  BOOST_TEST(s.service->Handle(plain).status == 415);
  // Health is not limited.
  HttpRequest health;
  health.method = "GET";
  health.target = "/healthz";
  health.remote = "127.0.0.1";
  BOOST_TEST(s.service->Handle(health).status == 200);
}

BOOST_AUTO_TEST_CASE(signed_requests_count_against_their_key_and_failures_against_the_address) {
  MailboxFixture f;
  PortalConfig config = ConfigOf(f);
  config.mailbox.per_address_per_minute = 1;
  config.mailbox.per_address_burst = 3;
  const int64_t now = RealNow();
  FixedClock clock(now);
  const RateLimiter::Clock::time_point bucket_time =
      RateLimiter::Clock::time_point() + std::chrono::hours(24);
  Service s(config, clock, [&bucket_time] { return bucket_time; });
  auto body = [&](const char* mrn) {
    return MailboxFixture::MessageBody(mrn, "conncare", "Follow-up", "A question",
                                       MailboxFixture::Nonce(), FormatInstant(now));
  };
  auto signed_by = [&](const testing::PortalFixture::Person& who, const char* mrn) {
    const std::string b = body(mrn);
    return Post("/v1/messages", b, Base64Encode(f.keys.SignDetached(who.home, who.fingerprint, b)));
  };
  // Three attackers at one address spend its bucket without a signature ...
  BOOST_TEST(s.service->Handle(Post("/v1/messages", body(f.kMrnA), "")).status == 401);
  BOOST_TEST(s.service->Handle(Post("/v1/messages", body(f.kMrnA), "", "text/plain")).status ==
             415);
  BOOST_TEST(s.service->Handle(Post("/v1/messages", "{not json", "")).status == 400);
  HttpResponse r = s.service->Handle(Post("/v1/messages", body(f.kMrnA), ""));
  BOOST_TEST(r.status == 429, r.body);
  BOOST_TEST(r.body.find("address") != std::string::npos, r.body);
  // ... and patients there still send: a signature that verifies counts against its key.
  for (int i = 0; i < 5; ++i) {
    r = s.service->Handle(signed_by(f.alice, f.kMrnA));
    BOOST_TEST(r.status == 202, r.body);
  }
  r = s.service->Handle(signed_by(f.bob, f.kMrnB));
  BOOST_TEST(r.status == 202, r.body);
  // Signatures that fail have the address's bucket of their own (the gpg work they cost is
  // limited as before): after 3, a signed request from that address waits, a patient's too.
  // The address has its own bucket behind nginx; only clients sharing one address share this.
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(s.service->Handle(signed_by(f.stranger, f.kMrnA)).status == 401);
  }
  r = s.service->Handle(signed_by(f.stranger, f.kMrnA));
  BOOST_TEST(r.status == 429, r.body);
  BOOST_TEST(s.service->Handle(signed_by(f.alice, f.kMrnA)).status == 429);
  // Another address is not touched by any of it.
  HttpRequest elsewhere = signed_by(f.alice, f.kMrnA);
  elsewhere.remote = "127.0.0.2";
  BOOST_TEST(s.service->Handle(elsewhere).status == 202);
  BOOST_TEST(Queued(f).size() == 7u);
}

}  // namespace
}  // namespace portal
