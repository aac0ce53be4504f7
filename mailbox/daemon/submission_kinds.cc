#include "mailbox/daemon/submission_kinds.h"

#include "mailbox/daemon/message_request.h"
#include "mailbox/daemon/profile_request.h"

namespace portal {

namespace {

Status ParseMessage(const PortalConfig& config, std::string_view body, int64_t now,
                    PatientRequest* out, std::string* field) {
  PORTAL_RETURN_IF_ERROR(ParseMessageRequest(config, body, now, &out->message, field));
  out->mrn = out->message.mrn;
  out->nonce = out->message.nonce;
  out->provider = out->message.provider;
  return Status::Ok();
}

std::string BuildMessage(const PortalConfig& config, const DocumentContext& context,
                         const PatientRequest& request) {
  return BuildCommunication(config, context, request.message);
}

Status ParseChange(const PortalConfig& config, std::string_view body, int64_t now,
                   PatientRequest* out, std::string* field) {
  PORTAL_RETURN_IF_ERROR(ParseProfileChangeRequest(config, body, now, &out->change, field));
  out->mrn = out->change.mrn;
  out->nonce = out->change.nonce;
  out->provider.clear();
  return Status::Ok();
}

std::string BuildChange(const PortalConfig& config, const DocumentContext& context,
                        const PatientRequest& request) {
  return BuildChangeTask(config, context, request.change);
}

constexpr SubmissionKind kKinds[] = {
    {ItemKind::kMessage, "/v1/messages", ParseMessage, BuildMessage},
    {ItemKind::kProfileChange, "/v1/profile-changes", ParseChange, BuildChange},
};

}  // namespace

const SubmissionKind* SubmissionKindAt(std::string_view path) {
  for (const SubmissionKind& kind : kKinds) {
    if (kind.path == path) return &kind;
  }
  return nullptr;
}

}  // namespace portal
