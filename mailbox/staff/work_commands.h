#pragma once

#include <string>

#include "core/status.h"

namespace portal {

// What records staff type to work the mailbox queue (portal-staff claim / release / show /
// accept / reject / inbox / reply / audit / purge / notify).
struct WorkOptions {
  std::string config_path;
  std::string receipt;
  std::string gnupg_home;  // The staff member's GnuPG home ("" = $GNUPGHOME or ~/.gnupg).
  std::string as;          // Which pinned staff key, when the home holds several.
  std::string fields;      // accept: comma-separated profile field ids ("" = all proposed).
  std::string reason;      // reject: a reason code.
  std::string provider;    // inbox: a provider id of the config.
  std::string reply_file;  // reply: the reply's text (UTF-8).
  bool json = false;
};

// The reason codes a rejection may carry (no free text: it could hold PHI in the clear).
const char* const* RejectionReasons();

Status RunClaimCommand(const WorkOptions& o);
Status RunReleaseCommand(const WorkOptions& o);
// Verifies both signatures, decrypts with the staff member's key, prints the request (a
// profile change field by field beside the record's values). Audited as a view.
Status RunShowCommand(const WorkOptions& o);
// A profile change: accepts the listed fields (the rest rejected), exports the Task and the
// accepted Patient elements as FHIR NDJSON, completes the item, queues the patient's notice.
Status RunAcceptCommand(const WorkOptions& o);
// Rejects a profile change whole, with a reason code; completes it, queues the notice.
Status RunRejectCommand(const WorkOptions& o);
// Lists a provider's unread messages; with a receipt, shows that message and marks it read
// (completed).
Status RunInboxCommand(const WorkOptions& o);
// Writes a reply to a patient's message: signed with the portal's key, encrypted to the
// patient's pinned keys, published beside their summary by the next nightly run.
Status RunReplyCommand(const WorkOptions& o);
Status RunAuditVerifyCommand(const WorkOptions& o);
Status RunAuditListCommand(const WorkOptions& o);
// Purges completed items older than staff.retention_days; each purge is audited.
Status RunPurgeCommand(const WorkOptions& o);
// Sends the notices that are due now (the daemon does this too, every minute).
Status RunNotifySendCommand(const WorkOptions& o);

}  // namespace portal
