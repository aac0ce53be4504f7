#define BOOST_TEST_MODULE notifier_test
#include "mailbox/common/notifier.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "core/base64.h"
#include "tests/smtp_sink.h"
#include "tests/test_util.h"

extern char** environ;

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::ArrivedMail;
using testing::FreePort;
using testing::SmtpSink;

constexpr int64_t kNow = 1'700'000'000;
constexpr char kPortalUrl[] = "https://www.backushospital.org/Portal";
constexpr char kFrom[] = "Backus Hospital Patient Portal <portal@backushospital.org>";
// Things that must never be in a notice: an invented patient's name, MRN, birth date, a receipt.
const char* const kPhiSentinels[] = {"Annika", "Lindqvist", "M100001", "1961-04-17",
                                     "0123456789abcdef0123456789abcdef"};

PortalConfig ConfigFor(uint16_t port) {
  PortalConfig c;
  c.hospital.name = "Backus Hospital";
  c.hospital.portal_url = kPortalUrl;
  PortalConfig::Notifications& n = c.notifications;
  n.smtp_url = "smtp://127.0.0.1:" + std::to_string(port);
  n.starttls = "off";
  n.from = kFrom;
  n.staff_digest_to = {"records@backushospital.org", "records.lead@backushospital.org"};
  n.digest_interval_minutes = 60;
  n.retry_initial_seconds = 60;
  n.retry_max_seconds = 3600;
  return c;
}

// An outbox and a (not yet started) SMTP server on a free loopback port.
struct Loopback {
  testing::TempDir dir;
  uint16_t port = FreePort();
  SmtpSink server{dir.path(), port};
  PortalConfig config = ConfigFor(port);
  std::unique_ptr<MailOutbox> outbox;

  Loopback() { BOOST_REQUIRE(MailOutbox::Open(MailOutbox::PathIn(dir.path()), &outbox).ok()); }

  void StartServer() {
    std::string why;
    BOOST_REQUIRE_MESSAGE(server.Start(&why), why);
  }
  DeliveryReport Deliver(int64_t now, bool expect_ok = true) {
    DeliveryReport report;
    const Status st = DeliverDue(config, outbox.get(), now, &report);
    BOOST_REQUIRE_MESSAGE(st.ok() == expect_ok, st.message());
    return report;
  }
  OutgoingMail Mail(int64_t id) {
    OutgoingMail mail;
    bool sent = false, found = false;
    BOOST_REQUIRE(outbox->Find(id, &mail, &sent, &found).ok());
    BOOST_REQUIRE(found);
    return mail;
  }
};

void CheckNoPhi(const std::string& text) {
  for (const char* sentinel : kPhiSentinels) {
    BOOST_TEST(text.find(sentinel) == std::string::npos, "found " << sentinel);
  }
}

BOOST_FIXTURE_TEST_CASE(a_patient_notice_arrives_with_its_headers_and_no_phi, Loopback) {
  StartServer();
  BOOST_REQUIRE(QueuePatientNotice(config, outbox.get(), "patient.7f3a@example.org",
                                   Notice::kReplyWaiting, kNow)
                    .ok());
  const DeliveryReport report = Deliver(kNow);
  BOOST_TEST(report.sent == 1);
  BOOST_TEST(report.failed == 0);
  BOOST_TEST(report.pending == 0);
  const auto mails = server.Mails();
  BOOST_REQUIRE_EQUAL(mails.size(), 1u);
  const ArrivedMail& m = mails[0];
  BOOST_TEST(m.headers.at("From") == kFrom);
  BOOST_TEST(m.headers.at("To") == "patient.7f3a@example.org");
  BOOST_TEST(m.headers.at("Subject") ==
             "Backus Hospital Patient Portal: a reply is waiting for you");
  BOOST_TEST(m.headers.at("X-MailFrom") == "portal@backushospital.org");  // The envelope.
  BOOST_TEST(m.headers.at("X-RcptTo") == "patient.7f3a@example.org");
  BOOST_TEST(std::regex_match(m.headers.at("Date"),
                              std::regex("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
                                         "[A-Z][a-z]{2} 20[0-9]{2} [0-2][0-9]:[0-5][0-9]:"
                                         "[0-6][0-9] \\+0000")));
  BOOST_TEST(std::regex_match(m.headers.at("Message-ID"),
                              std::regex("<[0-9a-f]{32}@backushospital\\.org>")));
  BOOST_TEST(m.headers.at("MIME-Version") == "1.0");
  BOOST_TEST(m.headers.at("Content-Type") == "text/plain; charset=utf-8");
  BOOST_TEST(m.headers.at("Content-Transfer-Encoding") == "8bit");
  BOOST_TEST(m.body.find(kPortalUrl) != std::string::npos);
  BOOST_TEST(m.body.find("Backus Hospital") != std::string::npos);
  CheckNoPhi(m.body);
  BOOST_TEST(m.body.find("patient.7f3a") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_processed_notice_says_so, Loopback) {
  StartServer();
  BOOST_REQUIRE(
      QueuePatientNotice(config, outbox.get(), "p@example.org", Notice::kProcessed, kNow).ok());
  BOOST_TEST(Deliver(kNow).sent == 1);
  const auto mails = server.Mails();
  BOOST_REQUIRE_EQUAL(mails.size(), 1u);
  BOOST_TEST(mails[0].headers.at("Subject") ==
             "Backus Hospital Patient Portal: your request was processed");
  BOOST_TEST(mails[0].body.find("processed") != std::string::npos);
  BOOST_TEST(mails[0].body.find(kPortalUrl) != std::string::npos);
  CheckNoPhi(mails[0].body);
}

BOOST_FIXTURE_TEST_CASE(a_notice_to_anything_but_one_address_is_refused, Loopback) {
  for (const char* to : {"", "two@example.org, three@example.org", "Name <n@example.org>",
                         "p@example.org\r\nBcc: x@example.org", "no-at-sign"}) {
    const Status st = QueuePatientNotice(config, outbox.get(), to, Notice::kProcessed, kNow);
    BOOST_TEST(!st.ok());
    BOOST_TEST(st.message().find("example.org") == std::string::npos);  // Not repeated.
  }
  int64_t pending = -1;
  BOOST_REQUIRE(outbox->Pending(&pending).ok());
  BOOST_TEST(pending == 0);
}

BOOST_FIXTURE_TEST_CASE(a_server_that_is_down_delays_the_mail_and_loses_nothing, Loopback) {
  BOOST_REQUIRE(
      QueuePatientNotice(config, outbox.get(), "p@example.org", Notice::kProcessed, kNow).ok());
  std::vector<OutgoingMail> due;
  BOOST_REQUIRE(outbox->Due(kNow, 10, &due).ok());
  BOOST_REQUIRE_EQUAL(due.size(), 1u);
  const int64_t id = due[0].id;

  // Nothing listens: the send fails, naming the server only; the mail waits 60 s.
  DeliveryReport report;
  const Status st = DeliverDue(config, outbox.get(), kNow, &report);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find(config.notifications.smtp_url) != std::string::npos);
  BOOST_TEST(st.message().find("p@example.org") == std::string::npos);
  BOOST_TEST(st.message().find("processed") == std::string::npos);
  BOOST_TEST(report.sent == 0);
  BOOST_TEST(report.failed == 1);
  BOOST_TEST(report.pending == 1);
  BOOST_TEST(Mail(id).attempts == 1);
  BOOST_TEST(Mail(id).next_attempt_at == kNow + 60);
  BOOST_TEST(Mail(id).last_error == st.message());
  // Before the retry time nothing is tried; at it, still down: the wait doubles.
  BOOST_TEST(Deliver(kNow + 59).failed == 0);
  BOOST_TEST(Deliver(kNow + 60, /*expect_ok=*/false).failed == 1);
  BOOST_TEST(Mail(id).attempts == 2);
  BOOST_TEST(Mail(id).next_attempt_at == kNow + 60 + 120);

  // The server comes back: the mail goes out once its time comes, exactly once.
  StartServer();
  report = Deliver(kNow + 179);
  BOOST_TEST(report.sent == 0);
  BOOST_TEST(report.pending == 1);
  BOOST_TEST(server.Mails().empty());
  report = Deliver(kNow + 180);
  BOOST_TEST(report.sent == 1);
  BOOST_TEST(report.pending == 0);
  BOOST_TEST(Deliver(kNow + 181).sent == 0);
  BOOST_TEST(Deliver(kNow + 100000).sent == 0);
  const auto mails = server.Mails();
  BOOST_REQUIRE_EQUAL(mails.size(), 1u);
  BOOST_TEST(mails[0].headers.at("To") == "p@example.org");
}

BOOST_FIXTURE_TEST_CASE(the_staff_digest_carries_counts_only_at_most_once_per_interval, Loopback) {
  StartServer();
  bool queued = true;
  BOOST_REQUIRE(QueueStaffDigest(config, outbox.get(), {}, kNow, &queued).ok());
  BOOST_TEST(!queued);  // Nothing new: no digest.
  BOOST_REQUIRE(
      QueueStaffDigest(config, outbox.get(), {{"message: conncare", 0}}, kNow, &queued).ok());
  BOOST_TEST(!queued);
  const std::map<std::string, int> counts = {
      {"message: conncare", 3}, {"message: ob-gyn-services", 0}, {"profile-change", 1}};
  BOOST_REQUIRE(QueueStaffDigest(config, outbox.get(), counts, kNow, &queued).ok());
  BOOST_TEST(queued);
  BOOST_REQUIRE(
      QueueStaffDigest(config, outbox.get(), {{"message: conncare", 1}}, kNow + 3599, &queued)
          .ok());
  BOOST_TEST(!queued);  // Within the interval.
  DeliveryReport report = Deliver(kNow + 3599);
  BOOST_TEST(report.sent == 2);  // One per staff address.

  auto mails = server.Mails();
  BOOST_REQUIRE_EQUAL(mails.size(), 2u);
  std::set<std::string> recipients;
  for (const ArrivedMail& m : mails) {
    recipients.insert(m.headers.at("To"));
    BOOST_TEST(m.headers.at("Subject") == "Patient Portal: 4 new items");
    BOOST_TEST(m.headers.at("From") == kFrom);
    // The whole body, so nothing but the counts can be in it.
    BOOST_TEST(m.body ==
               "New items arrived in the Backus Hospital Patient Portal mailbox:\n"
               "\n"
               "  3  message: conncare\n"
               "  1  profile-change\n"
               "\n"
               "Total: 4\n"
               "\n"
               "Work them with portal-staff. This notice carries counts only.\n");
  }
  BOOST_TEST((recipients == std::set<std::string>(config.notifications.staff_digest_to.begin(),
                                                  config.notifications.staff_digest_to.end())));

  // One interval later the next digest may go.
  BOOST_REQUIRE(
      QueueStaffDigest(config, outbox.get(), {{"message: conncare", 1}}, kNow + 3600, &queued)
          .ok());
  BOOST_TEST(queued);
  BOOST_TEST(Deliver(kNow + 3600).sent == 2);
  mails = server.Mails();
  BOOST_REQUIRE_EQUAL(mails.size(), 4u);
  int singular = 0;
  for (const ArrivedMail& m : mails)
    singular += m.headers.at("Subject") == "Patient Portal: 1 new item";
  BOOST_TEST(singular == 2);
}

BOOST_FIXTURE_TEST_CASE(a_digest_count_key_that_could_carry_phi_is_refused, Loopback) {
  bool queued = true;
  const Status st =
      QueueStaffDigest(config, outbox.get(), {{"message: Annika Lindqvist", 1}}, kNow, &queued);
  BOOST_TEST(!st.ok());
  BOOST_TEST(!queued);
  CheckNoPhi(st.message());
  int64_t pending = -1;
  BOOST_REQUIRE(outbox->Pending(&pending).ok());
  BOOST_TEST(pending == 0);
}

BOOST_FIXTURE_TEST_CASE(required_starttls_is_enforced_against_a_plain_server, Loopback) {
  StartServer();  // aiosmtpd without a certificate: it offers no STARTTLS.
  config.notifications.starttls = "required";
  BOOST_REQUIRE(
      QueuePatientNotice(config, outbox.get(), "p@example.org", Notice::kProcessed, kNow).ok());
  DeliveryReport report;
  const Status st = DeliverDue(config, outbox.get(), kNow, &report);
  BOOST_TEST(!st.ok());
  BOOST_TEST_MESSAGE("refused: " << st.message());
  BOOST_TEST(st.message().find(config.notifications.smtp_url) != std::string::npos);
  BOOST_TEST(report.failed == 1);
  BOOST_TEST(report.pending == 1);
  BOOST_TEST(server.Mails().empty());
  // Kept: once TLS is not demanded (a test setting), the same mail goes out.
  config.notifications.starttls = "off";
  BOOST_TEST(Deliver(kNow + 60).sent == 1);
  BOOST_TEST(server.Mails().size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(bodies_arrive_intact_dot_lines_and_line_ends_included, Loopback) {
  StartServer();
  int64_t id = 0;
  const std::string subject = "Erg\xC3\xA4nzung zur Anfrage";  // "Ergänzung ..." in UTF-8.
  BOOST_REQUIRE(outbox
                    ->Enqueue("p@example.org", subject,
                              "first\n.\n.hidden\r\nlone\rcr\n..two\nl\xC3\xA4st", kNow, &id)
                    .ok());
  BOOST_TEST(Deliver(kNow).sent == 1);
  const auto mails = server.Mails();
  BOOST_REQUIRE_EQUAL(mails.size(), 1u);
  BOOST_TEST(mails[0].body == "first\n.\n.hidden\nlone\ncr\n..two\nl\xC3\xA4st\n");
  BOOST_TEST(mails[0].headers.at("Subject") == "=?UTF-8?B?" + Base64Encode(subject) + "?=");
}

BOOST_FIXTURE_TEST_CASE(a_password_file_others_may_read_is_refused_naming_only_its_path, Loopback) {
  StartServer();
  const fs::path password_file = dir.path() / "smtp-password";
  testing::Spit(password_file, "s3cret-sentinel\n");
  ::chmod(password_file.c_str(), 0640);
  config.notifications.username = "portal";
  config.notifications.password_file = password_file;
  BOOST_REQUIRE(
      QueuePatientNotice(config, outbox.get(), "p@example.org", Notice::kProcessed, kNow).ok());
  DeliveryReport report;
  const Status st = DeliverDue(config, outbox.get(), kNow, &report);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find(password_file.string()) != std::string::npos);
  BOOST_TEST(st.message().find("s3cret") == std::string::npos);
  BOOST_TEST(report.pending == 1);
  BOOST_TEST(server.Mails().empty());
  // Owner-only: the send goes ahead (this server offers no AUTH without TLS, so curl skips it).
  ::chmod(password_file.c_str(), 0600);
  BOOST_TEST(Deliver(kNow + 60).sent == 1);
}

BOOST_FIXTURE_TEST_CASE(without_an_smtp_url_nothing_is_queued_or_sent, Loopback) {
  config.notifications.smtp_url.clear();
  BOOST_REQUIRE(
      QueuePatientNotice(config, outbox.get(), "p@example.org", Notice::kProcessed, kNow).ok());
  bool queued = true;
  BOOST_REQUIRE(
      QueueStaffDigest(config, outbox.get(), {{"profile-change", 2}}, kNow, &queued).ok());
  BOOST_TEST(!queued);
  BOOST_TEST(Deliver(kNow).pending == 0);
}

}  // namespace
}  // namespace portal
