#include "mailbox/daemon/mailbox_service.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/base64.h"
#include "core/fhir_time.h"
#include "core/sha256.h"
#include "mailbox/common/fhir_document.h"
#include "mailbox/daemon/message_request.h"
#include "mailbox/daemon/profile_request.h"
#include "mailbox/daemon/request_fields.h"

namespace portal {

namespace {

using json = nlohmann::json;

constexpr char kSignatureHeader[] = "portal-signature";
constexpr char kUnsigned[] =
    "the request must carry Portal-Signature: a base64 detached OpenPGP signature over the "
    "exact body by a key enrolled for the request's MRN";
constexpr char kNotVerified[] =
    "the signature is not a valid signature over this request by a key enrolled for its MRN";

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

std::string Header(const HttpRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

HttpResponse Json(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

// Field errors from the parsers: the body as a whole is 400, a field's form 422.
HttpResponse FieldProblem(const Status& st, const std::string& field) {
  return field.empty() ? Problem(400, "Bad Request", st.message())
                       : Problem(422, "Unprocessable Content", st.message(), field);
}

HttpResponse Unauthorized(const char* detail) {
  HttpResponse r = Problem(401, "Unauthorized", detail, "Portal-Signature");
  r.headers["WWW-Authenticate"] = "OpenPGP-Signature";
  return r;
}

HttpResponse TooMany(const std::string& who, int retry_after) {
  HttpResponse r =
      Problem(429, "Too Many Requests",
              "too many requests from this " + who + "; retry after the seconds in Retry-After");
  r.headers["Retry-After"] = std::to_string(retry_after);
  return r;
}

bool IsJson(const std::string& content_type) {
  std::string t;
  for (char c : content_type) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t == "application/json" || t.starts_with("application/json;");
}

// What a request asks, apart from its nonce and timestamp (nlohmann sorts keys: canonical).
std::string ContentHash(const std::string& kind, const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    j.erase("nonce");
    j.erase("timestamp");
  }
  return Sha256Hex(kind + "\n" + j.dump());
}

}  // namespace

// What happened to one request, for its log line.
struct MailboxService::Outcome {
  std::string what = "error";
  std::string field;
};

MailboxService::MailboxService(const PortalConfig& config, std::string service_fingerprint)
    : config_(config),
      layout_(config.paths.state_dir),
      verifier_(layout_.verify_dir),
      sealer_(layout_.mailbox_home, std::move(service_fingerprint)),
      per_address_(static_cast<double>(config.mailbox.per_address_per_minute),
                   static_cast<double>(config.mailbox.per_address_burst)),
      per_key_(static_cast<double>(config.mailbox.per_key_per_minute),
               static_cast<double>(config.mailbox.per_key_burst)),
      log_([](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }) {}

Status MailboxService::Open(const PortalConfig& config, std::unique_ptr<MailboxService>* out) {
  const StateLayout layout(config.paths.state_dir);
  std::string fingerprint;
  PORTAL_RETURN_IF_ERROR(CheckMailboxState(layout, &fingerprint));
  std::unique_ptr<MailboxService> s(new MailboxService(config, fingerprint));
  PORTAL_RETURN_IF_ERROR(
      EnrollmentRegistry::Open(layout.registry_db, layout.keys_dir, &s->registry_));
  PORTAL_RETURN_IF_ERROR(QueueStore::Open(layout.mailbox_db, &s->queue_));
  std::vector<Enrollment> enrolled;
  PORTAL_RETURN_IF_ERROR(s->registry_->All(&enrolled));
  s->verifier_.RemoveLeftovers(enrolled);
  *out = std::move(s);
  return Status::Ok();
}

std::string MailboxService::ReceiptQueryText(const std::string& receipt, const std::string& mrn,
                                             const std::string& timestamp,
                                             const std::string& nonce) {
  return "GET /v1/receipts/" + receipt + "\n" + mrn + "\n" + timestamp + "\n" + nonce + "\n";
}

std::string MailboxService::ClientAddress(const HttpRequest& request) const {
  if (config_.mailbox.trust_proxy_header &&
      (request.remote == "127.0.0.1" || request.remote == "::1")) {
    const std::string real = Header(request, "x-real-ip");
    if (!real.empty() && real.size() <= 64) return real;
  }
  return request.remote;
}

HttpResponse MailboxService::Handle(const HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  Outcome outcome;
  std::string path = request.target.substr(0, request.target.find('?'));
  std::string route = "other";
  HttpResponse response;
  static const std::regex kReceipt("/v1/receipts/([0-9a-f]{32})");
  std::smatch m;
  auto only = [&](const char* method) {
    if (request.method == method) return true;
    response = Problem(405, "Method Not Allowed", std::string("use ") + method);
    response.headers["Allow"] = method;
    outcome.what = "wrong-method";
    return false;
  };
  try {
    if (path == "/healthz") {
      route = path;
      if (only("GET")) response = Health(&outcome);
    } else if (path == "/v1/messages" || path == "/v1/profile-changes") {
      route = path;
      if (only("POST")) {
        response = Submit(request, path == "/v1/messages" ? "message" : "profile-change", &outcome);
      }
    } else if (std::regex_match(path, m, kReceipt)) {
      route = "/v1/receipts/{id}";
      if (only("GET")) response = QueryReceipt(request, m[1].str(), &outcome);
    } else {
      response = Problem(404, "Not Found", "no such resource");
      outcome.what = "not-found";
    }
  } catch (const std::exception&) {
    response = Problem(500, "Internal Server Error", "the request could not be handled");
    outcome.what = "exception";
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  static const std::regex kMethod("GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH");
  char tail[64];
  std::snprintf(tail, sizeof tail, " %.1fms", ms);
  log_(FormatInstant(Now()) + " request=" + request.request_id + " " +
       (std::regex_match(request.method, kMethod) ? request.method : std::string("OTHER")) + " " +
       route + " " + std::to_string(response.status) + " " + outcome.what +
       (outcome.field.empty() ? "" : " field=" + outcome.field) + tail);
  return response;
}

void MailboxService::LogRefusal(const std::string& event) const {
  log_(FormatInstant(Now()) + " request=- " + event);
}

HttpResponse MailboxService::Health(Outcome* outcome) {
  std::vector<StaffKey> staff;
  Status st;
  {
    std::lock_guard<std::mutex> lock(registry_mu_);
    st = registry_->StaffKeys(&staff);
  }
  if (!st.ok()) {
    outcome->what = "registry-error";
    return Problem(503, "Service Unavailable", "the registry cannot be read");
  }
  outcome->what = "ok";
  return Json(200, {{"status", "ok"}, {"accepting", !staff.empty()}});
}

HttpResponse MailboxService::Authenticate(const std::string& mrn, const std::string& data,
                                          const std::string& signature_b64, Enrollment* enrollment,
                                          std::string* fingerprint, Outcome* outcome) {
  const HttpResponse refused = Unauthorized(kNotVerified);
  std::string signature;
  if (signature_b64.empty() || !Base64Decode(signature_b64, &signature)) {
    outcome->what = "unsigned";
    return Unauthorized(kUnsigned);
  }
  bool found = false;
  Status st;
  {
    std::lock_guard<std::mutex> lock(registry_mu_);
    st = registry_->Find(mrn, enrollment, &found);
  }
  if (!st.ok()) {
    outcome->what = "registry-error";
    return Problem(503, "Service Unavailable", "the registry cannot be read; try again");
  }
  // An MRN nobody enrolled looks exactly like a wrong key: no enrolment oracle.
  if (!found) {
    outcome->what = "not-verified";
    return refused;
  }
  bool good = false;
  st = verifier_.Verify(*registry_, *enrollment, data, signature, &good, fingerprint);
  if (!st.ok()) {
    outcome->what = "verify-error";
    return Problem(503, "Service Unavailable", "the signature could not be checked; try again");
  }
  if (!good) {
    outcome->what = "not-verified";
    return refused;
  }
  return HttpResponse{0, "", "", {}};  // status 0: authenticated.
}

HttpResponse MailboxService::Submit(const HttpRequest& request, const std::string& kind,
                                    Outcome* outcome) {
  const int64_t now = Now();
  int retry = 0;
  auto too_many = [&](const char* who) {
    outcome->what = std::string("rate-limited-") + who;
    return TooMany(who, retry);
  };
  if (!per_address_.Allow(ClientAddress(request), RateLimiter::Clock::now(), &retry)) {
    return too_many("address");
  }
  if (!IsJson(Header(request, "content-type"))) {
    outcome->what = "wrong-content-type";
    return Problem(415, "Unsupported Media Type", "the body must be application/json",
                   "Content-Type");
  }
  // The cheap strict check first; only a well-formed request costs a signature check.
  std::string field, mrn, nonce, provider;
  MessageRequest message;
  ProfileChangeRequest change;
  Status st = kind == "message"
                  ? ParseMessageRequest(config_, request.body, now, &message, &field)
                  : ParseProfileChangeRequest(config_, request.body, now, &change, &field);
  if (!st.ok()) {
    outcome->what = "invalid";
    outcome->field = field;
    return FieldProblem(st, field);
  }
  mrn = kind == "message" ? message.mrn : change.mrn;
  nonce = kind == "message" ? message.nonce : change.nonce;
  std::string idempotency_key = Header(request, "idempotency-key");
  static const std::regex kKey("[A-Za-z0-9_-]{1,128}");
  if (!idempotency_key.empty() && !std::regex_match(idempotency_key, kKey)) {
    outcome->what = "invalid";
    outcome->field = "Idempotency-Key";
    return Problem(400, "Bad Request",
                   "Idempotency-Key: must be 1 to 128 characters of A-Z, a-z, 0-9, _ and -",
                   "Idempotency-Key");
  }
  if (idempotency_key.empty()) idempotency_key = "nonce:" + nonce;

  Enrollment enrollment;
  std::string fingerprint;
  HttpResponse auth = Authenticate(mrn, request.body, Header(request, kSignatureHeader),
                                   &enrollment, &fingerprint, outcome);
  if (auth.status != 0) return auth;
  if (!per_key_.Allow(fingerprint, RateLimiter::Clock::now(), &retry)) return too_many("key");

  std::vector<StaffKey> staff;
  {
    std::lock_guard<std::mutex> lock(registry_mu_);
    st = registry_->StaffKeys(&staff);
  }
  std::vector<std::filesystem::path> staff_files;
  for (const auto& k : staff) {
    if (k.expires == 0 || k.expires > now) staff_files.push_back(registry_->KeyFile(k.fingerprint));
  }
  if (!st.ok() || staff_files.empty()) {
    outcome->what = st.ok() ? "no-staff-key" : "registry-error";
    return Problem(503, "Service Unavailable",
                   "the mailbox cannot accept requests now; nothing was stored; try again later");
  }

  DocumentContext context;
  context.receipt = RandomHex(16);
  context.patient_id = enrollment.patient_id;
  context.mrn = mrn;
  context.received_at = now;
  context.signer_fingerprint = fingerprint;
  context.signed_request = request.body;
  Base64Decode(Header(request, kSignatureHeader), &context.request_signature);
  const std::string document = kind == "message" ? BuildCommunication(config_, context, message)
                                                 : BuildChangeTask(config_, context, change);
  Submission s;
  s.receipt = context.receipt;
  s.kind = kind == "message" ? ItemKind::kMessage : ItemKind::kProfileChange;
  s.owner = enrollment.token;
  s.provider = kind == "message" ? message.provider : "";
  s.idempotency_key = idempotency_key;
  s.request_hash = ContentHash(kind, request.body);
  s.nonce = nonce;
  s.received_at = now;
  st = sealer_.Seal(document, staff_files, &s.document);
  if (!st.ok()) {
    outcome->what = "seal-error";
    log_("sealing failed: " + st.message());
    return Problem(503, "Service Unavailable", "nothing was stored; try again");
  }
  std::string receipt;
  QueueStore::Outcome queued;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    PruneNoncesNow(now);
    st = queue_->Submit(s, &receipt, &queued);
  }
  if (!st.ok()) {
    outcome->what = "queue-error";
    log_("queueing failed: " + st.message());
    return Problem(503, "Service Unavailable", "nothing was stored; try again");
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
  // The commit is durable (synchronous=FULL) before this answer leaves.
  outcome->what = queued == QueueStore::Outcome::kDuplicate ? "duplicate" : "queued";
  HttpResponse r = Json(202, {{"receipt", receipt}, {"status", "received"}, {"kind", kind}});
  r.headers["Location"] = "/v1/receipts/" + receipt;
  if (queued == QueueStore::Outcome::kDuplicate) r.headers["Idempotent-Replayed"] = "true";
  return r;
}

void MailboxService::PruneNoncesNow(int64_t now) {
  if (now - nonces_pruned_at_ < 60) return;
  // A request older than the clock-skew window is refused by its timestamp anyway.
  if (queue_->PruneNonces(now - 2 * kClockSkewSeconds - 60).ok()) nonces_pruned_at_ = now;
}

HttpResponse MailboxService::QueryReceipt(const HttpRequest& request, const std::string& receipt,
                                          Outcome* outcome) {
  const int64_t now = Now();
  int retry = 0;
  if (!per_address_.Allow(ClientAddress(request), RateLimiter::Clock::now(), &retry)) {
    outcome->what = "rate-limited-address";
    return TooMany("address", retry);
  }
  // The query's parts travel in headers; the shared checks read them as a JSON object.
  const json parts = {{"mrn", Header(request, "portal-mrn")},
                      {"timestamp", Header(request, "portal-timestamp")},
                      {"nonce", Header(request, "portal-nonce")}};
  std::string field, mrn, nonce;
  int64_t timestamp = 0;
  Status st = GetMrn(config_, parts, &mrn, &field);
  if (st.ok()) st = GetTimestamp(parts, now, &timestamp, &field);
  if (st.ok()) st = GetNonce(parts, &nonce, &field);
  if (!st.ok()) {
    static const std::map<std::string, std::string> kHeader = {
        {"mrn", "Portal-Mrn"}, {"timestamp", "Portal-Timestamp"}, {"nonce", "Portal-Nonce"}};
    const std::string header = kHeader.count(field) ? kHeader.at(field) : field;
    outcome->what = "invalid";
    outcome->field = header;
    std::string detail = st.message();
    if (detail.starts_with(field + ":")) detail = header + detail.substr(field.size());
    return Problem(422, "Unprocessable Content", detail, header);
  }
  Enrollment enrollment;
  std::string fingerprint;
  HttpResponse auth =
      Authenticate(mrn, ReceiptQueryText(receipt, mrn, Header(request, "portal-timestamp"), nonce),
                   Header(request, kSignatureHeader), &enrollment, &fingerprint, outcome);
  if (auth.status != 0) return auth;
  bool fresh = false, found = false;
  ItemState state = ItemState::kReceived;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    st = queue_->UseNonce(enrollment.token, nonce, now, &fresh);
    if (st.ok() && fresh) st = queue_->StateOf(receipt, enrollment.token, &state, &found);
  }
  if (!st.ok()) {
    outcome->what = "queue-error";
    return Problem(503, "Service Unavailable", "the queue cannot be read; try again");
  }
  if (!fresh) {
    outcome->what = "replayed-nonce";
    outcome->field = "Portal-Nonce";
    return Problem(409, "Conflict", "Portal-Nonce: was used before", "Portal-Nonce");
  }
  if (!found) {  // Another patient's receipt looks exactly like a missing one.
    outcome->what = "not-found";
    return Problem(404, "Not Found", "no such receipt for this patient");
  }
  outcome->what = "status";
  return Json(200, {{"receipt", receipt}, {"status", std::string(ToString(state))}});
}

}  // namespace portal
