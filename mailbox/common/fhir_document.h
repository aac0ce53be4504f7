#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/config.h"
#include "mailbox/common/patient_requests.h"

namespace portal {

// A proxy who signed a submission: an adult whose key is pinned for the patient's enrolment
// with role proxy. Neither part is the proxy's e-mail or account name.
struct DocumentProxy {
  std::string fingerprint;  // The proxy key's primary fingerprint (upper-case hex).
  std::string label;        // The link's label staff gave with the proxy code; "" when none.
};

// What the daemon knows about an accepted submission besides its content.
struct DocumentContext {
  std::string receipt;             // The queue's receipt id (32 hex).
  std::string patient_id;          // The Patient resource id pinned at enrolment ("" = unknown).
  std::string mrn;                 // Verified: the request was signed by a key pinned for it.
  int64_t received_at = 0;         // Seconds since the epoch.
  std::string signer_fingerprint;  // Primary-key fingerprint of the key that signed.
  // Set when that key is a proxy's: the document then names the proxy (a contained
  // RelatedPerson) as its sender or requester, for the patient (a contained Provenance whose
  // agent acts onBehalfOf the patient: FHIR R4's only onBehalfOf).
  std::optional<DocumentProxy> proxy;
  std::string signed_request;     // The request body exactly as received and signed.
  std::string request_signature;  // The detached OpenPGP signature (binary) over it.
};

// The canonical document of a patient's message: a FHIR R4 Communication (JSON) to the provider,
// with the patient's original signed request kept inside it as two attachments. Its id and
// identifier are the receipt and its recipient the provider: the queue row's receipt, kind and
// provider are inside what the service key signs (the staff side refuses a document found in
// another row). The sender is the Patient, or the proxy (see DocumentContext::proxy).
std::string BuildCommunication(const PortalConfig& config, const DocumentContext& context,
                               const MessageRequest& message);

// The canonical document of a profile-change request: a FHIR R4 Task (code "change", focus and
// for the Patient, one input per proposed value), with the original signed request inside it;
// id and identifier the receipt. The requester is the Patient, or the proxy.
std::string BuildChangeTask(const PortalConfig& config, const DocumentContext& context,
                            const ProfileChangeRequest& request);

}  // namespace portal
