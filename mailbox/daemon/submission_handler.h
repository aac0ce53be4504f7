#pragma once

#include "mailbox/daemon/http_message.h"
#include "mailbox/daemon/mailbox_context.h"
#include "mailbox/daemon/request_outcome.h"
#include "mailbox/daemon/submission_kinds.h"

namespace portal {

// POST /v1/messages and /v1/profile-changes, cheapest check first: content type (415), the
// strict parse (400/422), the signature (401), the per-key bucket (429), a proxy's profile change
// unless the config allows it (403), the staff keys (503),
// then the sealed document is queued and 202 + receipt answered only after the commit. A retry
// with the same Idempotency-Key (default: the nonce) gets the same receipt; a key reused for
// another request is 422, a nonce seen before 409. The per-address bucket is the caller's.
HttpResponse HandleSubmission(MailboxContext* context, const HttpRequest& request,
                              const SubmissionKind& kind, RequestOutcome* outcome);

}  // namespace portal
