#define BOOST_TEST_MODULE queue_store_test
#include "mailbox/common/queue_store.h"

#include <boost/test/unit_test.hpp>
#include <cstdio>

#include "core/sqlite_db.h"
#include "tests/test_util.h"

namespace portal {
namespace {

using Outcome = QueueStore::Outcome;

std::string NewReceipt() {
  static int n = 0;
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032x", ++n);
  return buf;
}

Submission Message(const std::string& key, const std::string& nonce, int64_t at = 100) {
  Submission s;
  s.receipt = NewReceipt();
  s.kind = ItemKind::kMessage;
  s.owner = "0123456789abcdef0123456789abcdef";
  s.provider = "conncare";
  s.idempotency_key = key;
  s.request_hash = "hash-of-the-same-request";
  s.nonce = nonce;
  s.received_at = at;
  s.document = std::string("\x85\x01\x0c\x03\0binary\0ciphertext", 22);
  return s;
}

BOOST_AUTO_TEST_CASE(a_retry_returns_the_same_receipt_and_adds_nothing) {
  testing::TempDir dir;
  std::unique_ptr<QueueStore> q;
  BOOST_REQUIRE(QueueStore::Open(QueueStore::PathIn(dir.path()), &q).ok());
  std::string first, again;
  Outcome o;
  BOOST_REQUIRE(q->Submit(Message("k1", "n1"), &first, &o).ok());
  BOOST_TEST((o == Outcome::kQueued));
  BOOST_TEST(first.size() == 32u);
  // The client retries (its connection dropped after the 202): same key, new nonce.
  BOOST_REQUIRE(q->Submit(Message("k1", "n2"), &again, &o).ok());
  BOOST_TEST((o == Outcome::kDuplicate));
  BOOST_TEST(again == first);
  std::vector<QueuedItem> items;
  BOOST_REQUIRE(q->List(std::nullopt, &items).ok());
  BOOST_REQUIRE_EQUAL(items.size(), 1u);
  BOOST_TEST(items[0].receipt == first);
  BOOST_TEST(ToString(items[0].kind) == "message");
  BOOST_TEST(ToString(items[0].state) == "received");
  BOOST_TEST(items[0].provider == "conncare");
  BOOST_TEST(items[0].bytes == 22);  // Binary bytes kept whole (embedded NULs).
}

BOOST_AUTO_TEST_CASE(a_key_reused_for_another_request_is_refused_and_adds_nothing) {
  testing::TempDir dir;
  std::unique_ptr<QueueStore> q;
  BOOST_REQUIRE(QueueStore::Open(dir.path() / "mailbox.sqlite", &q).ok());
  std::string r;
  Outcome o;
  BOOST_REQUIRE(q->Submit(Message("k1", "n1"), &r, &o).ok());
  Submission other = Message("k1", "n2");
  other.request_hash = "hash-of-another-request";
  BOOST_REQUIRE(q->Submit(other, &r, &o).ok());
  BOOST_TEST((o == Outcome::kKeyReused));
  BOOST_TEST(r.empty());
  std::vector<QueuedItem> items;
  BOOST_REQUIRE(q->List(std::nullopt, &items).ok());
  BOOST_TEST(items.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_replayed_nonce_is_refused_and_adds_nothing) {
  testing::TempDir dir;
  std::unique_ptr<QueueStore> q;
  BOOST_REQUIRE(QueueStore::Open(QueueStore::PathIn(dir.path()), &q).ok());
  std::string r;
  Outcome o;
  BOOST_REQUIRE(q->Submit(Message("k1", "n1"), &r, &o).ok());
  BOOST_REQUIRE(q->Submit(Message("k2", "n1"), &r, &o).ok());
  BOOST_TEST((o == Outcome::kReplayedNonce));
  BOOST_TEST(r.empty());
  // Another patient may use the same nonce and key: they are per owner.
  Submission other = Message("k1", "n1");
  other.owner = "fedcba9876543210fedcba9876543210";
  BOOST_REQUIRE(q->Submit(other, &r, &o).ok());
  BOOST_TEST((o == Outcome::kQueued));
  std::vector<QueuedItem> items;
  BOOST_REQUIRE(q->List(ItemState::kReceived, &items).ok());
  BOOST_TEST(items.size() == 2u);
  BOOST_REQUIRE(q->List(ItemState::kCompleted, &items).ok());
  BOOST_TEST(items.empty());
}

BOOST_AUTO_TEST_CASE(receipts_are_visible_to_their_owner_only_and_survive_reopening) {
  testing::TempDir dir;
  std::string receipt;
  {
    std::unique_ptr<QueueStore> q;
    BOOST_REQUIRE(QueueStore::Open(QueueStore::PathIn(dir.path()), &q).ok());
    Outcome o;
    BOOST_REQUIRE(q->Submit(Message("k1", "n1"), &receipt, &o).ok());
  }
  std::unique_ptr<QueueStore> q;
  BOOST_REQUIRE(QueueStore::Open(QueueStore::PathIn(dir.path()), &q).ok());
  ItemState state = ItemState::kCompleted;
  bool found = false;
  BOOST_REQUIRE(q->StateOf(receipt, Message("", "").owner, &state, &found).ok());
  BOOST_TEST(found);
  BOOST_TEST(ToString(state) == "received");
  BOOST_REQUIRE(q->StateOf(receipt, "fedcba9876543210fedcba9876543210", &state, &found).ok());
  BOOST_TEST(!found);
  BOOST_REQUIRE(q->StateOf("nope", Message("", "").owner, &state, &found).ok());
  BOOST_TEST(!found);
}

BOOST_AUTO_TEST_CASE(a_status_query_nonce_is_used_once_per_owner) {
  testing::TempDir dir;
  std::unique_ptr<QueueStore> q;
  BOOST_REQUIRE(QueueStore::Open(dir.path() / "mailbox.sqlite", &q).ok());
  bool fresh = false;
  BOOST_REQUIRE(q->UseNonce("owner-a", "nonce-0123456789ab", 100, &fresh).ok());
  BOOST_TEST(fresh);
  BOOST_REQUIRE(q->UseNonce("owner-a", "nonce-0123456789ab", 101, &fresh).ok());
  BOOST_TEST(!fresh);
  BOOST_REQUIRE(q->UseNonce("owner-b", "nonce-0123456789ab", 101, &fresh).ok());
  BOOST_TEST(fresh);
  // A submission's nonce counts too: a status query cannot reuse it.
  std::string r;
  Outcome o;
  Submission s = Message("k9", "shared-nonce-000001");
  BOOST_REQUIRE(q->Submit(s, &r, &o).ok());
  BOOST_REQUIRE(q->UseNonce(s.owner, "shared-nonce-000001", 102, &fresh).ok());
  BOOST_TEST(!fresh);
}

BOOST_AUTO_TEST_CASE(pruning_forgets_only_old_nonces) {
  testing::TempDir dir;
  std::unique_ptr<QueueStore> q;
  BOOST_REQUIRE(QueueStore::Open(dir.path() / "mailbox.sqlite", &q).ok());
  bool fresh = false;
  BOOST_REQUIRE(q->UseNonce("o", "old-nonce-00000001", 100, &fresh).ok());
  BOOST_REQUIRE(q->UseNonce("o", "new-nonce-00000001", 900, &fresh).ok());
  BOOST_REQUIRE(q->PruneNonces(500).ok());
  BOOST_REQUIRE(q->UseNonce("o", "old-nonce-00000001", 1000, &fresh).ok());
  BOOST_TEST(fresh);
  BOOST_REQUIRE(q->UseNonce("o", "new-nonce-00000001", 1000, &fresh).ok());
  BOOST_TEST(!fresh);
}

BOOST_AUTO_TEST_CASE(a_receipt_id_must_be_32_hex_digits) {
  testing::TempDir dir;
  std::unique_ptr<QueueStore> q;
  BOOST_REQUIRE(QueueStore::Open(dir.path() / "mailbox.sqlite", &q).ok());
  Submission s = Message("k1", "n1");
  s.receipt = "short";
  std::string r;
  Outcome o;
  BOOST_TEST(!q->Submit(s, &r, &o).ok());
}

// A key's fingerprint, as the daemon records the sender (40 upper-case hex).
const std::string kPatientKey(40, 'A');
const std::string kProxyKey(40, 'B');

std::vector<std::string> Receipts(const std::vector<SentItem>& items) {
  std::vector<std::string> out;
  for (const SentItem& i : items) out.push_back(i.receipt);
  return out;
}

BOOST_AUTO_TEST_CASE(each_key_lists_only_what_it_sent_for_the_owner_newest_first) {
  testing::TempDir dir;
  std::unique_ptr<QueueStore> q;
  BOOST_REQUIRE(QueueStore::Open(QueueStore::PathIn(dir.path()), &q).ok());
  const auto submit = [&](const std::string& key, int64_t at, const std::string& sender,
                          ItemKind kind = ItemKind::kMessage, const std::string& owner = "") {
    Submission s = Message(key, "nonce-" + key, at);
    s.kind = kind;
    s.sender = sender;
    if (!owner.empty()) s.owner = owner;
    std::string r;
    Outcome o;
    BOOST_REQUIRE(q->Submit(s, &r, &o).ok());
    BOOST_REQUIRE((o == Outcome::kQueued));
    return r;
  };
  const std::string first = submit("k1", 100, kPatientKey);
  const std::string by_proxy = submit("k2", 150, kProxyKey);
  const std::string change = submit("k3", 200, kPatientKey, ItemKind::kProfileChange);
  submit("k4", 300, kPatientKey, ItemKind::kMessage, "fedcba9876543210fedcba9876543210");
  // Two in one second: the one queued later is the newer.
  const std::string same_a = submit("k5", 400, kPatientKey);
  const std::string same_b = submit("k6", 400, kPatientKey);
  const std::string owner = Message("", "").owner;

  std::vector<SentItem> items;
  BOOST_REQUIRE(q->SentBy(owner, kPatientKey, true, 50, &items).ok());
  BOOST_TEST(Receipts(items) == (std::vector<std::string>{same_b, same_a, change, first}),
             boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(items.size(), 4u);
  BOOST_TEST(ToString(items[2].kind) == "profile-change");
  BOOST_TEST(ToString(items[2].state) == "received");
  BOOST_TEST(items[2].received_at == 200);
  BOOST_TEST(ToString(items[3].kind) == "message");
  BOOST_REQUIRE(q->SentBy(owner, kProxyKey, false, 50, &items).ok());
  BOOST_TEST(Receipts(items) == (std::vector<std::string>{by_proxy}),
             boost::test_tools::per_element());
  // At most `limit`, the newest.
  BOOST_REQUIRE(q->SentBy(owner, kPatientKey, true, 2, &items).ok());
  BOOST_TEST(Receipts(items) == (std::vector<std::string>{same_b, same_a}),
             boost::test_tools::per_element());
  // A key that sent nothing for this owner.
  BOOST_REQUIRE(q->SentBy(owner, std::string(40, 'C'), true, 50, &items).ok());
  BOOST_TEST(items.empty());
}

BOOST_AUTO_TEST_CASE(a_version_2_queue_gains_the_sender_and_its_old_rows_are_unattributed) {
  testing::TempDir dir;
  const std::string old_receipt(32, '1');
  const std::string owner = Message("", "").owner;
  {
    // The queue as version 2 left it (written out, not made by the code under test).
    std::unique_ptr<SqliteDb> db;
    BOOST_REQUIRE(SqliteDb::Open(dir.path() / "mailbox.sqlite", SqliteDb::Journal::kWal, &db).ok());
    BOOST_REQUIRE(db->Exec(R"sql(
CREATE TABLE documents(receipt TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL,
  owner TEXT NOT NULL, provider TEXT NOT NULL, received_at INTEGER NOT NULL,
  document BLOB NOT NULL, claimed_by TEXT NOT NULL DEFAULT '',
  claimed_user TEXT NOT NULL DEFAULT '', lease_until INTEGER NOT NULL DEFAULT 0,
  accepted_fields TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '',
  decided_at INTEGER NOT NULL DEFAULT 0, completed_at INTEGER NOT NULL DEFAULT 0);
INSERT INTO documents(receipt, kind, state, owner, provider, received_at, document)
  VALUES('11111111111111111111111111111111', 'profile-change', 'accepted',
         '0123456789abcdef0123456789abcdef', '', 1000, 'sealed-old');
PRAGMA user_version = 2;)sql")
                      .ok());
  }
  std::unique_ptr<QueueStore> q;
  BOOST_REQUIRE(QueueStore::Open(dir.path() / "mailbox.sqlite", &q).ok());
  Submission s = Message("k1", "n1", 2000);
  s.sender = kProxyKey;
  std::string fresh;
  Outcome o;
  BOOST_REQUIRE(q->Submit(s, &fresh, &o).ok());
  std::vector<SentItem> items;
  // The old row is nobody's key's: listed only where unattributed rows are asked for.
  BOOST_REQUIRE(q->SentBy(owner, kPatientKey, true, 50, &items).ok());
  BOOST_TEST(Receipts(items) == (std::vector<std::string>{old_receipt}),
             boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(items.size(), 1u);
  BOOST_TEST(ToString(items[0].state) == "accepted");
  BOOST_REQUIRE(q->SentBy(owner, kProxyKey, false, 50, &items).ok());
  BOOST_TEST(Receipts(items) == (std::vector<std::string>{fresh}),
             boost::test_tools::per_element());
  // Opened again: already version 3, nothing is migrated twice.
  q.reset();
  BOOST_REQUIRE(QueueStore::Open(dir.path() / "mailbox.sqlite", &q).ok());
  std::unique_ptr<SqliteDb> db;
  BOOST_REQUIRE(SqliteDb::Open(dir.path() / "mailbox.sqlite", SqliteDb::Journal::kWal, &db).ok());
  int64_t version = 0;
  BOOST_REQUIRE(db->UserVersion(&version).ok());
  BOOST_TEST(version == 3);
}

}  // namespace
}  // namespace portal
