#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "core/status.h"
#include "mailbox/common/mail_outbox.h"

namespace portal {

// E-mail notices, queued in the outbox and sent later by DeliverDue, so an unreachable mail
// server delays a notice and never loses it or blocks the caller. No notice carries PHI.
// Without notifications.smtp_url nothing is queued or sent.

struct DeliveryReport {
  int sent = 0;
  int failed = 0;
  int64_t pending = 0;  // Unsent mail left in the outbox afterwards, due or not.
};

// Sends the outbox's mail due at `now` (at most 100), marking each sent, or failed with the
// configured backoff. Stops at the first failure and returns its error (the server URL and
// curl's message): the rest stay due for the next run.
// Each mail's Date header is `now`.
Status DeliverDue(const PortalConfig& config, MailOutbox* outbox, int64_t now,
                  DeliveryReport* report);
// The same, each mail dated by `mail_clock` when it is sent (the pump's wall clock).
Status DeliverDue(const PortalConfig& config, MailOutbox* outbox, int64_t now,
                  const Clock& mail_clock, DeliveryReport* report);

// Queues one digest per notifications.staff_digest_to address when `new_counts` (keyed
// "kind" or "kind: provider-id", e.g. "message: conncare" -> 3) holds something and no digest
// was queued in the last digest_interval_minutes; *queued says whether it did. The digest holds
// those counts and nothing else.
Status QueueStaffDigest(const PortalConfig& config, MailOutbox* outbox,
                        const std::map<std::string, int>& new_counts, int64_t now, bool* queued);

// When the last digest was queued; *found false before the first. IoError if the outbox holds
// something else than a number there.
Status LastDigestAt(MailOutbox* outbox, int64_t* at, bool* found);

enum class Notice {
  kProcessed,     // The patient's request was processed.
  kReplyWaiting,  // A reply to the patient's message waits in the portal.
};

// Queues a fixed notice to the bare address `to`: the hospital's name and the portal's URL only.
Status QueuePatientNotice(const PortalConfig& config, MailOutbox* outbox, const std::string& to,
                          Notice kind, int64_t now);

}  // namespace portal
