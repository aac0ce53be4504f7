#define BOOST_TEST_MODULE queue_store_test
#include "mailbox/common/queue_store.h"

#include <boost/test/unit_test.hpp>
#include <cstdio>

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

}  // namespace
}  // namespace portal
