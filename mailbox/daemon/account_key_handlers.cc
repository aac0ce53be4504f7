// STUB (issue 13 contract): the helper that owns this file replaces it.
#include "mailbox/daemon/account_key_handlers.h"

#include "mailbox/daemon/problems.h"

namespace portal {

HttpResponse HandleKeyBlob(MailboxContext*, const HttpRequest&, RequestOutcome* outcome) {
  outcome->what = "not-built";
  return Problem(501, "Not Implemented", "not built yet");
}

HttpResponse HandleProxyLink(MailboxContext*, const HttpRequest&, RequestOutcome* outcome) {
  outcome->what = "not-built";
  return Problem(501, "Not Implemented", "not built yet");
}

}  // namespace portal
