#pragma once

#include "mailbox/daemon/http_message.h"
#include "mailbox/daemon/mailbox_context.h"
#include "mailbox/daemon/request_outcome.h"

namespace portal {

HttpResponse HandleActivation(MailboxContext* context, const HttpRequest& request,
                              RequestOutcome* outcome);

HttpResponse HandleKeyReset(MailboxContext* context, const HttpRequest& request,
                            RequestOutcome* outcome);

}  // namespace portal
