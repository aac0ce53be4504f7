// portal-staff claim | release: a lease on an item, so two staff members never work it at once.
#include <memory>

#include "core/command_output.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace {

Status ClaimRefused(QueueClaims::Claim outcome, const std::string& receipt,
                    const QueuedItem& item) {
  switch (outcome) {
    case QueueClaims::Claim::kNotFound:
      return Status::InvalidInput("no item " + receipt + " in the queue");
    case QueueClaims::Claim::kClosed:
      return Status::InvalidInput("the item is completed; there is nothing left to do");
    case QueueClaims::Claim::kHeldByOther:
      return Status::InvalidInput("claimed by " + item.claimed_user + " until " +
                                  When(item.lease_until) + "; try again after that");
    case QueueClaims::Claim::kClaimed:
      break;
  }
  return Status::Ok();
}

Status RunClaim(const std::string& config_path, const WorkOptions& o, const Clock& clock) {
  Work w;
  PORTAL_RETURN_IF_ERROR(CheckReceipt(o.receipt));
  PORTAL_RETURN_IF_ERROR(OpenWork(config_path, o, true, clock, &w));
  QueueClaims::Claim outcome;
  QueuedItem item;
  PORTAL_RETURN_IF_ERROR(w.claims->TakeClaim(o.receipt, w.who.fingerprint, w.who.user, clock.Now(),
                                             w.s.config.staff.lease_minutes * 60, &outcome, &item));
  PORTAL_RETURN_IF_ERROR(ClaimRefused(outcome, o.receipt, item));
  PORTAL_RETURN_IF_ERROR(Audit(&w, "claim", o.receipt));
  PrintResult(o.json,
              {{"receipt", o.receipt},
               {"claimed_by", w.who.fingerprint},
               {"user", w.who.user},
               {"lease_until", When(item.lease_until)}},
              "claimed " + o.receipt + " until " + When(item.lease_until));
  return Status::Ok();
}

Status RunRelease(const std::string& config_path, const WorkOptions& o, const Clock& clock) {
  Work w;
  PORTAL_RETURN_IF_ERROR(CheckReceipt(o.receipt));
  PORTAL_RETURN_IF_ERROR(OpenWork(config_path, o, true, clock, &w));
  PORTAL_RETURN_IF_ERROR(w.claims->ReleaseClaim(o.receipt, w.who.fingerprint, clock.Now()));
  PORTAL_RETURN_IF_ERROR(Audit(&w, "release", o.receipt));
  PrintResult(o.json, {{"receipt", o.receipt}, {"released", true}}, "released " + o.receipt);
  return Status::Ok();
}

}  // namespace

void RegisterClaimCommands(CommandTable* table, const Clock& clock) {
  auto claim = std::make_shared<WorkOptions>();
  AddWorkOptions(
      table,
      table->Add(nullptr, "claim", "Take an item for a while (others wait)",
                 [table, claim, &clock] { return RunClaim(table->config_path(), *claim, clock); }),
      true, claim.get());
  auto release = std::make_shared<WorkOptions>();
  AddWorkOptions(table,
                 table->Add(nullptr, "release", "Give your claim on an item up",
                            [table, release, &clock] {
                              return RunRelease(table->config_path(), *release, clock);
                            }),
                 true, release.get());
}

}  // namespace portal
