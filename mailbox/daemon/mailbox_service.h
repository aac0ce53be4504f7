#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/status.h"
#include "mailbox/daemon/http_message.h"
#include "mailbox/daemon/mailbox_context.h"
#include "mailbox/daemon/rate_limiter.h"
#include "mailbox/daemon/request_outcome.h"

namespace portal {

// portal-mailboxd's request handling, apart from the network: routes each request to its
// endpoint's handler, limits each client address, and logs one line per request (time, request
// id, method, route, status, outcome, failing field, milliseconds — never a value sent).
//
//   POST /v1/messages         signed message to a participating provider   -> 202 + receipt
//   POST /v1/profile-changes  signed request to change FAQ profile fields  -> 202 + receipt
//   GET  /v1/receipts/{id}    signed status query for one's own receipt    -> 200 + status
//   GET  /healthz             liveness and queue readiness                 -> 200
//
// The handlers (submission_handler.h, receipt_handler.h, health_handler.h) say what each
// answers. Errors are RFC 9457 problems naming the field, never a value.
class MailboxService {
 public:
  // Opens the state directory's registry and queue; InvalidInput naming `portal-staff init`
  // if it was not prepared. The time comes from `options` (mailbox_context.h).
  static Status Open(const PortalConfig& config, MailboxServiceOptions options,
                     std::unique_ptr<MailboxService>* out);

  // Thread-safe; never throws.
  HttpResponse Handle(const HttpRequest& request);

  // Logs what the HTTP server refused before any handler ran (HttpServerOptions::on_refusal).
  void LogRefusal(const std::string& event) const;

 private:
  struct Endpoint;
  explicit MailboxService(std::unique_ptr<MailboxContext> context);

  // The endpoint serving `path`; false for none.
  bool FindEndpoint(const std::string& path, Endpoint* out);
  HttpResponse Dispatch(const HttpRequest& request, std::string* route, RequestOutcome* outcome);
  // nullopt when the client's address may make a request now; else the 429.
  std::optional<HttpResponse> LimitAddress(const HttpRequest& request, RequestOutcome* outcome);
  std::string ClientAddress(const HttpRequest& request) const;
  void LogRequest(const HttpRequest& request, const std::string& route, int status,
                  const RequestOutcome& outcome, double milliseconds) const;

  std::unique_ptr<MailboxContext> context_;
  RateLimiter per_address_;
};

}  // namespace portal
