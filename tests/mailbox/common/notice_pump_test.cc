#define BOOST_TEST_MODULE notice_pump_test
#include "mailbox/common/notice_pump.h"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "core/clock.h"
#include "mailbox/common/mail_outbox.h"
#include "tests/smtp_sink.h"
#include "tests/test_util.h"

namespace portal {
namespace {

using testing::FreePort;
using testing::SmtpSink;

constexpr int64_t kNow = 1'700'000'000;  // Tue, 14 Nov 2023 22:13:20 UTC.
constexpr char kNowDate[] = "Tue, 14 Nov 2023 22:13:20 +0000";

// A state directory with an outbox, a config sending to a (not yet started) SMTP server on a
// free loopback port, and the pump's clock.
struct PumpState {
  testing::TempDir dir;
  uint16_t port = FreePort();
  SmtpSink server{dir.path(), port};
  PortalConfig config;
  StateLayout layout{dir.path()};
  FixedClock clock{kNow};
  std::unique_ptr<MailOutbox> outbox;

  PumpState() {
    config.hospital.name = "Backus Hospital";
    config.hospital.portal_url = "https://www.backushospital.org/Portal";
    config.paths.state_dir = dir.path();
    PortalConfig::Notifications& n = config.notifications;
    n.smtp_url = "smtp://127.0.0.1:" + std::to_string(port);
    n.starttls = "off";
    n.from = "Backus Hospital Patient Portal <portal@backushospital.org>";
    n.retry_initial_seconds = 60;
    n.retry_max_seconds = 3600;
    BOOST_REQUIRE(MailOutbox::Open(layout.outbox_db, &outbox).ok());
  }
  void StartServer() {
    std::string why;
    BOOST_REQUIRE_MESSAGE(server.Start(&why), why);
  }
  int64_t QueueNotice(const std::string& to) {
    BOOST_REQUIRE(
        QueuePatientNotice(config, outbox.get(), to, Notice::kProcessed, clock.Now()).ok());
    std::vector<OutgoingMail> due;
    BOOST_REQUIRE(outbox->Due(clock.Now(), 100, &due).ok());
    BOOST_REQUIRE(!due.empty());
    return due.back().id;
  }
  OutgoingMail Mail(int64_t id) {
    OutgoingMail mail;
    bool sent = false, found = false;
    BOOST_REQUIRE(outbox->Find(id, &mail, &sent, &found).ok());
    BOOST_REQUIRE(found);
    return mail;
  }
};

// The pump's log lines, and a wait for the next one (an event, not a time to pass).
class LogLines {
 public:
  void Add(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.push_back(line);
    added_.notify_all();
  }
  // The first line, once there is one; "" if none came within a generous deadline.
  std::string First() {
    std::unique_lock<std::mutex> lock(mu_);
    added_.wait_for(lock, std::chrono::seconds(60), [this] { return !lines_.empty(); });
    return lines_.empty() ? "" : lines_.front();
  }

 private:
  std::mutex mu_;
  std::condition_variable added_;
  std::vector<std::string> lines_;
};

BOOST_FIXTURE_TEST_CASE(a_round_dates_each_mail_by_the_clock_it_is_given, PumpState) {
  StartServer();
  QueueNotice("p@example.org");
  DeliveryReport report;
  const Status st = NoticeRound(config, layout, clock, &report);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(report.sent == 1);
  const auto mails = server.Mails();
  BOOST_REQUIRE_EQUAL(mails.size(), 1u);
  BOOST_TEST(mails[0].headers.at("Date") == kNowDate);
}

BOOST_FIXTURE_TEST_CASE(the_pump_thread_runs_its_rounds_on_its_clock, PumpState) {
  StartServer();
  clock.Set(kNow + 86400);  // Wed, 15 Nov 2023 22:13:20 UTC.
  const int64_t id = QueueNotice("p@example.org");
  LogLines log;
  {
    NoticePump pump(config, clock, [&log](const std::string& line) { log.Add(line); });
    pump.Start();
    BOOST_TEST(log.First() == "notices: 1 sent");
  }
  const auto mails = server.Mails();
  BOOST_REQUIRE_EQUAL(mails.size(), 1u);
  BOOST_TEST(mails[0].headers.at("Date") == "Wed, 15 Nov 2023 22:13:20 +0000");
  BOOST_TEST(Mail(id).attempts == 0);
}

BOOST_FIXTURE_TEST_CASE(while_the_server_is_down_each_round_backs_off_on_the_clock, PumpState) {
  const int64_t id = QueueNotice("p@example.org");  // Nothing listens on the port.
  DeliveryReport report;
  BOOST_TEST(!NoticeRound(config, layout, clock, &report).ok());
  BOOST_TEST(report.failed == 1);
  BOOST_TEST(Mail(id).attempts == 1);
  BOOST_TEST(Mail(id).next_attempt_at == kNow + 60);
  // Before the retry time a round tries nothing; at it, still down: the wait doubles.
  clock.Advance(59);
  BOOST_TEST(NoticeRound(config, layout, clock, &report).ok());
  BOOST_TEST(report.failed == 0);
  BOOST_TEST(report.pending == 1);
  clock.Advance(1);
  BOOST_TEST(!NoticeRound(config, layout, clock, &report).ok());
  BOOST_TEST(Mail(id).attempts == 2);
  BOOST_TEST(Mail(id).next_attempt_at == kNow + 60 + 120);
  // The server is back when the time comes: the mail goes out, dated then.
  StartServer();
  clock.Advance(120);
  BOOST_TEST(NoticeRound(config, layout, clock, &report).ok());
  BOOST_TEST(report.sent == 1);
  const auto mails = server.Mails();
  BOOST_REQUIRE_EQUAL(mails.size(), 1u);
  BOOST_TEST(mails[0].headers.at("Date") == "Tue, 14 Nov 2023 22:16:20 +0000");
}

BOOST_FIXTURE_TEST_CASE(a_bad_stored_digest_time_is_an_error_of_the_round_not_a_crash, PumpState) {
  StartServer();
  config.notifications.staff_digest_to = {"records@backushospital.org"};
  QueueNotice("p@example.org");
  for (const char* bad : {"soon", "12abc", "", "99999999999999999999"}) {
    BOOST_REQUIRE(outbox->Set("last_digest_at", bad).ok());
    DeliveryReport report;
    const Status st = NoticeRound(config, layout, clock, &report);
    BOOST_TEST(!st.ok(), bad);
    BOOST_TEST(st.message() == "outbox: last_digest_at is not a number", bad);
  }
  // The pump's thread logs it and carries on (a throwing parse used to end the daemon).
  LogLines log;
  {
    NoticePump pump(config, clock, [&log](const std::string& line) { log.Add(line); });
    pump.Start();
    BOOST_TEST(log.First().starts_with("notices: outbox: last_digest_at is not a number"));
  }
  // Without digest addresses the value is not needed: patients' notices still go out.
  config.notifications.staff_digest_to.clear();
  DeliveryReport report;
  BOOST_TEST(NoticeRound(config, layout, clock, &report).ok());
  BOOST_TEST(report.sent == 1);
  // Repaired, the round works again.
  config.notifications.staff_digest_to = {"records@backushospital.org"};
  BOOST_REQUIRE(outbox->Set("last_digest_at", std::to_string(kNow - 7200)).ok());
  BOOST_TEST(NoticeRound(config, layout, clock, &report).ok());
}

}  // namespace
}  // namespace portal
