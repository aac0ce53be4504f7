#pragma once

#include <cstdint>
#include <string>

#include "mailbox/daemon/mailbox_context.h"

namespace portal {

// After Forgot Password: "The password of your <hospital> Patient Portal account was reset on
// <local date and time>. Not you? Call <help line>." to the address the recover code went to and
// the enrolment's notice address if it is another (no PHI in either). Queued in the outbox only
// when notifications.smtp_url is set. The reset stands if this fails: the failure is logged
// (without an address), not the request's.
void QueueResetNotice(MailboxContext* context, int64_t now, const std::string& mailed_to,
                      const std::string& notice_email);

}  // namespace portal
