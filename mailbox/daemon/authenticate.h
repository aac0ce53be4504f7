#pragma once

#include <optional>
#include <string>

#include "core/enrollment_registry.h"
#include "mailbox/daemon/http_message.h"
#include "mailbox/daemon/mailbox_context.h"
#include "mailbox/daemon/request_outcome.h"

namespace portal {

// Who is asking: the enrolment of `mrn` whose pinned key made the base64 detached signature
// `signature_b64` over `data`; *fingerprint is that key's. A missing, bad or other person's
// signature and an MRN nobody enrolled all get the same 401 (no enrolment oracle).
// nullopt when the request is authenticated; else the answer that refuses it.
std::optional<HttpResponse> Authenticate(MailboxContext* context, const std::string& mrn,
                                         const std::string& data, const std::string& signature_b64,
                                         Enrollment* enrollment, std::string* fingerprint,
                                         RequestOutcome* outcome);

}  // namespace portal
