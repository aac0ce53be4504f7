#include "mailbox/daemon/code_request_handler.h"

#include <nlohmann/json.hpp>

#include "mailbox/daemon/account_checks.h"
#include "mailbox/daemon/account_fields.h"
#include "mailbox/daemon/code_mailer.h"
#include "mailbox/daemon/problems.h"
#include "mailbox/daemon/request_fields.h"

namespace portal {

namespace {

// The one answer to every request that got this far: it says nothing about the records.
constexpr char kAcceptedDetail[] =
    "if the medical record number and the e-mail address match our records, a message is on its "
    "way to that address";

}  // namespace

HttpResponse HandleCodeRequest(MailboxContext* context, const HttpRequest& request,
                               MailedPurpose purpose, RequestOutcome* outcome) {
  // Without a mail server nobody can be answered by mail: the same 503 for everybody, before
  // anything is read.
  if (context->config().notifications.smtp_url.empty()) {
    outcome->what = "mail-off";
    return Unavailable("self-enrolment by e-mail is not available; visit Medical Records");
  }
  if (auto refused = CheckJsonContentType(request, outcome)) return *refused;
  nlohmann::json body;
  CodeRequest asked;
  asked.purpose = purpose;
  std::string field;
  Status st = ParseRequestObject(request.body, {"mrn", "email"}, &body, &field);
  if (st.ok()) st = GetMrn(context->config(), body, &asked.mrn, &field);
  if (st.ok()) st = GetEmail(body, "email", &asked.email, &field);
  if (!st.ok()) return InvalidRequest(st, field, outcome);
  // Per MRN whether or not anyone has it, so the limit says nothing either.
  int retry = 0;
  if (!context->AllowMrn(asked.mrn, &retry)) {
    outcome->what = "rate-limited-mrn";
    HttpResponse r = Problem(429, "Too Many Requests",
                             "too many requests for this medical record number; retry after the "
                             "seconds in Retry-After");
    r.headers["Retry-After"] = std::to_string(retry);
    return r;
  }
  if (!context->mailer().Offer(std::move(asked))) {
    outcome->what = "mailer-full";
    return Unavailable("too many requests are waiting; try again in a few minutes");
  }
  outcome->what = "accepted";
  return JsonResponse(202, {{"status", "accepted"}, {"detail", kAcceptedDetail}});
}

}  // namespace portal
