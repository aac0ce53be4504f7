#define BOOST_TEST_MODULE queue_claims_test
// The staff's side of the queue: claims with leases, decisions, completion, retention.
#include "mailbox/common/queue_claims.h"

#include <boost/test/unit_test.hpp>

#include "core/sqlite_db.h"
#include "tests/test_util.h"

namespace portal {
namespace {

using Claim = QueueClaims::Claim;
const std::string kAnn(40, 'A');  // Staff keys.
const std::string kBen(40, 'B');
const std::string kR1(32, '1');  // Receipts.
const std::string kR2(32, '2');

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<QueueStore> store;
  std::unique_ptr<QueueClaims> q;
  Fixture() {
    BOOST_REQUIRE(QueueStore::Open(dir.path() / "mailbox.sqlite", &store).ok());
    q = std::make_unique<QueueClaims>(store.get());
    Add(kR1, "profile-change", "nonce-1");
    Add(kR2, "message", "nonce-2");
  }
  void Add(const std::string& receipt, const std::string& kind, const std::string& nonce) {
    Submission s;
    s.receipt = receipt;
    BOOST_REQUIRE(ParseItemKind(kind, &s.kind));
    s.owner = std::string(32, 'f');
    s.provider = kind == "message" ? "conncare" : "";
    s.idempotency_key = nonce;
    s.request_hash = nonce;
    s.nonce = nonce;
    s.received_at = 1000;
    s.document = "sealed-" + receipt;
    std::string r;
    QueueStore::Outcome o;
    BOOST_REQUIRE(store->Submit(s, &r, &o).ok());
  }
  QueuedItem Item(const std::string& receipt) {
    QueuedItem i;
    std::string doc;
    bool found = false;
    BOOST_REQUIRE(q->Get(receipt, &i, &doc, &found).ok());
    BOOST_REQUIRE(found);
    BOOST_TEST(doc == "sealed-" + receipt);
    return i;
  }
  Claim TakeClaim(const std::string& who, int64_t now, QueuedItem* item = nullptr) {
    QueuedItem scratch;
    Claim c;
    BOOST_REQUIRE(
        q->TakeClaim(kR1, who, who == kAnn ? "ann" : "ben", now, 600, &c, item ? item : &scratch)
            .ok());
    return c;
  }
};

BOOST_FIXTURE_TEST_CASE(a_claim_keeps_others_out_until_its_lease_ends, Fixture) {
  BOOST_TEST((TakeClaim(kAnn, 2000) == Claim::kClaimed));
  QueuedItem held;
  BOOST_TEST((TakeClaim(kBen, 2599, &held) == Claim::kHeldByOther));
  BOOST_TEST(held.claimed_user == "ann");
  BOOST_TEST(held.lease_until == 2600);
  // Ann renews; Ben still waits. After the lease, Ben may take it.
  BOOST_TEST((TakeClaim(kAnn, 2500) == Claim::kClaimed));
  BOOST_TEST((TakeClaim(kBen, 3099) == Claim::kHeldByOther));
  BOOST_TEST((TakeClaim(kBen, 3100) == Claim::kClaimed));
  BOOST_TEST(Item(kR1).claimed_by == kBen);
  QueuedItem i;
  Claim c;
  BOOST_REQUIRE(q->TakeClaim(std::string(32, '9'), kAnn, "ann", 0, 600, &c, &i).ok());
  BOOST_TEST((c == Claim::kNotFound));
}

BOOST_FIXTURE_TEST_CASE(only_the_claimant_releases_or_decides, Fixture) {
  BOOST_TEST(!q->Decide(kR1, kAnn, 2000, ItemState::kAccepted, "email", "").ok());  // Not claimed.
  BOOST_REQUIRE((TakeClaim(kAnn, 2000) == Claim::kClaimed));
  BOOST_TEST(!q->ReleaseClaim(kR1, kBen, 2001).ok());
  BOOST_TEST(!q->Decide(kR1, kBen, 2001, ItemState::kAccepted, "email", "").ok());
  BOOST_TEST(!q->Decide(kR1, kAnn, 2601, ItemState::kAccepted, "email", "").ok());  // Lease over.
  BOOST_REQUIRE((TakeClaim(kAnn, 2700) == Claim::kClaimed));
  BOOST_TEST(!q->Decide(kR1, kAnn, 2701, ItemState::kCompleted, "", "").ok());
  BOOST_REQUIRE(q->Decide(kR1, kAnn, 2701, ItemState::kAccepted, "email,address", "").ok());
  const QueuedItem i = Item(kR1);
  BOOST_TEST(ToString(i.state) == "accepted");
  BOOST_TEST(i.accepted_fields == "email,address");
  BOOST_TEST(i.decided_at == 2701);
  // Decided once only.
  BOOST_TEST(!q->Decide(kR1, kAnn, 2702, ItemState::kRejected, "", "duplicate").ok());
  BOOST_REQUIRE(q->ReleaseClaim(kR1, kAnn, 2703).ok());
  BOOST_TEST(Item(kR1).claimed_by.empty());
}

BOOST_FIXTURE_TEST_CASE(completion_closes_the_item_and_purging_removes_it_whole, Fixture) {
  BOOST_TEST(!q->Complete(kR1, 2000).ok());  // Undecided profile change.
  BOOST_REQUIRE((TakeClaim(kAnn, 2000) == Claim::kClaimed));
  BOOST_REQUIRE(q->Decide(kR1, kAnn, 2001, ItemState::kRejected, "", "unverifiable").ok());
  BOOST_REQUIRE(q->Complete(kR1, 2002).ok());
  BOOST_REQUIRE(q->Complete(kR2, 5000).ok());  // A message, read by its provider.
  QueuedItem i = Item(kR1);
  BOOST_TEST(ToString(i.state) == "completed");
  BOOST_TEST(i.reason == "unverifiable");
  BOOST_TEST(i.claimed_by.empty());
  QueuedItem scratch;
  Claim c;
  BOOST_REQUIRE(q->TakeClaim(kR1, kBen, "ben", 2003, 600, &c, &scratch).ok());
  BOOST_TEST((c == Claim::kClosed));

  std::vector<std::string> purged;
  BOOST_REQUIRE(q->PurgeCompleted(2002, &purged).ok());
  BOOST_TEST(purged.empty());
  BOOST_REQUIRE(q->PurgeCompleted(3000, &purged).ok());
  BOOST_TEST(purged == std::vector<std::string>{kR1});
  bool found = true;
  BOOST_REQUIRE(q->Get(kR1, &i, nullptr, &found).ok());
  BOOST_TEST(!found);
  BOOST_REQUIRE(q->Get(kR2, &i, nullptr, &found).ok());
  BOOST_TEST(found);
  // Gone from the file's bytes too (secure_delete, vacuum, WAL truncated).
  q.reset();
  store.reset();
  for (const char* file : {"mailbox.sqlite", "mailbox.sqlite-wal"}) {
    const auto path = dir.path() / file;
    if (!std::filesystem::exists(path)) continue;
    BOOST_TEST(testing::Slurp(path).find("sealed-" + kR1) == std::string::npos, file);
  }
  // Its idempotency row went too: the same key may be used again by the patient.
  BOOST_REQUIRE(QueueStore::Open(dir.path() / "mailbox.sqlite", &store).ok());
  q = std::make_unique<QueueClaims>(store.get());
  Add(std::string(32, '3'), "profile-change", "nonce-1b");
}

BOOST_AUTO_TEST_CASE(a_version_1_queue_is_upgraded_in_place) {
  testing::TempDir dir;
  {
    std::unique_ptr<SqliteDb> db;
    BOOST_REQUIRE(SqliteDb::Open(dir.path() / "mailbox.sqlite", SqliteDb::Journal::kWal, &db).ok());
    BOOST_REQUIRE(db->Exec(R"sql(
CREATE TABLE documents(receipt TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL,
  owner TEXT NOT NULL, provider TEXT NOT NULL, received_at INTEGER NOT NULL,
  document BLOB NOT NULL);
INSERT INTO documents VALUES('11111111111111111111111111111111', 'message', 'received',
  'ffffffffffffffffffffffffffffffff', 'conncare', 1000, 'sealed-old');
PRAGMA user_version = 1;)sql")
                      .ok());
  }
  std::unique_ptr<QueueStore> q;
  BOOST_REQUIRE(QueueStore::Open(dir.path() / "mailbox.sqlite", &q).ok());
  QueuedItem i;
  bool found = false;
  BOOST_REQUIRE(QueueClaims(q.get()).Get(kR1, &i, nullptr, &found).ok());
  BOOST_TEST(found);
  BOOST_TEST(i.claimed_by.empty());
  BOOST_TEST(ToString(i.state) == "received");
}

}  // namespace
}  // namespace portal
