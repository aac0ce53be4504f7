#pragma once

#include "mailbox/daemon/http_message.h"
#include "mailbox/daemon/mailbox_context.h"
#include "mailbox/daemon/request_outcome.h"

namespace portal {

// GET /healthz: 200 {"status":"ok","accepting":<a staff key is pinned>}; 503 when the registry
// cannot be read.
HttpResponse HandleHealth(MailboxContext* context, RequestOutcome* outcome);

}  // namespace portal
