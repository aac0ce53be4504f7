#include "mailbox/daemon/authenticate.h"

#include "core/base64.h"
#include "core/openpgp_packets.h"
#include "mailbox/daemon/problems.h"

namespace portal {

namespace {

constexpr char kUnsigned[] =
    "the request must carry Portal-Signature: a base64 detached OpenPGP signature over the "
    "exact body by a key enrolled for the request's MRN";
constexpr char kNotVerified[] =
    "the signature is not a valid signature over this request by a key enrolled for its MRN";

}  // namespace

std::optional<HttpResponse> Authenticate(MailboxContext* context, const std::string& mrn,
                                         const std::string& data, const std::string& signature_b64,
                                         Enrollment* enrollment, std::string* fingerprint,
                                         RequestOutcome* outcome) {
  std::string signature;
  if (signature_b64.empty() || !Base64Decode(signature_b64, &signature)) {
    outcome->what = "unsigned";
    return Unauthorized(kUnsigned);
  }
  // Before gpg, and before the MRN is looked up (so it costs the same for every MRN): one small
  // binary v4 signature packet, or the answer a bad signature gets (no oracle for the rule).
  if (!CheckDetachedSignature(signature).ok()) {
    outcome->what = "refused-signature";
    return Unauthorized(kNotVerified);
  }
  bool found = false;
  if (!context->FindEnrollment(mrn, enrollment, &found).ok()) {
    outcome->what = "registry-error";
    return Unavailable("the registry cannot be read; try again");
  }
  // An MRN nobody enrolled looks exactly like a wrong key, in its answer and, through the decoy
  // check, in its time: no enrolment oracle.
  if (!found) {
    context->VerifyDecoy(data, signature);
    outcome->what = "not-verified";
    return Unauthorized(kNotVerified);
  }
  bool good = false;
  if (!context->Verify(*enrollment, data, signature, &good, fingerprint).ok()) {
    outcome->what = "verify-error";
    return Unavailable("the signature could not be checked; try again");
  }
  if (!good) {
    outcome->what = "not-verified";
    return Unauthorized(kNotVerified);
  }
  return std::nullopt;
}

}  // namespace portal
