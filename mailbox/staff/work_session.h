#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/command_table.h"
#include "core/status.h"
#include "mailbox/common/fhir_document_reader.h"
#include "mailbox/common/notifier.h"
#include "mailbox/common/queue_claims.h"
#include "mailbox/common/queue_store.h"
#include "mailbox/staff/audit_log.h"
#include "mailbox/staff/staff_identity.h"
#include "mailbox/staff/staff_session.h"

namespace portal {

// What every command working the queue takes (claim, release, show, accept, reject, inbox,
// reply, audit, purge, notify): whose key, and how to print.
struct WorkOptions {
  std::string receipt;     // The item's receipt id.
  std::string gnupg_home;  // The staff member's GnuPG home ("" = $GNUPGHOME or ~/.gnupg).
  std::string as;          // Which pinned staff key, when the home holds several.
  bool json = false;
};

// Adds --gnupg-home, --as, --json and, with `receipt`, the required receipt positional to `cmd`;
// `o` must outlive it.
void AddWorkOptions(CommandTable* table, CLI::App* cmd, bool receipt, WorkOptions* o);

// Everything a work command needs: the session, the queue, the audit trail, who is working and
// the clock they work by.
struct Work {
  Session s;
  std::unique_ptr<QueueStore> queue;
  std::unique_ptr<QueueClaims> claims;  // The staff's side of `queue`.
  std::unique_ptr<AuditLog> audit;
  StaffIdentity who;
  const Clock* clock = nullptr;
};

// The audit trail of `s`, with its anchor attached when [staff] audit_anchor is set (refused
// inside paths.state_dir).
Status OpenAuditTrail(const Session& s, std::unique_ptr<AuditLog>* out);

// Opens the session, the queue and the audit trail (OpenAuditTrail); with `need_identity`,
// finds the staff member's key in their GnuPG home and proves it (FindStaffIdentity). `clock`
// must outlive *w.
Status OpenWork(const std::string& config_path, const WorkOptions& o, bool need_identity,
                const Clock& clock, Work* w);

// Appends an audit entry, at the clock's time, under the identity working: signed with the
// proven staff key (whose public key the trail keeps from its first entry), or unsigned when no
// key is working (purge).
Status Audit(Work* w, const std::string& action, const std::string& receipt,
             const std::string& detail = "");

// Usage unless `receipt` is 32 lower-case hex digits.
Status CheckReceipt(const std::string& receipt);

// The item and its document: decrypted with the staff member's key, the service signature
// checked (OpenSealedDocument), read as the item's kind (ReadDocument).
Status LoadItem(Work* w, const std::string& receipt, QueuedItem* item, ParsedDocument* doc);

// InvalidInput unless the item is a profile change: only those are accepted or rejected
// (messages go to their provider's inbox).
Status RequireProfileChange(const QueuedItem& item);

struct PatientSignature {
  bool good = false;
  std::string fingerprint;
};

// Re-checks the patient's own signature inside the document against the keys pinned now (not
// good when nobody is enrolled under the document's MRN any more).
Status CheckPatientSignature(Work* w, const ParsedDocument& doc, PatientSignature* out);

// The record store's Patient resource the document names (Task.for); "" when there is none or
// the store cannot be read (the comparison then says the record is unavailable).
std::string RecordedPatient(const Work& w, const ParsedDocument& doc);

// Queues the patient's plain notice when they gave an address and mail is configured. Best
// effort: a notice that cannot be queued never fails the work done.
void QueueNotice(Work* w, const ParsedDocument& doc, Notice kind);

// A FHIR instant; "-" for 0.
std::string When(int64_t t);

}  // namespace portal
