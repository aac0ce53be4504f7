#pragma once

#include "mailbox/daemon/http_message.h"
#include "mailbox/daemon/mailbox_context.h"
#include "mailbox/daemon/request_outcome.h"

namespace portal {

// GET /v1/me, signed by the account's key over "GET /v1/me\n<fingerprint>\n<timestamp>\n<nonce>\n"
// (headers Portal-Key, Portal-Timestamp, Portal-Nonce, Portal-Signature). 200:
//   {"fingerprint": "<the account's key>",
//    "records": [{"mrn", "token", "role": "self"|"proxy", "label",
//                 "summary": "published"|"pending"|"unavailable",
//                 "summary_path", "replies": ["<path>", ...],
//                 "requests": [{"receipt", "kind", "state", "sent_at"}, ...]}, ...],
//    "last_nightly_run": "<instant>"|null}
// - records: the account's records still enrolled, self first (the account's order).
// - summary_path: under the site's base, "patients/<token>/summary.html.pgp" for the patient's
//   own record, "patients/<token>/summary-proxy.html.pgp" for a proxy's (the proxies' page, sealed
//   to proxy keys only). summary: published = that file is there; unavailable = the directory
//   says no summary will come (not in the store, or not eligible now); pending = otherwise.
// - replies: the published reply files, by name.
// - requests ("My requests"): the items this account's key signed for that record, newest
//   first, at most 50; kind "message"|"profile-change", state the queue's words
//   (queue_vocabulary.h: received, accepted, rejected, completed; requested for old documents),
//   sent_at the FHIR instant (UTC) the daemon received it. Nothing of the content: no subject,
//   body, provider or fields. Another key's items are never listed, so a proxy does not see the
//   patient's nor the patient a proxy's; items queued before the queue kept the sending key are
//   listed on the patient's own record only. A key reset starts a new key, whose list starts
//   empty (the old receipts still answer GET /v1/receipts/<id>).
// - last_nightly_run: when the nightly run last finished, null if the directory does not say.
HttpResponse HandleMe(MailboxContext* context, const HttpRequest& request, RequestOutcome* outcome);

}  // namespace portal
