#include "mailbox/daemon/mailbox_service.h"

#include <chrono>
#include <cstdio>
#include <regex>

#include "core/fhir_time.h"
#include "mailbox/daemon/account_key_handlers.h"
#include "mailbox/daemon/activation_handler.h"
#include "mailbox/daemon/code_request_handler.h"
#include "mailbox/daemon/health_handler.h"
#include "mailbox/daemon/me_handler.h"
#include "mailbox/daemon/problems.h"
#include "mailbox/daemon/receipt_handler.h"
#include "mailbox/daemon/sign_in_handlers.h"
#include "mailbox/daemon/submission_handler.h"
#include "mailbox/daemon/submission_kinds.h"

namespace portal {

// One route: its template (for the log), the one method it takes, whether the client's
// address bucket applies (and the unsigned account endpoints' stricter one), and its handler.
struct MailboxService::Endpoint {
  std::string route;
  std::string method;
  bool limited = false;
  bool account_limited = false;
  std::function<HttpResponse(const HttpRequest&, RequestOutcome*)> run;
};

MailboxService::MailboxService(std::unique_ptr<MailboxContext> context)
    : context_(std::move(context)),
      per_address_(static_cast<double>(context_->config().mailbox.per_address_per_minute),
                   static_cast<double>(context_->config().mailbox.per_address_burst)) {}

Status MailboxService::Open(const PortalConfig& config, MailboxServiceOptions options,
                            std::unique_ptr<MailboxService>* out) {
  std::unique_ptr<MailboxContext> context;
  PORTAL_RETURN_IF_ERROR(MailboxContext::Open(config, std::move(options), &context));
  out->reset(new MailboxService(std::move(context)));
  return Status::Ok();
}

bool MailboxService::FindEndpoint(const std::string& path, Endpoint* out) {
  MailboxContext* c = context_.get();
  if (path == "/healthz") {
    *out = {path, "GET", false, false,
            [c](const HttpRequest&, RequestOutcome* o) { return HandleHealth(c, o); }};
    return true;
  }
  if (const SubmissionKind* kind = SubmissionKindAt(path)) {
    *out = {path, "POST", true, false, [c, kind](const HttpRequest& r, RequestOutcome* o) {
              return HandleSubmission(c, r, *kind, o);
            }};
    return true;
  }
  using Handler = HttpResponse (*)(MailboxContext*, const HttpRequest&, RequestOutcome*);
  // Patients' accounts: the unsigned endpoints first (their own stricter address bucket too).
  struct AccountRoute {
    const char* path;
    const char* method;
    bool unsigned_endpoint;
    Handler handler;
  };
  static const AccountRoute kAccountRoutes[] = {
      {"/v1/prelogin", "POST", true, HandlePrelogin},
      {"/v1/sessions", "POST", true, HandleSignIn},
      {"/v1/registrations", "POST", true,
       [](MailboxContext* c, const HttpRequest& r, RequestOutcome* o) {
         return HandleCodeRequest(c, r, MailedPurpose::kRegister, o);
       }},
      {"/v1/recoveries", "POST", true,
       [](MailboxContext* c, const HttpRequest& r, RequestOutcome* o) {
         return HandleCodeRequest(c, r, MailedPurpose::kRecover, o);
       }},
      {"/v1/activations", "POST", false, HandleActivation},
      {"/v1/key-resets", "POST", false, HandleKeyReset},
      {"/v1/key-blob", "PUT", false, HandleKeyBlob},
      {"/v1/proxy-links", "POST", false, HandleProxyLink},
      {"/v1/me", "GET", false, HandleMe},
  };
  for (const AccountRoute& a : kAccountRoutes) {
    if (path != a.path) continue;
    *out = {path, a.method, true, a.unsigned_endpoint,
            [c, h = a.handler](const HttpRequest& r, RequestOutcome* o) { return h(c, r, o); }};
    return true;
  }
  static const std::regex kReceipt("/v1/receipts/([0-9a-f]{32})");
  std::smatch m;
  if (!std::regex_match(path, m, kReceipt)) return false;
  *out = {"/v1/receipts/{id}", "GET", true, false,
          [c, receipt = m[1].str()](const HttpRequest& r, RequestOutcome* o) {
            return HandleReceiptQuery(c, r, receipt, o);
          }};
  return true;
}

HttpResponse MailboxService::Dispatch(const HttpRequest& request, std::string* route,
                                      RequestOutcome* outcome) {
  Endpoint endpoint;
  if (!FindEndpoint(request.target.substr(0, request.target.find('?')), &endpoint)) {
    outcome->what = "not-found";
    return Problem(404, "Not Found", "no such resource");
  }
  *route = endpoint.route;
  if (request.method != endpoint.method) {
    outcome->what = "wrong-method";
    return MethodNotAllowed(endpoint.method);
  }
  if (endpoint.limited) {
    if (auto refused = LimitAddress(request, outcome)) return *refused;
  }
  if (endpoint.account_limited) {
    int retry = 0;
    if (!context_->AllowAccountAddress(ClientAddress(request), &retry)) {
      outcome->what = "rate-limited-address";
      return TooManyRequests("address", retry);
    }
  }
  return endpoint.run(request, outcome);
}

HttpResponse MailboxService::Handle(const HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  RequestOutcome outcome;
  std::string route = "other";
  HttpResponse response;
  try {
    response = Dispatch(request, &route, &outcome);
  } catch (const std::exception&) {  // The last guard: a request never ends the daemon.
    response = Problem(500, "Internal Server Error", "the request could not be handled");
    outcome.what = "exception";
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  LogRequest(request, route, response.status, outcome, ms);
  return response;
}

std::optional<HttpResponse> MailboxService::LimitAddress(const HttpRequest& request,
                                                         RequestOutcome* outcome) {
  int retry = 0;
  if (per_address_.Allow(ClientAddress(request), context_->BucketNow(), &retry)) {
    return std::nullopt;
  }
  outcome->what = "rate-limited-address";
  return TooManyRequests("address", retry);
}

std::string MailboxService::ClientAddress(const HttpRequest& request) const {
  if (context_->config().mailbox.trust_proxy_header &&
      (request.remote == "127.0.0.1" || request.remote == "::1")) {
    const std::string real = HeaderOf(request, "x-real-ip");
    if (!real.empty() && real.size() <= 64) return real;
  }
  return request.remote;
}

void MailboxService::LogRequest(const HttpRequest& request, const std::string& route, int status,
                                const RequestOutcome& outcome, double milliseconds) const {
  static const std::regex kMethod("GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH");
  char tail[64];
  std::snprintf(tail, sizeof tail, " %.1fms", milliseconds);
  context_->Log(FormatInstant(context_->Now()) + " request=" + request.request_id + " " +
                (std::regex_match(request.method, kMethod) ? request.method : "OTHER") + " " +
                route + " " + std::to_string(status) + " " + outcome.what +
                (outcome.field.empty() ? "" : " field=" + outcome.field) + tail);
}

void MailboxService::LogRefusal(const std::string& event) const {
  context_->Log(FormatInstant(context_->Now()) + " request=- " + event);
}

}  // namespace portal
