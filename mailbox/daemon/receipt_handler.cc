#include "mailbox/daemon/receipt_handler.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "mailbox/daemon/authenticate.h"
#include "mailbox/daemon/problems.h"
#include "mailbox/daemon/request_fields.h"

namespace portal {

namespace {

constexpr char kSignatureHeader[] = "portal-signature";

// The query's parts, checked like a body's fields; a failure names the header.
std::optional<HttpResponse> CheckParts(const PortalConfig& config, const HttpRequest& request,
                                       int64_t now, std::string* mrn, std::string* nonce,
                                       RequestOutcome* outcome) {
  // The parts travel in headers; the shared checks read them as a JSON object.
  const nlohmann::json parts = {{"mrn", HeaderOf(request, "portal-mrn")},
                                {"timestamp", HeaderOf(request, "portal-timestamp")},
                                {"nonce", HeaderOf(request, "portal-nonce")}};
  std::string field;
  int64_t timestamp = 0;
  Status st = GetMrn(config, parts, mrn, &field);
  if (st.ok()) st = GetTimestamp(parts, now, &timestamp, &field);
  if (st.ok()) st = GetNonce(parts, nonce, &field);
  if (st.ok()) return std::nullopt;
  static const std::map<std::string, std::string> kHeader = {
      {"mrn", "Portal-Mrn"}, {"timestamp", "Portal-Timestamp"}, {"nonce", "Portal-Nonce"}};
  const auto it = kHeader.find(field);
  const std::string header = it != kHeader.end() ? it->second : field;
  outcome->what = "invalid";
  outcome->field = header;
  std::string detail = st.message();
  if (detail.starts_with(field + ":")) detail = header + detail.substr(field.size());
  return Problem(422, "Unprocessable Content", detail, header);
}

}  // namespace

std::string ReceiptQueryText(const std::string& receipt, const std::string& mrn,
                             const std::string& timestamp, const std::string& nonce) {
  return "GET /v1/receipts/" + receipt + "\n" + mrn + "\n" + timestamp + "\n" + nonce + "\n";
}

HttpResponse HandleReceiptQuery(MailboxContext* context, const HttpRequest& request,
                                const std::string& receipt, RequestOutcome* outcome) {
  const int64_t now = context->Now();
  std::string mrn, nonce;
  if (auto refused = CheckParts(context->config(), request, now, &mrn, &nonce, outcome)) {
    return *refused;
  }
  Enrollment enrollment;
  std::string fingerprint;
  const std::string text =
      ReceiptQueryText(receipt, mrn, HeaderOf(request, "portal-timestamp"), nonce);
  if (auto refused = Authenticate(context, mrn, text, HeaderOf(request, kSignatureHeader),
                                  &enrollment, &fingerprint, outcome)) {
    return *refused;
  }
  bool fresh = false, found = false;
  ItemState state = ItemState::kReceived;
  if (!context->QueryState(enrollment.token, nonce, now, receipt, &fresh, &state, &found).ok()) {
    outcome->what = "queue-error";
    return Unavailable("the queue cannot be read; try again");
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
  return JsonResponse(200, {{"receipt", receipt}, {"status", std::string(ToString(state))}});
}

}  // namespace portal
