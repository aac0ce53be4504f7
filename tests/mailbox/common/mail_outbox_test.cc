#define BOOST_TEST_MODULE mail_outbox_test
#include "mailbox/common/mail_outbox.h"

#include <boost/test/unit_test.hpp>
#include <limits>

#include "tests/test_util.h"

namespace portal {
namespace {

std::unique_ptr<MailOutbox> OpenIn(const testing::TempDir& dir) {
  std::unique_ptr<MailOutbox> outbox;
  BOOST_REQUIRE(MailOutbox::Open(MailOutbox::PathIn(dir.path()), &outbox).ok());
  return outbox;
}

int64_t PendingIn(MailOutbox* outbox) {
  int64_t count = -1;
  BOOST_REQUIRE(outbox->Pending(&count).ok());
  return count;
}

std::vector<OutgoingMail> DueAt(MailOutbox* outbox, int64_t now, int limit = 10) {
  std::vector<OutgoingMail> due;
  BOOST_REQUIRE(outbox->Due(now, limit, &due).ok());
  return due;
}

BOOST_AUTO_TEST_CASE(the_outbox_lives_in_the_state_dir) {
  BOOST_TEST(MailOutbox::PathIn("/srv/portal/var") == "/srv/portal/var/outbox.sqlite");
}

BOOST_AUTO_TEST_CASE(queued_mail_is_due_from_its_queue_time_earliest_first) {
  testing::TempDir dir;
  auto outbox = OpenIn(dir);
  int64_t a = 0, b = 0, c = 0;
  BOOST_REQUIRE(outbox->Enqueue("a@example.org", "First", "one\n", 100, &a).ok());
  BOOST_REQUIRE(outbox->Enqueue("b@example.org", "Second", "two\n", 200, &b).ok());
  BOOST_REQUIRE(outbox->Enqueue("c@example.org", "Third", "three\n", 150, &c).ok());
  BOOST_TEST(PendingIn(outbox.get()) == 3);
  BOOST_TEST(DueAt(outbox.get(), 99).empty());
  auto due = DueAt(outbox.get(), 200);
  BOOST_REQUIRE_EQUAL(due.size(), 3u);
  BOOST_TEST(due[0].id == a);
  BOOST_TEST(due[1].id == c);
  BOOST_TEST(due[2].id == b);
  BOOST_TEST(due[0].to == "a@example.org");
  BOOST_TEST(due[0].subject == "First");
  BOOST_TEST(due[0].body == "one\n");
  BOOST_TEST(due[0].attempts == 0);
  BOOST_TEST(due[0].next_attempt_at == 100);
  BOOST_TEST(DueAt(outbox.get(), 200, 2).size() == 2u);
  BOOST_TEST(DueAt(outbox.get(), 150).size() == 2u);
}

BOOST_AUTO_TEST_CASE(header_injection_and_oversized_bodies_are_refused_and_add_nothing) {
  testing::TempDir dir;
  auto outbox = OpenIn(dir);
  int64_t id = 0;
  BOOST_TEST(!outbox->Enqueue("a@example.org\r\nBcc: x@example.org", "S", "b", 1, &id).ok());
  BOOST_TEST(!outbox->Enqueue("a@example.org\n", "S", "b", 1, &id).ok());
  BOOST_TEST(!outbox->Enqueue("a@example.org", "S\rBcc: x@example.org", "b", 1, &id).ok());
  BOOST_TEST(!outbox->Enqueue("a@example.org", "S\nX: y", "b", 1, &id).ok());
  BOOST_TEST(!outbox->Enqueue("", "S", "b", 1, &id).ok());
  const std::string too_big(MailOutbox::kMaxBodyBytes + 1, 'x');
  const Status st = outbox->Enqueue("a@example.org", "S", too_big, 1, &id);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("xxxx") == std::string::npos);  // No content in errors.
  BOOST_TEST(PendingIn(outbox.get()) == 0);
  // Exactly 64 KiB, and line breaks in the body, are fine.
  const std::string largest(MailOutbox::kMaxBodyBytes, 'x');
  BOOST_TEST(outbox->Enqueue("a@example.org", "S", largest, 1, &id).ok());
  BOOST_TEST(outbox->Enqueue("a@example.org", "S", "line\r\nline\n", 1, &id).ok());
  BOOST_TEST(PendingIn(outbox.get()) == 2);
}

BOOST_AUTO_TEST_CASE(failures_back_off_doubling_up_to_the_maximum_and_nothing_is_dropped) {
  testing::TempDir dir;
  auto outbox = OpenIn(dir);
  int64_t id = 0;
  BOOST_REQUIRE(outbox->Enqueue("a@example.org", "S", "b", 1000, &id).ok());
  // retry_initial 60, retry_max 3600: failing each time it comes due.
  const int64_t kDelays[] = {60, 120, 240, 480, 960, 1920, 3600, 3600, 3600};
  int64_t now = 1000;
  int64_t attempts = 0;
  for (int64_t delay : kDelays) {
    BOOST_REQUIRE(outbox->MarkFailed(id, now, "Couldn't connect to server", 60, 3600).ok());
    ++attempts;
    BOOST_TEST(DueAt(outbox.get(), now + delay - 1).empty());
    auto due = DueAt(outbox.get(), now + delay);
    BOOST_REQUIRE_EQUAL(due.size(), 1u);
    BOOST_TEST(due[0].attempts == attempts);
    BOOST_TEST(due[0].next_attempt_at == now + delay);
    BOOST_TEST(due[0].last_error == "Couldn't connect to server");
    now += delay;
  }
  BOOST_TEST(PendingIn(outbox.get()) == 1);
}

BOOST_AUTO_TEST_CASE(the_retry_delay_is_written_out_and_never_overflows) {
  BOOST_TEST(RetryDelay(1, 60, 3600) == 60);
  BOOST_TEST(RetryDelay(2, 60, 3600) == 120);
  BOOST_TEST(RetryDelay(3, 60, 3600) == 240);
  BOOST_TEST(RetryDelay(6, 60, 3600) == 1920);
  BOOST_TEST(RetryDelay(7, 60, 3600) == 3600);
  BOOST_TEST(RetryDelay(1000000, 60, 3600) == 3600);
  const int64_t huge = std::numeric_limits<int64_t>::max();
  BOOST_TEST(RetryDelay(200, 60, huge) == huge);
  BOOST_TEST(RetryDelay(1, 5, 5) == 5);
}

BOOST_AUTO_TEST_CASE(sent_mail_is_kept_marked_sent_and_cannot_be_marked_again) {
  testing::TempDir dir;
  auto outbox = OpenIn(dir);
  int64_t id = 0;
  BOOST_REQUIRE(outbox->Enqueue("a@example.org", "S", "b", 100, &id).ok());
  BOOST_REQUIRE(outbox->MarkFailed(id, 100, "timeout", 60, 3600).ok());
  BOOST_REQUIRE(outbox->MarkSent(id, 160).ok());
  BOOST_TEST(PendingIn(outbox.get()) == 0);
  BOOST_TEST(DueAt(outbox.get(), 100000).empty());
  BOOST_TEST(!outbox->MarkSent(id, 170).ok());
  BOOST_TEST(!outbox->MarkFailed(id, 170, "late", 60, 3600).ok());
  BOOST_TEST(!outbox->MarkSent(id + 1, 170).ok());
  OutgoingMail mail;
  bool sent = false, found = false;
  BOOST_REQUIRE(outbox->Find(id, &mail, &sent, &found).ok());
  BOOST_TEST(found);
  BOOST_TEST(sent);
  BOOST_TEST(mail.attempts == 1);
  BOOST_TEST(mail.to == "a@example.org");
  BOOST_REQUIRE(outbox->Find(id + 1, &mail, &sent, &found).ok());
  BOOST_TEST(!found);
}

BOOST_AUTO_TEST_CASE(long_error_texts_are_cut) {
  testing::TempDir dir;
  auto outbox = OpenIn(dir);
  int64_t id = 0;
  BOOST_REQUIRE(outbox->Enqueue("a@example.org", "S", "b", 100, &id).ok());
  BOOST_REQUIRE(outbox->MarkFailed(id, 100, std::string(5000, 'e'), 60, 3600).ok());
  BOOST_TEST(DueAt(outbox.get(), 160).at(0).last_error.size() == 500u);
}

BOOST_AUTO_TEST_CASE(a_batch_and_its_setting_are_queued_together_or_not_at_all) {
  testing::TempDir dir;
  auto outbox = OpenIn(dir);
  std::vector<NewMail> mails = {{"a@example.org", "S", "b"}, {"b@example.org", "S", "b"}};
  BOOST_REQUIRE(outbox->EnqueueBatch(mails, 100, "last_digest_at", "100").ok());
  BOOST_TEST(PendingIn(outbox.get()) == 2);
  mails.push_back({"c@example.org", "S\r\nBcc: x@example.org", "b"});
  BOOST_TEST(!outbox->EnqueueBatch(mails, 200, "last_digest_at", "200").ok());
  BOOST_TEST(PendingIn(outbox.get()) == 2);
  std::string value;
  bool found = false;
  BOOST_REQUIRE(outbox->Get("last_digest_at", &value, &found).ok());
  BOOST_TEST(found);
  BOOST_TEST(value == "100");
}

BOOST_AUTO_TEST_CASE(mail_and_settings_survive_reopening) {
  testing::TempDir dir;
  int64_t id = 0;
  {
    auto outbox = OpenIn(dir);
    std::string value;
    bool found = true;
    BOOST_REQUIRE(outbox->Get("last_digest_at", &value, &found).ok());
    BOOST_TEST(!found);
    BOOST_REQUIRE(outbox->Set("last_digest_at", "5").ok());
    BOOST_REQUIRE(outbox->Set("last_digest_at", "7").ok());
    BOOST_REQUIRE(outbox->Enqueue("a@example.org", "S", "b", 100, &id).ok());
    BOOST_REQUIRE(outbox->MarkFailed(id, 100, "refused", 60, 3600).ok());
  }
  auto outbox = OpenIn(dir);
  std::string value;
  bool found = false;
  BOOST_REQUIRE(outbox->Get("last_digest_at", &value, &found).ok());
  BOOST_TEST(value == "7");
  auto due = DueAt(outbox.get(), 160);
  BOOST_REQUIRE_EQUAL(due.size(), 1u);
  BOOST_TEST(due[0].id == id);
  BOOST_TEST(due[0].attempts == 1);
}

}  // namespace
}  // namespace portal
