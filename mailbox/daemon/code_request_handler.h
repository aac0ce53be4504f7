#pragma once

#include "mailbox/daemon/http_message.h"
#include "mailbox/daemon/mailbox_context.h"
#include "mailbox/daemon/request_outcome.h"

namespace portal {

// POST /v1/registrations (kRegister) and /v1/recoveries (kRecover).
HttpResponse HandleCodeRequest(MailboxContext* context, const HttpRequest& request,
                               MailedPurpose purpose, RequestOutcome* outcome);

}  // namespace portal
