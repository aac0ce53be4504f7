#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/status.h"
#include "mailbox/common/fhir_document.h"
#include "mailbox/common/patient_requests.h"
#include "mailbox/common/queue_vocabulary.h"

namespace portal {

// A submission's request once parsed: the parts every kind has, and the kind's own content
// (only the member of its kind is filled).
struct PatientRequest {
  std::string mrn;
  std::string nonce;
  std::string provider;  // Messages: the recipient's config provider id; "" otherwise.
  MessageRequest message;
  ProfileChangeRequest change;
};

// What differs between the kinds of submission: where each is posted, how its body is parsed
// and which FHIR document it becomes. Everything else is the same for all.
struct SubmissionKind {
  ItemKind kind;
  std::string_view path;  // "/v1/messages".
  // The strict parse at `now` (message_request.h, profile_request.h).
  Status (*parse)(const PortalConfig& config, std::string_view body, int64_t now,
                  PatientRequest* out, std::string* field);
  // The document (fhir_document.h).
  std::string (*build)(const PortalConfig& config, const DocumentContext& context,
                       const PatientRequest& request);
};

// The kind posted to `path`; nullptr for any other path.
const SubmissionKind* SubmissionKindAt(std::string_view path);

}  // namespace portal
