#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/account_store.h"
#include "core/status.h"
#include "mailbox/daemon/http_message.h"
#include "mailbox/daemon/mailbox_context.h"
#include "mailbox/daemon/request_outcome.h"

namespace portal {

// The steps the signed account endpoints share (activations, key resets, key-blob, proxy-links,
// me). Each gives the answer that ends the request, or nullopt to go on; none puts a value from
// the request into an answer or the outcome.
using AccountAnswer = std::optional<HttpResponse>;

// 415 unless the body is application/json.
AccountAnswer CheckJsonContentType(const HttpRequest& request, RequestOutcome* outcome);

// A strict parser's refusal: 400 for the body as a whole, 422 naming the field.
HttpResponse InvalidRequest(const Status& status, const std::string& field,
                            RequestOutcome* outcome);

// A refusal with `status` (401, 403, 409 or 422, its title from it) naming `field` ("" for none)
// in the answer and the outcome; `what` is the log's word.
HttpResponse Refuse(int status, const std::string& what, const std::string& field,
                    const std::string& detail, RequestOutcome* outcome);

// The one 422 for any wrong detail of a code: unknown, used, expired or voided, for another
// record, a birth date that is not the record's, a record not eligible now.
HttpResponse CodeMismatch(RequestOutcome* outcome);

// 503 for a step the server could not do (`what` is the log's word); nothing was changed.
HttpResponse AccountsUnavailable(const std::string& what, RequestOutcome* outcome);

// Does the patient directory know `mrn` as a patient born on exactly `birth_date` (a partial
// date on the record never matches) who may have a summary now? *patient_id is their Patient
// resource. Non-OK when the directory cannot be read (not built yet).
Status MatchRecord(MailboxContext* context, const std::string& mrn, const std::string& birth_date,
                   bool* match, std::string* patient_id);

// Records the nonce of a request signed by `fingerprint`'s key (owner "account:" + fingerprint);
// 409 naming `field` on a replay.
AccountAnswer UseAccountNonce(MailboxContext* context, const std::string& fingerprint,
                              const std::string& nonce, const std::string& field,
                              RequestOutcome* outcome);

// Who asks: the account whose key is `fingerprint` and made the base64 detached signature
// `signature_b64` over `data`, checked against the key as pinned on one of its records. An
// unknown account and a missing, bad or other key's signature get the same 401; a locked
// account 403. *account is filled when nullopt is returned.
AccountAnswer AuthenticateAccount(MailboxContext* context, const std::string& fingerprint,
                                  std::string_view data, const std::string& signature_b64,
                                  Account* account, RequestOutcome* outcome);

}  // namespace portal
