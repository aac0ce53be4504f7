// STUB (issue 13 contract): the helper that owns this file replaces it.
#include "mailbox/daemon/me_handler.h"

#include "mailbox/daemon/problems.h"

namespace portal {

HttpResponse HandleMe(MailboxContext*, const HttpRequest&, RequestOutcome* outcome) {
  outcome->what = "not-built";
  return Problem(501, "Not Implemented", "not built yet");
}

}  // namespace portal
