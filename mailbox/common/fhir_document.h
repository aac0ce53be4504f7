#pragma once

#include <cstdint>
#include <string>

#include "core/config.h"
#include "mailbox/common/patient_requests.h"

namespace portal {

// What the daemon knows about an accepted submission besides its content.
struct DocumentContext {
  std::string receipt;             // The queue's receipt id (32 hex).
  std::string patient_id;          // The Patient resource id pinned at enrolment ("" = unknown).
  std::string mrn;                 // Verified: the request was signed by a key pinned for it.
  int64_t received_at = 0;         // Seconds since the epoch.
  std::string signer_fingerprint;  // Primary-key fingerprint of the patient's signing key.
  std::string signed_request;      // The request body exactly as received and signed.
  std::string request_signature;   // The detached OpenPGP signature (binary) over it.
};

// The canonical document of a patient's message: a FHIR R4 Communication (JSON) to the provider,
// with the patient's original signed request kept inside it as two attachments.
std::string BuildCommunication(const PortalConfig& config, const DocumentContext& context,
                               const MessageRequest& message);

// The canonical document of a profile-change request: a FHIR R4 Task (code "change", focus and
// for the Patient, one input per proposed value), with the original signed request inside it.
std::string BuildChangeTask(const PortalConfig& config, const DocumentContext& context,
                            const ProfileChangeRequest& request);

}  // namespace portal
