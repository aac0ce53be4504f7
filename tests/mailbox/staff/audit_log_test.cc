#define BOOST_TEST_MODULE audit_log_test
#include "mailbox/staff/audit_log.h"

#include <boost/test/unit_test.hpp>

#include "core/sha256.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;

const std::string kFingerprint = "0123456789ABCDEF0123456789ABCDEF01234567";
const std::string kReceipt = "00112233445566778899aabbccddeeff";
const std::string kZeros(64, '0');

AuditEntry Entry(const std::string& action, const std::string& detail, int64_t at = 100) {
  AuditEntry e;
  e.at = at;
  e.staff_fingerprint = kFingerprint;
  e.os_user = "alice";
  e.action = action;
  e.document = kReceipt;
  e.detail = detail;
  return e;
}

// The documented serialization, written again here: each field as length ':' bytes '\n'.
std::string ExpectedHash(const AuditEntry& e) {
  std::string text;
  for (const std::string& f : {std::to_string(e.seq), std::to_string(e.at), e.staff_fingerprint,
                               e.os_user, e.action, e.document, e.detail, e.prev_hash}) {
    text += std::to_string(f.size()) + ":" + f + "\n";
  }
  return Sha256Hex(text);
}

// A log under `dir` with four entries: claim, view, accept, release.
std::unique_ptr<AuditLog> LogWithFour(const fs::path& dir, std::vector<AuditEntry>* written) {
  std::unique_ptr<AuditLog> log;
  BOOST_REQUIRE(AuditLog::Open(AuditLog::PathIn(dir), &log).ok());
  written->clear();
  for (const char* action : {"claim", "view", "accept", "release"}) {
    AuditEntry w;
    BOOST_REQUIRE(log->Append(Entry(action, std::string("step ") + action), &w).ok());
    written->push_back(w);
  }
  return log;
}

// Runs `sql` on the log's database through a connection of its own, as someone editing it would.
void EditDatabase(const fs::path& dir, const std::string& sql) {
  std::unique_ptr<SqliteDb> db;
  BOOST_REQUIRE(SqliteDb::Open(dir / "audit.sqlite", SqliteDb::Journal::kWal, &db).ok());
  BOOST_REQUIRE(db->Exec(sql).ok());
}

VerifyReport VerifyOf(AuditLog* log) {
  VerifyReport r;
  BOOST_REQUIRE(log->Verify(&r).ok());
  return r;
}

BOOST_AUTO_TEST_CASE(the_log_lives_in_its_own_file_and_an_empty_one_verifies) {
  testing::TempDir dir;
  BOOST_TEST(AuditLog::PathIn(dir.path()) == dir.path() / "audit.sqlite");
  std::unique_ptr<AuditLog> log;
  BOOST_REQUIRE(AuditLog::Open(AuditLog::PathIn(dir.path()), &log).ok());
  const VerifyReport r = VerifyOf(log.get());
  BOOST_TEST(r.ok);
  BOOST_TEST(r.count == 0);
}

BOOST_AUTO_TEST_CASE(appended_entries_form_a_chain_that_verifies) {
  testing::TempDir dir;
  std::vector<AuditEntry> w;
  auto log = LogWithFour(dir.path(), &w);
  // Entry 1's hash from its serialization written out by hand.
  const std::string first = "1:1\n3:100\n40:" + kFingerprint +
                            "\n5:alice\n5:claim\n32:" + kReceipt + "\n10:step claim\n64:" + kZeros +
                            "\n";
  BOOST_TEST(w[0].seq == 1);
  BOOST_TEST(w[0].prev_hash == kZeros);
  BOOST_TEST(w[0].hash == Sha256Hex(first));
  for (size_t i = 1; i < w.size(); ++i) {
    BOOST_TEST(w[i].seq == static_cast<int64_t>(i + 1));
    BOOST_TEST(w[i].prev_hash == w[i - 1].hash);
    BOOST_TEST(w[i].hash == ExpectedHash(w[i]));
  }
  BOOST_TEST(testing::Slurp(dir.path() / "audit.head") == "4 " + w[3].hash + "\n");
  const VerifyReport r = VerifyOf(log.get());
  BOOST_TEST(r.ok);
  BOOST_TEST(r.count == 4);
  BOOST_TEST(r.reason.empty());
}

BOOST_AUTO_TEST_CASE(an_edited_entry_is_named) {
  testing::TempDir dir;
  std::vector<AuditEntry> w;
  auto log = LogWithFour(dir.path(), &w);
  EditDatabase(dir.path(), "UPDATE entries SET detail = 'nothing to see' WHERE seq = 2");
  const VerifyReport r = VerifyOf(log.get());
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.count == 4);
  BOOST_TEST(r.seq == 2);
  BOOST_TEST(r.reason == "entry 2 was changed");
}

BOOST_AUTO_TEST_CASE(a_removed_middle_entry_is_named_missing) {
  testing::TempDir dir;
  std::vector<AuditEntry> w;
  auto log = LogWithFour(dir.path(), &w);
  EditDatabase(dir.path(), "DELETE FROM entries WHERE seq = 2");
  const VerifyReport r = VerifyOf(log.get());
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.count == 3);
  BOOST_TEST(r.seq == 2);
  BOOST_TEST(r.reason == "entry 2 is missing");
}

BOOST_AUTO_TEST_CASE(swapped_entries_name_the_first_of_them) {
  testing::TempDir dir;
  std::vector<AuditEntry> w;
  auto log = LogWithFour(dir.path(), &w);
  // Entries 2 and 3 trade everything but their seq.
  EditDatabase(dir.path(),
               "CREATE TEMP TABLE saved AS SELECT * FROM entries WHERE seq IN (2, 3);"
               "UPDATE entries SET (at, staff_fingerprint, os_user, action, document, detail, "
               "prev_hash, hash) = (SELECT at, staff_fingerprint, os_user, action, document, "
               "detail, prev_hash, hash FROM saved WHERE saved.seq = 5 - entries.seq) "
               "WHERE seq IN (2, 3);");
  std::vector<AuditEntry> listed;
  BOOST_REQUIRE(log->List({}, &listed).ok());
  BOOST_REQUIRE_EQUAL(listed.size(), 4u);
  BOOST_TEST(listed[1].action == "accept");  // The swap took.
  const VerifyReport r = VerifyOf(log.get());
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.seq == 2);
  BOOST_TEST(r.reason == "entry 2 was changed");
}

BOOST_AUTO_TEST_CASE(an_entry_made_up_with_a_right_hash_breaks_the_chain_after_it) {
  testing::TempDir dir;
  std::vector<AuditEntry> w;
  auto log = LogWithFour(dir.path(), &w);
  AuditEntry forged = w[1];
  forged.detail = "made up";
  forged.hash = ExpectedHash(forged);
  EditDatabase(dir.path(),
               "UPDATE entries SET detail = 'made up', hash = '" + forged.hash + "' WHERE seq = 2");
  const VerifyReport r = VerifyOf(log.get());
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.seq == 3);
  BOOST_TEST(r.reason == "entries out of order at 3");
}

BOOST_AUTO_TEST_CASE(removing_the_newest_entry_is_detected_by_the_head_record) {
  testing::TempDir dir;
  std::vector<AuditEntry> w;
  auto log = LogWithFour(dir.path(), &w);
  EditDatabase(dir.path(), "DELETE FROM entries WHERE seq = 4");
  VerifyReport r = VerifyOf(log.get());
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.count == 3);
  BOOST_TEST(r.seq == 4);
  BOOST_TEST(r.reason == "the newest entries were removed");
  // The next entry follows the removed one, so the gap stays visible.
  AuditEntry next;
  BOOST_REQUIRE(log->Append(Entry("view", "again"), &next).ok());
  BOOST_TEST(next.seq == 5);
  BOOST_TEST(next.prev_hash == w[3].hash);
  r = VerifyOf(log.get());
  BOOST_TEST(r.seq == 4);
  BOOST_TEST(r.reason == "entry 4 is missing");
}

BOOST_AUTO_TEST_CASE(removing_the_newest_entry_and_its_head_row_is_caught_by_the_head_file) {
  testing::TempDir dir;
  std::vector<AuditEntry> w;
  auto log = LogWithFour(dir.path(), &w);
  EditDatabase(dir.path(), "DELETE FROM entries WHERE seq = 4; UPDATE head SET seq = 3, hash = '" +
                               w[2].hash + "'");
  VerifyReport r = VerifyOf(log.get());
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.seq == 4);
  BOOST_TEST(r.reason == "the newest entries were removed");
  // Later entries leave the head file as it was: the evidence stays.
  BOOST_REQUIRE(log->Append(Entry("view", "again"), nullptr).ok());
  BOOST_TEST(testing::Slurp(dir.path() / "audit.head") == "4 " + w[3].hash + "\n");
  r = VerifyOf(log.get());
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.reason == "the head file does not match entry 4");
}

BOOST_AUTO_TEST_CASE(a_changed_or_removed_head_file_is_detected) {
  testing::TempDir dir;
  std::vector<AuditEntry> w;
  auto log = LogWithFour(dir.path(), &w);
  const fs::path head = dir.path() / "audit.head";
  testing::Spit(head, "4 " + std::string(64, 'f') + "\n");
  VerifyReport r = VerifyOf(log.get());
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.seq == 4);
  BOOST_TEST(r.reason == "the head file does not match entry 4");
  testing::Spit(head, "9 " + w[3].hash + "\n");
  r = VerifyOf(log.get());
  BOOST_TEST(r.reason == "the newest entries were removed");
  testing::Spit(head, "not a head\n");
  BOOST_TEST(!VerifyOf(log.get()).ok);
  fs::remove(head);
  BOOST_TEST(!VerifyOf(log.get()).ok);
}

BOOST_AUTO_TEST_CASE(a_head_file_one_behind_is_an_interrupted_append_and_is_repaired) {
  testing::TempDir dir;
  std::vector<AuditEntry> w;
  auto log = LogWithFour(dir.path(), &w);
  const fs::path head = dir.path() / "audit.head";
  // As if the process died after committing entry 4 but before replacing the file.
  testing::Spit(head, "3 " + w[2].hash + "\n");
  BOOST_TEST(VerifyOf(log.get()).ok);
  AuditEntry next;
  BOOST_REQUIRE(log->Append(Entry("complete", ""), &next).ok());
  BOOST_TEST(testing::Slurp(head) == "5 " + next.hash + "\n");
  BOOST_TEST(VerifyOf(log.get()).ok);
}

BOOST_AUTO_TEST_CASE(refused_entries_write_nothing) {
  testing::TempDir dir;
  std::unique_ptr<AuditLog> log;
  BOOST_REQUIRE(AuditLog::Open(AuditLog::PathIn(dir.path()), &log).ok());
  std::vector<AuditEntry> bad(8, Entry("view", "ok"));
  bad[0].action = "delete";
  bad[1].action = "";
  bad[2].detail = "line one\nline two";
  bad[3].detail = std::string(501, 'x');
  bad[4].detail = "bell\x07";
  bad[5].document = "not-a-receipt";
  bad[6].os_user = "";
  bad[7].staff_fingerprint = "0123";
  for (const AuditEntry& e : bad) {
    const Status s = log->Append(e, nullptr);
    BOOST_TEST(!s.ok());
    BOOST_TEST((s.code() == Status::Code::kInvalidInput));
  }
  std::vector<AuditEntry> listed;
  BOOST_REQUIRE(log->List({}, &listed).ok());
  BOOST_TEST(listed.empty());
  BOOST_TEST(!fs::exists(dir.path() / "audit.head"));
  // The limits themselves are fine: 500 bytes of detail, no document, no staff key.
  AuditEntry edge = Entry("purge", std::string(500, 'x'));
  edge.document = "";
  edge.staff_fingerprint = "";
  AuditEntry w;
  BOOST_REQUIRE(log->Append(edge, &w).ok());
  BOOST_TEST(w.seq == 1);
}

BOOST_AUTO_TEST_CASE(the_chain_continues_after_reopening) {
  testing::TempDir dir;
  std::vector<AuditEntry> w;
  LogWithFour(dir.path(), &w);
  std::unique_ptr<AuditLog> log;
  BOOST_REQUIRE(AuditLog::Open(AuditLog::PathIn(dir.path()), &log).ok());
  AuditEntry next;
  BOOST_REQUIRE(log->Append(Entry("export", "3 items"), &next).ok());
  BOOST_TEST(next.seq == 5);
  BOOST_TEST(next.prev_hash == w[3].hash);
  const VerifyReport r = VerifyOf(log.get());
  BOOST_TEST(r.ok);
  BOOST_TEST(r.count == 5);
}

BOOST_AUTO_TEST_CASE(list_filters_by_time_and_document_and_keeps_the_newest) {
  testing::TempDir dir;
  std::unique_ptr<AuditLog> log;
  BOOST_REQUIRE(AuditLog::Open(AuditLog::PathIn(dir.path()), &log).ok());
  const std::string other = "ffeeddccbbaa99887766554433221100";
  for (int i = 1; i <= 5; ++i) {
    AuditEntry e = Entry("view", "n" + std::to_string(i), 100 * i);
    if (i % 2 == 0) e.document = other;
    BOOST_REQUIRE(log->Append(e, nullptr).ok());
  }
  std::vector<AuditEntry> got;
  AuditFilter since;
  since.since = 300;
  BOOST_REQUIRE(log->List(since, &got).ok());
  BOOST_REQUIRE_EQUAL(got.size(), 3u);
  BOOST_TEST(got[0].detail == "n3");
  BOOST_TEST(got[2].detail == "n5");
  AuditFilter by_document;
  by_document.document = other;
  BOOST_REQUIRE(log->List(by_document, &got).ok());
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[0].detail == "n2");
  BOOST_TEST(got[1].detail == "n4");
  AuditFilter newest;
  newest.limit = 2;
  BOOST_REQUIRE(log->List(newest, &got).ok());
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[0].seq == 4);
  BOOST_TEST(got[1].seq == 5);
  newest.limit = -1;
  BOOST_TEST(!log->List(newest, &got).ok());
}

}  // namespace
}  // namespace portal
