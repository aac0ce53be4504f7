#include "mailbox/daemon/submission_handler.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

#include "core/base64.h"
#include "core/sha256.h"
#include "mailbox/daemon/authenticate.h"
#include "mailbox/daemon/problems.h"

namespace portal {

namespace {

constexpr char kSignatureHeader[] = "portal-signature";

// One submission on its way through the phases below.
struct Pending {
  Pending(const SubmissionKind& k, int64_t n) : kind(k), now(n) {}
  const SubmissionKind& kind;
  const int64_t now;
  PatientRequest request;
  std::string idempotency_key;
  Enrollment enrollment;
  std::string fingerprint;             // Of the key that signed: the patient's or a proxy's.
  std::optional<DocumentProxy> proxy;  // Set when that key is a proxy's.
  std::vector<std::filesystem::path> staff_files;
  std::string document;  // The FHIR document, in the clear.
  Submission queued;     // The queue's row, with the document sealed.
};

// A phase gives the answer that ends the request, or nullopt to go on.
using Answer = std::optional<HttpResponse>;

bool IsJson(const std::string& content_type) {
  std::string t;
  for (char c : content_type) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t == "application/json" || t.starts_with("application/json;");
}

// What a request asks, apart from its nonce and timestamp (nlohmann sorts keys: canonical).
std::string ContentHash(ItemKind kind, const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    j.erase("nonce");
    j.erase("timestamp");
  }
  // The body parsed as UTF-8, so nothing is replaced: the hash is of what was sent.
  return Sha256Hex(std::string(ToString(kind)) + "\n" +
                   j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Answer CheckContentType(const HttpRequest& request, RequestOutcome* outcome) {
  if (IsJson(HeaderOf(request, "content-type"))) return std::nullopt;
  outcome->what = "wrong-content-type";
  return Problem(415, "Unsupported Media Type", "the body must be application/json",
                 "Content-Type");
}

// The strict parse of the body and the Idempotency-Key header.
Answer Parse(MailboxContext* c, const HttpRequest& request, Pending* p, RequestOutcome* outcome) {
  std::string field;
  const Status st = p->kind.parse(c->config(), request.body, p->now, &p->request, &field);
  if (!st.ok()) {
    outcome->what = "invalid";
    outcome->field = field;
    return FieldProblem(st, field);
  }
  p->idempotency_key = HeaderOf(request, "idempotency-key");
  static const std::regex kKey("[A-Za-z0-9_-]{1,128}");
  if (!p->idempotency_key.empty() && !std::regex_match(p->idempotency_key, kKey)) {
    outcome->what = "invalid";
    outcome->field = "Idempotency-Key";
    return Problem(400, "Bad Request",
                   "Idempotency-Key: must be 1 to 128 characters of A-Z, a-z, 0-9, _ and -",
                   "Idempotency-Key");
  }
  if (p->idempotency_key.empty()) p->idempotency_key = "nonce:" + p->request.nonce;
  return std::nullopt;
}

// The signature, then the signing key's bucket.
Answer Verify(MailboxContext* c, const HttpRequest& request, Pending* p, RequestOutcome* outcome) {
  if (Answer refused =
          Authenticate(c, p->request.mrn, request.body, HeaderOf(request, kSignatureHeader),
                       &p->enrollment, &p->fingerprint, outcome)) {
    return refused;
  }
  int retry = 0;
  if (c->AllowKey(p->fingerprint, &retry)) return std::nullopt;
  outcome->what = "rate-limited-key";
  return TooManyRequests("key", retry);
}

// Who signed: the patient, or a proxy (a key pinned for the enrolment with role proxy). A
// proxy's profile change is refused unless [accounts] proxy_profile_changes; messages from
// proxies are taken. The proxy's label (given by staff with the proxy code) is looked up for
// the document; without one, the key's fingerprint names the proxy.
Answer CheckSender(MailboxContext* c, Pending* p, RequestOutcome* outcome) {
  bool proxy = false;
  for (const auto& key : p->enrollment.keys) {
    if (key.fingerprint == p->fingerprint) proxy = key.role == EnrolledKey::Role::kProxy;
  }
  if (!proxy) return std::nullopt;
  if (p->kind.kind == ItemKind::kProfileChange && !c->config().accounts.proxy_profile_changes) {
    outcome->what = "proxy-profile-change";
    return Problem(403, "Forbidden",
                   "a proxy may not request profile changes for this patient; nothing was "
                   "stored; the patient can send the change themselves, or ask the records office");
  }
  DocumentProxy sender;
  sender.fingerprint = p->fingerprint;
  const Status st = c->WithAccounts([&](EnrollmentRegistry&, AccountStore& accounts) {
    Account account;
    bool found = false;
    PORTAL_RETURN_IF_ERROR(accounts.FindByFingerprint(p->fingerprint, &account, &found));
    for (const auto& record : account.records) {
      if (found && record.mrn == p->request.mrn && record.role == RecordRole::kProxy) {
        sender.label = record.label;
      }
    }
    return Status::Ok();
  });
  // The label only names the proxy for staff; the key's fingerprint identifies them anyway.
  if (!st.ok()) c->Log("proxy label lookup failed; the document names the proxy by key only");
  p->proxy = sender;
  return std::nullopt;
}

// Who the document is sealed to: the unexpired staff keys (none: nothing can be stored).
Answer FindRecipients(MailboxContext* c, Pending* p, RequestOutcome* outcome) {
  const Status st = c->StaffKeyFiles(p->now, &p->staff_files);
  if (st.ok() && !p->staff_files.empty()) return std::nullopt;
  outcome->what = st.ok() ? "no-staff-key" : "registry-error";
  return Unavailable("the mailbox cannot accept requests now; nothing was stored; try again later");
}

// The FHIR document and the queue row it goes into (receipt chosen here: it is inside).
void BuildDocument(MailboxContext* c, const HttpRequest& request, Pending* p) {
  DocumentContext context;
  context.receipt = RandomHex(16);
  context.patient_id = p->enrollment.patient_id;
  context.mrn = p->request.mrn;
  context.received_at = p->now;
  context.signer_fingerprint = p->fingerprint;
  context.proxy = p->proxy;
  context.signed_request = request.body;
  // Decoded once already by Authenticate, so it decodes.
  (void)Base64Decode(HeaderOf(request, kSignatureHeader), &context.request_signature);
  p->document = p->kind.build(c->config(), context, p->request);
  Submission& s = p->queued;
  s.receipt = context.receipt;
  s.kind = p->kind.kind;
  s.owner = p->enrollment.token;
  s.provider = p->request.provider;
  s.idempotency_key = p->idempotency_key;
  s.request_hash = ContentHash(p->kind.kind, request.body);
  s.nonce = p->request.nonce;
  s.received_at = p->now;
  s.sender = p->fingerprint;
}

// Signed by the service key and encrypted to the staff: the queue never holds PHI in the clear.
Answer Seal(MailboxContext* c, Pending* p, RequestOutcome* outcome) {
  const Status st = c->sealer().Seal(p->document, p->staff_files, &p->queued.document);
  if (st.ok()) return std::nullopt;
  outcome->what = "seal-error";
  c->Log("sealing failed: " + st.message());
  return Unavailable("nothing was stored; try again");
}

// Queues the row and answers: the commit is durable (synchronous=FULL) before the 202 leaves.
HttpResponse QueueAndAnswer(MailboxContext* c, Pending* p, RequestOutcome* outcome) {
  std::string receipt;
  QueueStore::Outcome queued;
  const Status st = c->Queue(p->queued, &receipt, &queued);
  if (!st.ok()) {
    outcome->what = "queue-error";
    c->Log("queueing failed: " + st.message());
    return Unavailable("nothing was stored; try again");
  }
  if (queued == QueueStore::Outcome::kReplayedNonce) {
    outcome->what = "replayed-nonce";
    outcome->field = "nonce";
    return Problem(409, "Conflict", "nonce: was used before; sign the request with a new one",
                   "nonce");
  }
  if (queued == QueueStore::Outcome::kKeyReused) {
    outcome->what = "idempotency-key-reused";
    outcome->field = "Idempotency-Key";
    return Problem(422, "Unprocessable Content",
                   "Idempotency-Key: was used for a different request; use a new key",
                   "Idempotency-Key");
  }
  const bool duplicate = queued == QueueStore::Outcome::kDuplicate;
  outcome->what = duplicate ? "duplicate" : "queued";
  HttpResponse r = JsonResponse(202, {{"receipt", receipt},
                                      {"status", "received"},
                                      {"kind", std::string(ToString(p->kind.kind))}});
  r.headers["Location"] = "/v1/receipts/" + receipt;
  if (duplicate) r.headers["Idempotent-Replayed"] = "true";
  return r;
}

}  // namespace

HttpResponse HandleSubmission(MailboxContext* context, const HttpRequest& request,
                              const SubmissionKind& kind, RequestOutcome* outcome) {
  Pending p(kind, context->Now());
  // The cheap strict checks first; only a well-formed request costs a signature check.
  if (Answer a = CheckContentType(request, outcome)) return *a;
  if (Answer a = Parse(context, request, &p, outcome)) return *a;
  if (Answer a = Verify(context, request, &p, outcome)) return *a;
  if (Answer a = CheckSender(context, &p, outcome)) return *a;
  if (Answer a = FindRecipients(context, &p, outcome)) return *a;
  BuildDocument(context, request, &p);
  if (Answer a = Seal(context, &p, outcome)) return *a;
  return QueueAndAnswer(context, &p, outcome);
}

}  // namespace portal
