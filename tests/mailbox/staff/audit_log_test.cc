#define BOOST_TEST_MODULE audit_log_test
#include "mailbox/staff/audit_log.h"

#include <boost/test/unit_test.hpp>

#include "core/file_util.h"
#include "core/gpg.h"
#include "core/sha256.h"
#include "mailbox/staff/staff_proof.h"
#include "tests/test_keys.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;

// One real staff key for the whole binary (gpg-agent signs each entry, as in portal-staff).
struct StaffKey {
  testing::TestKeys keys;
  fs::path home = keys.Home("staff");
  std::string fingerprint = keys.GenerateEncryptionKey(home, "staff_test");
  std::string public_key = testing::Slurp(keys.Export(home, fingerprint, "staff.asc"));
  std::unique_ptr<GpgContext> gpg;
  StaffKey() {
    if (!GpgContext::Open(home, false, &gpg).ok() || !gpg->SetSigner(fingerprint).ok()) {
      throw std::runtime_error("cannot sign with the test staff key");
    }
  }
};

StaffKey& Key() {
  static StaffKey key;
  return key;
}

AuditSigner Sign() {
  return [](std::string_view text, std::string* signature) {
    return Key().gpg->SignDetached(text, signature);
  };
}

// Checks signatures against the staff key's public half in a clean home, as `audit verify` does.
AuditSignatureCheck Check(ProofHome* home) {
  return [home](const std::string& fpr, std::string_view text, std::string_view sig, bool* good) {
    return home->Check(fpr, text, sig, /*allow_expired=*/true, good);
  };
}

const std::string kReceipt = "00112233445566778899aabbccddeeff";
const std::string kZeros(64, '0');

AuditEntry Entry(const std::string& action, const std::string& detail, int64_t at = 100) {
  AuditEntry e;
  e.at = at;
  e.staff_fingerprint = Key().fingerprint;
  e.os_user = "alice";
  e.action = action;
  e.document = kReceipt;
  e.detail = detail;
  return e;
}

// The documented serialization, written again here: each field as length ':' bytes '\n'.
std::string ExpectedHash(const AuditEntry& e) {
  std::string text = e.version == 1 ? "" : "2:v2\n";
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
    BOOST_REQUIRE(log->Append(Entry(action, std::string("step ") + action), Sign(), &w).ok());
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
  const std::string first = "2:v2\n1:1\n3:100\n40:" + Key().fingerprint +
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
  BOOST_REQUIRE(log->Append(Entry("view", "again"), Sign(), &next).ok());
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
  BOOST_REQUIRE(log->Append(Entry("view", "again"), Sign(), nullptr).ok());
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
  BOOST_REQUIRE(log->Append(Entry("complete", ""), Sign(), &next).ok());
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
    const Status s = log->Append(e, Sign(), nullptr);
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
  BOOST_REQUIRE(log->Append(Entry("export", "3 items"), Sign(), &next).ok());
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
    BOOST_REQUIRE(log->Append(e, Sign(), nullptr).ok());
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

// --- Signatures and the anchor (issue 15): what someone who can write var/ can no longer do.

// Hashes entries from `from` on again after an edit, as the review's attacker did: each entry's
// prev_hash and hash follow the chain, and both heads are fixed to the new newest entry.
void Rehash(const fs::path& dir, AuditLog* log, int64_t from) {
  std::vector<AuditEntry> all;
  BOOST_REQUIRE(log->List({}, &all).ok());
  std::string prev = from == 1 ? kZeros : all[from - 2].hash;
  std::string sql;
  for (size_t i = from - 1; i < all.size(); ++i) {
    AuditEntry e = all[i];
    e.prev_hash = prev;
    e.hash = ExpectedHash(e);
    sql += "UPDATE entries SET prev_hash = '" + e.prev_hash + "', hash = '" + e.hash +
           "' WHERE seq = " + std::to_string(e.seq) + ";";
    prev = e.hash;
  }
  const int64_t last = all.back().seq;
  sql += "UPDATE head SET seq = " + std::to_string(last) + ", hash = '" + prev + "';";
  EditDatabase(dir, sql);
  testing::Spit(dir / "audit.head", std::to_string(last) + " " + prev + "\n");
}

struct Anchored {
  testing::TempDir state, outside;
  fs::path anchor_path = outside.path() / "audit.anchor";
  std::unique_ptr<AuditLog> log;
  std::unique_ptr<ProofHome> home;
  std::vector<AuditEntry> w;
  Anchored() {
    BOOST_REQUIRE(AuditLog::Open(AuditLog::PathIn(state.path()), &log).ok());
    std::unique_ptr<AuditAnchor> anchor;
    BOOST_REQUIRE(AuditAnchor::Open(anchor_path, state.path(), &anchor).ok());
    log->AttachAnchor(std::move(anchor));
    BOOST_REQUIRE(ProofHome::Create(&home).ok());
    BOOST_REQUIRE(home->AddKey(Key().public_key).ok());
    for (const char* action : {"claim", "view", "accept"}) {
      AuditEntry e;
      BOOST_REQUIRE(log->Append(Entry(action, std::string("step ") + action), Sign(), &e).ok());
      w.push_back(e);
    }
    AuditEntry purge = Entry("purge", "");
    purge.staff_fingerprint = "";
    AuditEntry e;
    BOOST_REQUIRE(log->Append(purge, &e).ok());
    w.push_back(e);
  }
  VerifyReport Verify() {
    VerifyReport r;
    BOOST_REQUIRE(log->Verify(Check(home.get()), &r).ok());
    return r;
  }
};

BOOST_AUTO_TEST_CASE(a_clean_signed_anchored_trail_verifies_and_says_what_covers_it) {
  Anchored a;
  // The anchor holds one "<seq> <hash>" line per entry, in order.
  std::string expected;
  for (const auto& e : a.w) expected += std::to_string(e.seq) + " " + e.hash + "\n";
  BOOST_TEST(testing::Slurp(a.anchor_path) == expected);
  for (size_t i = 0; i < 3; ++i) {
    BOOST_TEST(!a.w[i].signature.empty());
    bool good = false;
    BOOST_REQUIRE(a.home
                      ->Check(Key().fingerprint, "portal-audit entry v2\n" + a.w[i].hash + "\n",
                              a.w[i].signature, false, &good)
                      .ok());
    BOOST_TEST(good);
  }
  BOOST_TEST(a.w[3].signature.empty());
  const VerifyReport r = a.Verify();
  BOOST_TEST(r.ok, r.reason);
  BOOST_TEST(r.count == 4);
  BOOST_TEST(r.signed_count == 3);
  BOOST_TEST(r.system_count == 1);
  BOOST_TEST(r.after_last_signature == 1);
  BOOST_TEST(r.unsigned_v1 == 0);
  BOOST_TEST(r.anchored);
  BOOST_TEST(r.anchor_from == 1);
  BOOST_REQUIRE_EQUAL(r.signers.size(), 1u);
  BOOST_TEST(r.signers[0] == Key().fingerprint);
}

BOOST_AUTO_TEST_CASE(a_rewritten_entry_with_the_chain_and_both_heads_rehashed_fails_its_signature) {
  Anchored a;
  EditDatabase(a.state.path(), "UPDATE entries SET detail = 'nothing to see' WHERE seq = 2");
  Rehash(a.state.path(), a.log.get(), 2);
  // The chain and both heads agree again: without signatures and the anchor this passed.
  VerifyReport chain_only;
  std::unique_ptr<AuditLog> bare;
  BOOST_REQUIRE(AuditLog::Open(AuditLog::PathIn(a.state.path()), &bare).ok());
  BOOST_REQUIRE(bare->Verify(&chain_only).ok());
  BOOST_TEST(chain_only.ok, chain_only.reason);
  const VerifyReport r = a.Verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.seq == 2);
  BOOST_TEST(r.reason ==
             "entry 2: the signature by staff key " + Key().fingerprint + " does not verify");
}

BOOST_AUTO_TEST_CASE(a_rewrite_re_signed_with_the_staff_key_is_caught_by_the_anchor) {
  Anchored a;
  EditDatabase(a.state.path(), "UPDATE entries SET detail = 'nothing to see' WHERE seq = 2");
  Rehash(a.state.path(), a.log.get(), 2);
  // Someone holding the staff key as well signs the rewritten entries again.
  std::vector<AuditEntry> all;
  BOOST_REQUIRE(a.log->List({}, &all).ok());
  for (size_t i = 1; i < 3; ++i) {
    std::string sig;
    BOOST_REQUIRE(Key().gpg->SignDetached(AuditSignedText(all[i]), &sig).ok());
    std::unique_ptr<SqliteDb> db;
    BOOST_REQUIRE(
        SqliteDb::Open(a.state.path() / "audit.sqlite", SqliteDb::Journal::kWal, &db).ok());
    std::unique_ptr<SqliteStatement> q;
    BOOST_REQUIRE(db->Prepare("UPDATE entries SET signature = ?1 WHERE seq = ?2", &q).ok());
    q->BindBlob(1, sig).Bind(2, all[i].seq);
    BOOST_REQUIRE(q->Run().ok());
  }
  const VerifyReport r = a.Verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.seq == 2);
  BOOST_TEST(r.reason == "the anchor's entry 2 does not match the trail: entry 2 was rewritten");
}

BOOST_AUTO_TEST_CASE(the_newest_entries_cut_with_both_heads_fixed_are_caught_by_the_anchor) {
  Anchored a;
  EditDatabase(a.state.path(),
               "DELETE FROM entries WHERE seq >= 3; UPDATE head SET seq = 2, "
               "hash = '" +
                   a.w[1].hash + "'");
  testing::Spit(a.state.path() / "audit.head", "2 " + a.w[1].hash + "\n");
  VerifyReport chain_only;
  std::unique_ptr<AuditLog> bare;
  BOOST_REQUIRE(AuditLog::Open(AuditLog::PathIn(a.state.path()), &bare).ok());
  BOOST_REQUIRE(bare->Verify(&chain_only).ok());
  BOOST_TEST(chain_only.ok, chain_only.reason);  // What the review did: unseen before.
  const VerifyReport r = a.Verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.seq == 3);
  BOOST_TEST(r.reason ==
             "the anchor names entry 3, which the trail does not hold: the newest entries were "
             "removed");
}

BOOST_AUTO_TEST_CASE(entries_not_in_the_anchor_and_an_anchor_inside_var_are_refused) {
  Anchored a;
  // An entry appended by a log without the anchor (another config, or added by hand).
  std::unique_ptr<AuditLog> bare;
  BOOST_REQUIRE(AuditLog::Open(AuditLog::PathIn(a.state.path()), &bare).ok());
  BOOST_REQUIRE(bare->Append(Entry("view", "unanchored"), Sign(), nullptr).ok());
  VerifyReport r = a.Verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.seq == 5);
  BOOST_TEST(r.reason.rfind("entry 5 is not in the anchor", 0) == 0, r.reason);
  std::unique_ptr<AuditAnchor> anchor;
  Status st =
      AuditAnchor::Open(a.state.path() / "sub" / ".." / "audit.anchor", a.state.path(), &anchor);
  BOOST_TEST((st.code() == Status::Code::kInvalidInput));
  BOOST_TEST(st.message().find("[staff] audit_anchor") != std::string::npos, st.message());
  st = AuditAnchor::Open("relative.anchor", a.state.path(), &anchor);
  BOOST_TEST((st.code() == Status::Code::kInvalidInput));
}

BOOST_AUTO_TEST_CASE(signatures_are_required_exactly_for_entries_with_a_staff_key) {
  testing::TempDir dir;
  std::unique_ptr<AuditLog> log;
  BOOST_REQUIRE(AuditLog::Open(AuditLog::PathIn(dir.path()), &log).ok());
  BOOST_TEST(!log->Append(Entry("view", "no signer"), nullptr).ok());
  AuditEntry system = Entry("purge", "");
  system.staff_fingerprint = "";
  BOOST_TEST(!log->Append(system, Sign(), nullptr).ok());
  std::vector<AuditEntry> listed;
  BOOST_REQUIRE(log->List({}, &listed).ok());
  BOOST_TEST(listed.empty());
  // Stripping a signature afterwards is named.
  BOOST_REQUIRE(log->Append(Entry("view", "signed"), Sign(), nullptr).ok());
  EditDatabase(dir.path(), "UPDATE entries SET signature = x'' WHERE seq = 1");
  const VerifyReport r = VerifyOf(log.get());
  BOOST_TEST(r.reason == "entry 1 claims staff key " + Key().fingerprint + " but is not signed");
}

// A trail written before signing (audit.sqlite version 1) is made by hand: the old schema and
// the old hash (no "v2" field).
void WriteVersion1Trail(const fs::path& dir, int n, std::vector<AuditEntry>* out) {
  std::unique_ptr<SqliteDb> db;
  BOOST_REQUIRE(SqliteDb::Open(dir / "audit.sqlite", SqliteDb::Journal::kWal, &db).ok());
  BOOST_REQUIRE(db->Exec("CREATE TABLE entries(seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, "
                         "staff_fingerprint TEXT NOT NULL, os_user TEXT NOT NULL, action TEXT "
                         "NOT NULL, document TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT "
                         "NOT NULL, hash TEXT NOT NULL);"
                         "CREATE TABLE head(id INTEGER PRIMARY KEY CHECK(id = 1), seq INTEGER NOT "
                         "NULL, hash TEXT NOT NULL); PRAGMA user_version = 1;")
                    .ok());
  std::string prev = kZeros;
  for (int i = 1; i <= n; ++i) {
    AuditEntry e = Entry("view", "old " + std::to_string(i));
    e.os_user = "alice";
    e.version = 1;
    e.seq = i;
    e.prev_hash = prev;
    e.hash = ExpectedHash(e);
    std::unique_ptr<SqliteStatement> q;
    BOOST_REQUIRE(
        db->Prepare("INSERT INTO entries VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &q).ok());
    q->Bind(1, e.seq).Bind(2, e.at).Bind(3, e.staff_fingerprint).Bind(4, e.os_user);
    q->Bind(5, e.action).Bind(6, e.document).Bind(7, e.detail).Bind(8, e.prev_hash);
    q->Bind(9, e.hash);
    BOOST_REQUIRE(q->Run().ok());
    prev = e.hash;
    out->push_back(e);
  }
  BOOST_REQUIRE(
      db->Exec("INSERT INTO head VALUES(1, " + std::to_string(n) + ", '" + prev + "')").ok());
  testing::Spit(dir / "audit.head", std::to_string(n) + " " + prev + "\n");
}

BOOST_AUTO_TEST_CASE(an_old_unsigned_trail_still_reads_and_verifies_as_predating_signing) {
  testing::TempDir dir;
  std::vector<AuditEntry> old;
  WriteVersion1Trail(dir.path(), 3, &old);
  std::unique_ptr<AuditLog> log;
  BOOST_REQUIRE(AuditLog::Open(AuditLog::PathIn(dir.path()), &log).ok());
  std::unique_ptr<ProofHome> home;
  BOOST_REQUIRE(ProofHome::Create(&home).ok());
  BOOST_REQUIRE(home->AddKey(Key().public_key).ok());
  std::vector<AuditEntry> listed;
  BOOST_REQUIRE(log->List({}, &listed).ok());
  BOOST_REQUIRE_EQUAL(listed.size(), 3u);
  BOOST_TEST(listed[2].detail == "old 3");
  BOOST_TEST(listed[2].version == 1);
  BOOST_TEST(listed[2].hash == old[2].hash);
  VerifyReport r;
  BOOST_REQUIRE(log->Verify(Check(home.get()), &r).ok());
  BOOST_TEST(r.ok, r.reason);
  BOOST_TEST(r.unsigned_v1 == 3);
  // The chain goes on, signed, after the old entries.
  AuditEntry next;
  BOOST_REQUIRE(log->Append(Entry("view", "new"), Sign(), &next).ok());
  BOOST_TEST(next.seq == 4);
  BOOST_TEST(next.prev_hash == old[2].hash);
  BOOST_REQUIRE(log->Verify(Check(home.get()), &r).ok());
  BOOST_TEST(r.ok, r.reason);
  BOOST_TEST(r.unsigned_v1 == 3);
  BOOST_TEST(r.signed_count == 1);
  // Passing a signed entry off as an old one (version 1, hash redone, signature dropped) is
  // named: old entries only come first.
  AuditEntry down = next;
  down.seq = 5;
  down.prev_hash = next.hash;
  down.version = 1;
  down.hash = ExpectedHash(down);
  EditDatabase(dir.path(),
               "INSERT INTO entries(seq, at, staff_fingerprint, os_user, action, document, "
               "detail, prev_hash, hash, version) SELECT 5, at, staff_fingerprint, os_user, "
               "action, document, detail, '" +
                   down.prev_hash + "', '" + down.hash +
                   "', 1 FROM entries WHERE seq = 4; UPDATE head SET seq = 5, hash = '" +
                   down.hash + "'");
  testing::Spit(dir.path() / "audit.head", "5 " + down.hash + "\n");
  BOOST_REQUIRE(log->Verify(&r).ok());
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.reason == "entry 5 predates signing but follows signed entries");
}

}  // namespace
}  // namespace portal
