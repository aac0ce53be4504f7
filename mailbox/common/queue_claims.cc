// QueueStore, the staff's side: claims with leases, decisions, completion, retention.
#include "mailbox/common/queue_store.h"

namespace portal {

QueuedItem ReadQueuedItem(const SqliteStatement& q) {
  QueuedItem i;
  i.receipt = q.Text(0);
  // The table's CHECKs admit only these words.
  (void)ParseItemKind(q.Text(1), &i.kind);
  (void)ParseItemState(q.Text(2), &i.state);
  i.provider = q.Text(3);
  i.received_at = q.Int(4);
  i.bytes = q.Int(5);
  i.owner = q.Text(6);
  i.claimed_by = q.Text(7);
  i.claimed_user = q.Text(8);
  i.lease_until = q.Int(9);
  i.accepted_fields = q.Text(10);
  i.reason = q.Text(11);
  i.decided_at = q.Int(12);
  i.completed_at = q.Int(13);
  return i;
}

Status QueueStore::Get(const std::string& receipt, QueuedItem* item, std::string* document,
                       bool* found) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "SELECT " QUEUED_ITEM_COLUMNS ", document FROM documents WHERE receipt = ?1", &q));
  q->Bind(1, receipt);
  PORTAL_RETURN_IF_ERROR(q->Step(found));
  if (!*found) return Status::Ok();
  *item = ReadQueuedItem(*q);
  if (document != nullptr) *document = q->Text(14);
  return Status::Ok();
}

Status QueueStore::TakeClaim(const std::string& receipt, const std::string& fingerprint,
                             const std::string& user, int64_t now, int64_t lease_seconds,
                             Claim* outcome, QueuedItem* item) {
  SqliteTransaction txn(db_.get());
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  bool found = false;
  PORTAL_RETURN_IF_ERROR(Get(receipt, item, nullptr, &found));
  if (!found) {
    *outcome = Claim::kNotFound;
    return Status::Ok();
  }
  if (item->state == ItemState::kCompleted) {
    *outcome = Claim::kClosed;
    return Status::Ok();
  }
  if (!item->claimed_by.empty() && item->claimed_by != fingerprint && item->lease_until > now) {
    *outcome = Claim::kHeldByOther;
    return Status::Ok();
  }
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("UPDATE documents SET claimed_by = ?2, claimed_user = ?3, lease_until = ?4 "
                   "WHERE receipt = ?1",
                   &q));
  q->Bind(1, receipt).Bind(2, fingerprint).Bind(3, user).Bind(4, now + lease_seconds);
  PORTAL_RETURN_IF_ERROR(q->Run());
  PORTAL_RETURN_IF_ERROR(txn.Commit());
  item->claimed_by = fingerprint;
  item->claimed_user = user;
  item->lease_until = now + lease_seconds;
  *outcome = Claim::kClaimed;
  return Status::Ok();
}

Status QueueStore::ReleaseClaim(const std::string& receipt, const std::string& fingerprint,
                                int64_t now) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db_->Prepare("UPDATE documents SET claimed_by = '', claimed_user = '', lease_until = 0 "
                   "WHERE receipt = ?1 AND claimed_by = ?2 AND lease_until > ?3",
                   &q));
  q->Bind(1, receipt).Bind(2, fingerprint).Bind(3, now);
  PORTAL_RETURN_IF_ERROR(q->Run());
  if (db_->Changes() == 0) return Status::InvalidInput("you do not hold a claim on this item");
  return Status::Ok();
}

Status QueueStore::Decide(const std::string& receipt, const std::string& fingerprint, int64_t now,
                          ItemState decision, const std::string& accepted_fields,
                          const std::string& reason) {
  if (decision != ItemState::kAccepted && decision != ItemState::kRejected) {
    return Status::InvalidInput("a decision is accepted or rejected");
  }
  SqliteTransaction txn(db_.get());
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  QueuedItem item;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(Get(receipt, &item, nullptr, &found));
  if (!found) return Status::InvalidInput("no such item in the queue");
  if (item.state != ItemState::kReceived) {
    return Status::InvalidInput("the item is " + std::string(ToString(item.state)) +
                                ", not waiting for a decision");
  }
  if (item.claimed_by != fingerprint || item.lease_until <= now) {
    return Status::InvalidInput("claim the item first (portal-staff claim); claims expire");
  }
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "UPDATE documents SET state = ?2, accepted_fields = ?3, reason = ?4, decided_at = ?5 "
      "WHERE receipt = ?1",
      &q));
  q->Bind(1, receipt)
      .Bind(2, ToString(decision))
      .Bind(3, accepted_fields)
      .Bind(4, reason)
      .Bind(5, now);
  PORTAL_RETURN_IF_ERROR(q->Run());
  return txn.Commit();
}

Status QueueStore::Complete(const std::string& receipt, int64_t now) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db_->Prepare(
      "UPDATE documents SET state = 'completed', completed_at = ?2, claimed_by = '', "
      "claimed_user = '', lease_until = 0 WHERE receipt = ?1 AND (state IN ('accepted', "
      "'rejected') OR (state = 'received' AND kind = 'message'))",
      &q));
  q->Bind(1, receipt).Bind(2, now);
  PORTAL_RETURN_IF_ERROR(q->Run());
  if (db_->Changes() == 0) return Status::InvalidInput("the item cannot be completed now");
  return Status::Ok();
}

Status QueueStore::PurgeCompleted(int64_t before, std::vector<std::string>* receipts) {
  receipts->clear();
  {
    SqliteTransaction txn(db_.get());
    PORTAL_RETURN_IF_ERROR(txn.Begin());
    std::unique_ptr<SqliteStatement> q;
    PORTAL_RETURN_IF_ERROR(db_->Prepare(
        "SELECT receipt FROM documents WHERE state = 'completed' AND completed_at < ?1 "
        "ORDER BY completed_at, receipt",
        &q));
    q->Bind(1, before);
    for (bool row = false;;) {
      PORTAL_RETURN_IF_ERROR(q->Step(&row));
      if (!row) break;
      receipts->push_back(q->Text(0));
    }
    for (const auto& r : *receipts) {
      for (const char* sql : {"DELETE FROM idempotency WHERE receipt = ?1",
                              "DELETE FROM documents WHERE receipt = ?1"}) {
        PORTAL_RETURN_IF_ERROR(db_->Prepare(sql, &q));
        q->Bind(1, r);
        PORTAL_RETURN_IF_ERROR(q->Run());
      }
    }
    PORTAL_RETURN_IF_ERROR(txn.Commit());
  }
  if (receipts->empty()) return Status::Ok();
  // The ciphertext leaves the file too, not only the index: rewrite it, then the WAL.
  PORTAL_RETURN_IF_ERROR(db_->Exec("VACUUM"));
  return db_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace portal
