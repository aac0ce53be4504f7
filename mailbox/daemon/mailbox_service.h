#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/config.h"
#include "core/enrollment_registry.h"
#include "core/state_layout.h"
#include "core/status.h"
#include "mailbox/common/queue_store.h"
#include "mailbox/common/request_verifier.h"
#include "mailbox/daemon/document_sealer.h"
#include "mailbox/daemon/http_server.h"
#include "mailbox/daemon/rate_limiter.h"

namespace portal {

// portal-mailboxd's request handling, apart from the network: routes, checks who is asking,
// turns an accepted submission into a sealed FHIR document and queues it durably.
//
//   POST /v1/messages         signed message to a participating provider   -> 202 + receipt
//   POST /v1/profile-changes  signed request to change FAQ profile fields  -> 202 + receipt
//   GET  /v1/receipts/{id}    signed status query for one's own receipt    -> 200 + status
//   GET  /healthz             liveness and queue readiness                 -> 200
//
// A POST body is the request JSON; `Portal-Signature` carries a base64 detached OpenPGP
// signature over the exact body bytes; `Idempotency-Key` (optional, else the nonce) makes a
// retry return the first receipt. A status query signs the text
// "GET /v1/receipts/<id>\n<mrn>\n<timestamp>\n<nonce>\n" and sends the parts in Portal-Mrn,
// Portal-Timestamp, Portal-Nonce. Errors are RFC 9457 problems naming the field, never a value.
class MailboxService {
 public:
  // Opens the state directory's registry and queue; InvalidInput naming `portal-staff init`
  // if it was not prepared.
  static Status Open(const PortalConfig& config, std::unique_ptr<MailboxService>* out);

  // Thread-safe; never throws.
  HttpResponse Handle(const HttpRequest& request);

  // Where one line per request goes (request id, route, status, outcome, milliseconds — never a
  // value from the request). Default: stderr.
  void set_log(std::function<void(const std::string&)> log) { log_ = std::move(log); }

  // Logs what the HTTP server refused before any handler ran (HttpServerOptions::on_refusal).
  void LogRefusal(const std::string& event) const;

  // The text a status query signs.
  static std::string ReceiptQueryText(const std::string& receipt, const std::string& mrn,
                                      const std::string& timestamp, const std::string& nonce);

 private:
  struct Outcome;
  MailboxService(const PortalConfig& config, std::string service_fingerprint);

  HttpResponse Submit(const HttpRequest& request, const std::string& kind, Outcome* outcome);
  HttpResponse QueryReceipt(const HttpRequest& request, const std::string& receipt,
                            Outcome* outcome);
  HttpResponse Health(Outcome* outcome);
  // Who is asking: the enrolment of `mrn` whose pinned key made `signature` over `data`.
  HttpResponse Authenticate(const std::string& mrn, const std::string& data,
                            const std::string& signature_b64, Enrollment* enrollment,
                            std::string* fingerprint, Outcome* outcome);
  std::string ClientAddress(const HttpRequest& request) const;
  void PruneNoncesNow(int64_t now);

  const PortalConfig config_;
  const StateLayout layout_;
  std::mutex registry_mu_;
  std::unique_ptr<EnrollmentRegistry> registry_;
  std::mutex queue_mu_;
  std::unique_ptr<QueueStore> queue_;
  int64_t nonces_pruned_at_ = 0;
  RequestVerifier verifier_;
  DocumentSealer sealer_;
  RateLimiter per_address_;
  RateLimiter per_key_;
  std::function<void(const std::string&)> log_;
};

}  // namespace portal
