#include "mailbox/common/queue_claims.h"

namespace portal {

Status QueueClaims::Get(const std::string& receipt, QueuedItem* item, std::string* document,
                        bool* found) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db()->Prepare(
      "SELECT " QUEUED_ITEM_COLUMNS ", document FROM documents WHERE receipt = ?1", &q));
  q->Bind(1, receipt);
  PORTAL_RETURN_IF_ERROR(q->Step(found));
  if (!*found) return Status::Ok();
  *item = ReadQueuedItem(*q);
  if (document != nullptr) *document = q->Text(14);
  return Status::Ok();
}

Status QueueClaims::TakeClaim(const std::string& receipt, const std::string& fingerprint,
                              const std::string& user, int64_t now, int64_t lease_seconds,
                              Claim* outcome, QueuedItem* item) {
  SqliteTransaction txn(db());
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
      db()->Prepare("UPDATE documents SET claimed_by = ?2, claimed_user = ?3, lease_until = ?4 "
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

Status QueueClaims::ReleaseClaim(const std::string& receipt, const std::string& fingerprint,
                                 int64_t now) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(
      db()->Prepare("UPDATE documents SET claimed_by = '', claimed_user = '', lease_until = 0 "
                    "WHERE receipt = ?1 AND claimed_by = ?2 AND lease_until > ?3",
                    &q));
  q->Bind(1, receipt).Bind(2, fingerprint).Bind(3, now);
  PORTAL_RETURN_IF_ERROR(q->Run());
  if (db()->Changes() == 0) return Status::InvalidInput("you do not hold a claim on this item");
  return Status::Ok();
}

Status QueueClaims::Decide(const std::string& receipt, const std::string& fingerprint, int64_t now,
                           ItemState decision, const std::string& accepted_fields,
                           const std::string& reason) {
  if (decision != ItemState::kAccepted && decision != ItemState::kRejected) {
    return Status::InvalidInput("a decision is accepted or rejected");
  }
  SqliteTransaction txn(db());
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
  PORTAL_RETURN_IF_ERROR(db()->Prepare(
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

Status QueueClaims::Complete(const std::string& receipt, int64_t now) {
  std::unique_ptr<SqliteStatement> q;
  PORTAL_RETURN_IF_ERROR(db()->Prepare(
      "UPDATE documents SET state = ?3, completed_at = ?2, claimed_by = '', claimed_user = '', "
      "lease_until = 0 WHERE receipt = ?1 AND (state IN (?4, ?5) OR (state = ?6 AND kind = ?7))",
      &q));
  q->Bind(1, receipt)
      .Bind(2, now)
      .Bind(3, ToString(ItemState::kCompleted))
      .Bind(4, ToString(ItemState::kAccepted))
      .Bind(5, ToString(ItemState::kRejected))
      .Bind(6, ToString(ItemState::kReceived))
      .Bind(7, ToString(ItemKind::kMessage));
  PORTAL_RETURN_IF_ERROR(q->Run());
  if (db()->Changes() == 0) return Status::InvalidInput("the item cannot be completed now");
  return Status::Ok();
}

Status QueueClaims::PurgeCompleted(int64_t before, std::vector<std::string>* receipts) {
  receipts->clear();
  {
    SqliteTransaction txn(db());
    PORTAL_RETURN_IF_ERROR(txn.Begin());
    std::unique_ptr<SqliteStatement> q;
    PORTAL_RETURN_IF_ERROR(
        db()->Prepare("SELECT receipt FROM documents WHERE state = ?2 AND completed_at < ?1 "
                      "ORDER BY completed_at, receipt",
                      &q));
    q->Bind(1, before).Bind(2, ToString(ItemState::kCompleted));
    for (bool row = false;;) {
      PORTAL_RETURN_IF_ERROR(q->Step(&row));
      if (!row) break;
      receipts->push_back(q->Text(0));
    }
    for (const auto& r : *receipts) {
      for (const char* sql : {"DELETE FROM idempotency WHERE receipt = ?1",
                              "DELETE FROM documents WHERE receipt = ?1"}) {
        PORTAL_RETURN_IF_ERROR(db()->Prepare(sql, &q));
        q->Bind(1, r);
        PORTAL_RETURN_IF_ERROR(q->Run());
      }
    }
    PORTAL_RETURN_IF_ERROR(txn.Commit());
  }
  if (receipts->empty()) return Status::Ok();
  // The ciphertext leaves the file too, not only the index: rewrite it, then the WAL.
  PORTAL_RETURN_IF_ERROR(db()->Exec("VACUUM"));
  return db()->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace portal
