#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
// The client address is the peer's, or the X-Real-IP a trusted proxy sent (the unix socket,
// mailbox.listen_socket, or a peer in mailbox.trusted_proxies) when it is an IP address.
// Requests signed by a known key (messages, profile changes, receipts, the key blob, proxy
// links, me) are counted against that key, not the address: the address's bucket counts their
// failures only (unsigned, malformed, a signature that does not verify), and it is checked before
// any work, apart for requests with and without a Portal-Signature so that unsigned noise from
// an address does not stop its signed requests. Activations and key resets (signed by the key
// they bring) and the unsigned account endpoints take the address's token first, as before.
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
  std::optional<HttpResponse> LimitAddress(const std::string& address, RequestOutcome* outcome);
  // A signed endpoint's request: the address's failure bucket before, the outcome charged after.
  HttpResponse RunKeyFirst(const Endpoint& endpoint, const HttpRequest& request,
                           const std::string& address, RequestOutcome* outcome);
  // The address the request is limited by (see above).
  std::string ClientAddress(const HttpRequest& request) const;
  void LogRequest(const HttpRequest& request, const std::string& route, int status,
                  const RequestOutcome& outcome, double milliseconds) const;

  std::unique_ptr<MailboxContext> context_;
  RateLimiter per_address_;
  // The failures of requests that carried a Portal-Signature, per address (same rates).
  RateLimiter signed_failures_;
  std::vector<std::string> trusted_proxies_;  // Normalised (make_address(...).to_string()).
};

}  // namespace portal
