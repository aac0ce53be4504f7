// STUB (issue 13 contract): the helper that owns this file replaces it.
#include "mailbox/daemon/sign_in_handlers.h"

#include "mailbox/daemon/problems.h"

namespace portal {

HttpResponse HandlePrelogin(MailboxContext*, const HttpRequest&, RequestOutcome* outcome) {
  outcome->what = "not-built";
  return Problem(501, "Not Implemented", "not built yet");
}

HttpResponse HandleSignIn(MailboxContext*, const HttpRequest&, RequestOutcome* outcome) {
  outcome->what = "not-built";
  return Problem(501, "Not Implemented", "not built yet");
}

}  // namespace portal
