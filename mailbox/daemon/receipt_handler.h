#pragma once

#include <string>

#include "mailbox/daemon/http_message.h"
#include "mailbox/daemon/mailbox_context.h"
#include "mailbox/daemon/request_outcome.h"

namespace portal {

// The text a status query signs: "GET /v1/receipts/<id>\n<mrn>\n<timestamp>\n<nonce>\n".
std::string ReceiptQueryText(const std::string& receipt, const std::string& mrn,
                             const std::string& timestamp, const std::string& nonce);

// GET /v1/receipts/{id}: the signed status query (parts in Portal-Mrn, Portal-Timestamp,
// Portal-Nonce) answers the owner only; another patient's receipt looks missing (404).
HttpResponse HandleReceiptQuery(MailboxContext* context, const HttpRequest& request,
                                const std::string& receipt, RequestOutcome* outcome);

}  // namespace portal
