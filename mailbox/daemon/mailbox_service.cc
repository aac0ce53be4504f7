#include "mailbox/daemon/mailbox_service.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdio>
#include <regex>

#include "core/fhir_time.h"
#include "mailbox/daemon/account_key_handlers.h"
#include "mailbox/daemon/account_requests.h"
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

namespace {

// How a route is limited.
enum class Limit {
  kNone,            // Health.
  kAddress,         // The address's token first (activations, key resets).
  kAccountAddress,  // That and the unsigned account endpoints' stricter bucket.
  kKeyFirst,        // Signed by a known key: the key's bucket; the address's for failures.
};

// Outcomes of a request that did not prove a key (handlers' words): charged to the address.
bool Unproven(const RequestOutcome& outcome) {
  static const char* const kWords[] = {"unsigned", "not-verified", "refused-signature", "invalid",
                                       "wrong-content-type"};
  for (const char* w : kWords) {
    if (outcome.what == w) return true;
  }
  return false;
}

std::string Normalised(const std::string& address) {
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(address, ec);
  return ec ? std::string() : a.to_string();
}

}  // namespace

// One route: its template (for the log), the one method it takes, how it is limited, and its
// handler. `reader`: for a signed read whose handler charges no key (receipts, me), the bucket
// name of who signed, from the request's headers; charged once the signature verified.
struct MailboxService::Endpoint {
  std::string route;
  std::string method;
  Limit limit = Limit::kNone;
  std::function<HttpResponse(const HttpRequest&, RequestOutcome*)> run;
  std::function<std::string(const HttpRequest&)> reader;
};

MailboxService::MailboxService(std::unique_ptr<MailboxContext> context)
    : context_(std::move(context)),
      per_address_(static_cast<double>(context_->config().mailbox.per_address_per_minute),
                   static_cast<double>(context_->config().mailbox.per_address_burst)),
      signed_failures_(static_cast<double>(context_->config().mailbox.per_address_per_minute),
                       static_cast<double>(context_->config().mailbox.per_address_burst)) {
  for (const auto& p : context_->config().mailbox.trusted_proxies) {
    trusted_proxies_.push_back(Normalised(p));  // The config checked each is an IP address.
  }
}

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
    *out = {path, "GET", Limit::kNone,
            [c](const HttpRequest&, RequestOutcome* o) { return HandleHealth(c, o); }, nullptr};
    return true;
  }
  if (const SubmissionKind* kind = SubmissionKindAt(path)) {
    *out = {path, "POST", Limit::kKeyFirst,
            [c, kind](const HttpRequest& r, RequestOutcome* o) {
              return HandleSubmission(c, r, *kind, o);
            },
            nullptr};
    return true;
  }
  using Handler = HttpResponse (*)(MailboxContext*, const HttpRequest&, RequestOutcome*);
  // Patients' accounts: the unsigned endpoints first (their own stricter address bucket too).
  struct AccountRoute {
    const char* path;
    const char* method;
    Limit limit;
    Handler handler;
  };
  static const AccountRoute kAccountRoutes[] = {
      {"/v1/prelogin", "POST", Limit::kAccountAddress, HandlePrelogin},
      {"/v1/sessions", "POST", Limit::kAccountAddress, HandleSignIn},
      {"/v1/registrations", "POST", Limit::kAccountAddress,
       [](MailboxContext* c, const HttpRequest& r, RequestOutcome* o) {
         return HandleCodeRequest(c, r, MailedPurpose::kRegister, o);
       }},
      {"/v1/recoveries", "POST", Limit::kAccountAddress,
       [](MailboxContext* c, const HttpRequest& r, RequestOutcome* o) {
         return HandleCodeRequest(c, r, MailedPurpose::kRecover, o);
       }},
      // Signed by the key they bring: nobody's key vouches for them yet.
      {"/v1/activations", "POST", Limit::kAddress, HandleActivation},
      {"/v1/key-resets", "POST", Limit::kAddress, HandleKeyReset},
      // Signed by an account's key (their handlers charge it).
      {"/v1/key-blob", "PUT", Limit::kKeyFirst, HandleKeyBlob},
      {"/v1/proxy-links", "POST", Limit::kKeyFirst, HandleProxyLink},
      {"/v1/me", "GET", Limit::kKeyFirst, HandleMe},
  };
  for (const AccountRoute& a : kAccountRoutes) {
    if (path != a.path) continue;
    *out = {path, a.method, a.limit,
            [c, h = a.handler](const HttpRequest& r, RequestOutcome* o) { return h(c, r, o); },
            nullptr};
    // GET /v1/me charges no key itself: the account's, by the fingerprint it was signed as.
    if (path == "/v1/me") {
      out->reader = [](const HttpRequest& r) {
        std::string key;
        (void)NormalizeFingerprint(HeaderOf(r, "portal-key"), &key);  // It verified: it is one.
        return key;
      };
    }
    return true;
  }
  static const std::regex kReceipt("/v1/receipts/([0-9a-f]{32})");
  std::smatch m;
  if (!std::regex_match(path, m, kReceipt)) return false;
  *out = {"/v1/receipts/{id}", "GET", Limit::kKeyFirst,
          [c, receipt = m[1].str()](const HttpRequest& r, RequestOutcome* o) {
            return HandleReceiptQuery(c, r, receipt, o);
          },
          // The receipt query charges no key itself: the patient's record, by the MRN signed.
          [](const HttpRequest& r) { return "mrn:" + HeaderOf(r, "portal-mrn"); }};
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
  if (endpoint.limit == Limit::kNone) return endpoint.run(request, outcome);
  const std::string address = ClientAddress(request);
  if (endpoint.limit == Limit::kKeyFirst) return RunKeyFirst(endpoint, request, address, outcome);
  if (auto refused = LimitAddress(address, outcome)) return *refused;
  if (endpoint.limit == Limit::kAccountAddress) {
    int retry = 0;
    if (!context_->AllowAccountAddress(address, &retry)) {
      outcome->what = "rate-limited-address";
      return TooManyRequests("address", retry);
    }
  }
  return endpoint.run(request, outcome);
}

HttpResponse MailboxService::RunKeyFirst(const Endpoint& endpoint, const HttpRequest& request,
                                         const std::string& address, RequestOutcome* outcome) {
  // Requests with a signature and without one fail apart: unsigned noise from an address does
  // not stop its signed requests, and signatures that fail are limited as before (gpg's work).
  const bool carries_signature = !HeaderOf(request, "portal-signature").empty();
  RateLimiter& failures = carries_signature ? signed_failures_ : per_address_;
  int retry = 0;
  if (!failures.Peek(address, context_->BucketNow(), &retry)) {
    outcome->what = "rate-limited-address";
    return TooManyRequests("address", retry);
  }
  HttpResponse response = endpoint.run(request, outcome);
  if (Unproven(*outcome)) {
    (void)failures.Allow(address, context_->BucketNow(), &retry);
    return response;
  }
  if (endpoint.reader && outcome->what != "registry-error" && outcome->what != "verify-error" &&
      outcome->what != "rate-limited-key" && response.status < 500) {
    if (!context_->AllowKey(endpoint.reader(request), &retry)) {
      outcome->what = "rate-limited-key";
      return TooManyRequests("key", retry);
    }
  }
  return response;
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

std::optional<HttpResponse> MailboxService::LimitAddress(const std::string& address,
                                                         RequestOutcome* outcome) {
  int retry = 0;
  if (per_address_.Allow(address, context_->BucketNow(), &retry)) return std::nullopt;
  outcome->what = "rate-limited-address";
  return TooManyRequests("address", retry);
}

std::string MailboxService::ClientAddress(const HttpRequest& request) const {
  const bool trusted =
      request.via_socket || std::find(trusted_proxies_.begin(), trusted_proxies_.end(),
                                      request.remote) != trusted_proxies_.end();
  const std::string real = HeaderOf(request, "x-real-ip");
  if (!trusted || real.empty()) return request.remote;
  const std::string address = Normalised(real);
  if (!address.empty()) return address;
  // The proxy sent something else (it should not): its own address counts. No value logged.
  context_->Log(FormatInstant(context_->Now()) + " request=" + request.request_id +
                " bad X-Real-IP from the proxy; its own address counts");
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
