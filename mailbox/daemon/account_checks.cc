#include "mailbox/daemon/account_checks.h"

#include <cctype>

#include "core/base64.h"
#include "core/patient_directory.h"
#include "mailbox/daemon/problems.h"

namespace portal {

namespace {

constexpr char kNoMatch[] =
    "the code, MRN or date of birth does not match, or the code has expired or was used";
constexpr char kNotVerified[] =
    "the request must carry Portal-Signature: a base64 detached OpenPGP signature over it by the "
    "key of an account";

}  // namespace

AccountAnswer CheckJsonContentType(const HttpRequest& request, RequestOutcome* outcome) {
  std::string type;
  for (char c : HeaderOf(request, "content-type")) {
    type += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (type == "application/json" || type.starts_with("application/json;")) return std::nullopt;
  outcome->what = "wrong-content-type";
  return Problem(415, "Unsupported Media Type", "the body must be application/json",
                 "Content-Type");
}

HttpResponse InvalidRequest(const Status& status, const std::string& field,
                            RequestOutcome* outcome) {
  outcome->what = "invalid";
  outcome->field = field;
  return FieldProblem(status, field);
}

HttpResponse Refuse(int status, const std::string& what, const std::string& field,
                    const std::string& detail, RequestOutcome* outcome) {
  outcome->what = what;
  outcome->field = field;
  const char* title = status == 401   ? "Unauthorized"
                      : status == 403 ? "Forbidden"
                      : status == 409 ? "Conflict"
                                      : "Unprocessable Content";
  return Problem(status, title, detail, field);
}

HttpResponse CodeMismatch(RequestOutcome* outcome) {
  return Refuse(422, "code-mismatch", "code", kNoMatch, outcome);
}

HttpResponse AccountsUnavailable(const std::string& what, RequestOutcome* outcome) {
  outcome->what = what;
  return Unavailable("accounts cannot be changed or read now; nothing was stored; try again later");
}

Status MatchRecord(MailboxContext* context, const std::string& mrn, const std::string& birth_date,
                   bool* match, std::string* patient_id) {
  *match = false;
  std::unique_ptr<PatientDirectory> directory;
  PORTAL_RETURN_IF_ERROR(context->OpenDirectory(&directory));
  DirectoryEntry entry;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(directory->Find(mrn, &entry, &found));
  *match = found && entry.standing == Eligibility::kEligible && entry.birth_date == birth_date;
  if (*match) *patient_id = entry.patient_id;
  return Status::Ok();
}

AccountAnswer UseAccountNonce(MailboxContext* context, const std::string& fingerprint,
                              const std::string& nonce, const std::string& field,
                              RequestOutcome* outcome) {
  bool fresh = false;
  if (!context->UseNonce("account:" + fingerprint, nonce, context->Now(), &fresh).ok()) {
    return AccountsUnavailable("queue-error", outcome);
  }
  if (fresh) return std::nullopt;
  return Refuse(409, "replayed-nonce", field,
                field + ": was used before; sign the request with a new one", outcome);
}

AccountAnswer AuthenticateAccount(MailboxContext* context, const std::string& fingerprint,
                                  std::string_view data, const std::string& signature_b64,
                                  Account* account, RequestOutcome* outcome) {
  std::string signature;
  if (signature_b64.empty() || !Base64Decode(signature_b64, &signature)) {
    outcome->what = "unsigned";
    return Unauthorized(kNotVerified);
  }
  bool found = false, enrolled = false;
  Enrollment enrollment;
  const Status st = context->WithAccounts([&](EnrollmentRegistry& registry, AccountStore& store) {
    PORTAL_RETURN_IF_ERROR(store.FindByFingerprint(fingerprint, account, &found));
    // The key is pinned on each of the account's records: any enrolled one can check it.
    for (const AccountRecord& r : found ? account->records : std::vector<AccountRecord>{}) {
      PORTAL_RETURN_IF_ERROR(registry.Find(r.mrn, &enrollment, &enrolled));
      if (enrolled) break;
    }
    return Status::Ok();
  });
  if (!st.ok()) return AccountsUnavailable("registry-error", outcome);
  // No account for the key looks exactly like a bad signature, in its time too (the decoy
  // check): no account oracle.
  if (!found || !enrolled) {
    context->VerifyDecoy(data, signature);
    outcome->what = "not-verified";
    return Unauthorized(kNotVerified);
  }
  bool good = false;
  std::string signer;
  if (!context->Verify(enrollment, data, signature, &good, &signer).ok()) {
    return AccountsUnavailable("verify-error", outcome);
  }
  // Another key pinned on the same record (the patient's, another proxy's) is not this account.
  if (!good || signer != account->fingerprint) {
    outcome->what = "not-verified";
    return Unauthorized(kNotVerified);
  }
  if (account->locked) {
    return Refuse(403, "locked", "",
                  "this account is locked; call " + context->config().help_line.display, outcome);
  }
  return std::nullopt;
}

}  // namespace portal
