#include "mailbox/daemon/message_request.h"

#include <nlohmann/json.hpp>

#include "mailbox/daemon/request_fields.h"

namespace portal {

Status ParseMessageRequest(const PortalConfig& config, std::string_view text, int64_t now,
                           MessageRequest* out, std::string* field) {
  field->clear();
  nlohmann::json j;
  PORTAL_RETURN_IF_ERROR(ParseRequestObject(
      text, {"version", "mrn", "to", "subject", "body", "nonce", "timestamp"}, &j, field));
  PORTAL_RETURN_IF_ERROR(CheckVersion(j, field));
  MessageRequest r;
  PORTAL_RETURN_IF_ERROR(GetMrn(config, j, &r.mrn, field));
  PORTAL_RETURN_IF_ERROR(GetString(j, "to", &r.provider, field));
  bool known = false;
  std::string who;
  for (const auto& p : config.providers) {
    known = known || p.id == r.provider;
    who += (who.empty() ? "" : "; ") + p.id + " (" + p.name + ")";
  }
  if (!known) {
    return FieldError(field, "to", "not a participating provider; messages can go to: " + who);
  }
  PORTAL_RETURN_IF_ERROR(GetString(j, "subject", &r.subject, field));
  const size_t subject = Utf8Length(r.subject);
  if (subject == 0 || subject > kMaxSubjectChars) {
    return FieldError(field, "subject",
                      "must be 1 to " + std::to_string(kMaxSubjectChars) + " characters");
  }
  // Staff read the subject on one line of a terminal and of a mail; the body as lines.
  if (std::string problem = TextProblem(r.subject, TextForm::kOneLine); !problem.empty()) {
    return FieldError(field, "subject", problem);
  }
  PORTAL_RETURN_IF_ERROR(GetString(j, "body", &r.body, field));
  const size_t body = Utf8Length(r.body);
  if (body == 0 || body > kMaxBodyChars) {
    return FieldError(field, "body",
                      "must be 1 to " + std::to_string(kMaxBodyChars) + " characters");
  }
  if (std::string problem = TextProblem(r.body, TextForm::kLines); !problem.empty()) {
    return FieldError(field, "body", problem);
  }
  PORTAL_RETURN_IF_ERROR(GetNonce(j, &r.nonce, field));
  PORTAL_RETURN_IF_ERROR(GetTimestamp(j, now, &r.timestamp, field));
  *out = std::move(r);
  return Status::Ok();
}

}  // namespace portal
