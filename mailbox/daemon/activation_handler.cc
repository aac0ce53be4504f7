#include "mailbox/daemon/activation_handler.h"

#include <nlohmann/json.hpp>

#include "core/account_codes.h"
#include "core/base64.h"
#include "core/sqlite_db.h"
#include "mailbox/daemon/account_checks.h"
#include "mailbox/daemon/account_requests.h"
#include "mailbox/daemon/key_intake.h"
#include "mailbox/daemon/problems.h"
#include "mailbox/daemon/reset_notice.h"

namespace portal {

namespace {

// An activation or key reset on its way through the steps below.
struct Pending {
  KeyRequest request;
  EnrolledKey key;  // The new key, checked.
  std::string mrn;  // The record the code opens.
  RecordRole role = RecordRole::kSelf;
  std::string label;       // A proxy code's.
  std::string code_hash;   // ActivationCodeHash or MailedCodeHash.
  std::string mailed_to;   // An e-mailed code's address.
  std::string patient_id;  // From the patient directory.
};

// A new key that is some account's already, or pinned on the record in another role.
HttpResponse KeyInUse(RequestOutcome* outcome) {
  return Refuse(409, "key-in-use", "public_key",
                "public_key: this key is already in use for this record or another account; "
                "make a new key",
                outcome);
}

// The new key (key_intake.h), and that it signed the exact body.
AccountAnswer CheckKey(MailboxContext* c, const HttpRequest& request, Pending* p,
                       RequestOutcome* outcome) {
  std::string signature;
  if (!Base64Decode(HeaderOf(request, "portal-signature"), &signature) || signature.empty()) {
    outcome->what = "unsigned";
    return Unauthorized(
        "the request must carry Portal-Signature: a base64 detached OpenPGP signature over the "
        "exact body by the key in public_key");
  }
  KeyIntake result = KeyIntake::kUnusableKey;
  const size_t max_bytes = static_cast<size_t>(c->config().accounts.max_public_key_kib) * 1024;
  if (!CheckNewKey(c->layout().intake_dir, p->request.public_key, max_bytes, request.body,
                   signature, &result, &p->key)
           .ok()) {
    return AccountsUnavailable("intake-error", outcome);
  }
  if (result == KeyIntake::kUnusableKey) {
    return Refuse(422, "unusable-key", "public_key",
                  "public_key: must be one OpenPGP public key that can sign and encrypt (v4, not "
                  "expired or revoked)",
                  outcome);
  }
  if (result == KeyIntake::kBadSignature) {
    outcome->what = "not-verified";
    return Unauthorized(
        "the signature is not a valid signature over this request by the key in "
        "public_key");
  }
  return std::nullopt;
}

// An activation's code: a staff code (unused, unexpired, for `mrn` if one was sent) or the
// newest live e-mailed register code of `mrn` (a wrong one counts a try); then the record.
AccountAnswer CheckActivationCode(MailboxContext* c, int64_t now, Pending* p,
                                  RequestOutcome* outcome) {
  const KeyRequest& r = p->request;
  bool good = false;
  const Status st = c->WithAccounts([&](EnrollmentRegistry&, AccountStore& store) {
    if (r.mailed) {
      p->mrn = r.mrn;
      p->code_hash = c->secrets().MailedCodeHash(r.mrn, r.code);
      MailedCode mailed;
      PORTAL_RETURN_IF_ERROR(store.CheckMailedCode(r.mrn, MailedPurpose::kRegister, p->code_hash,
                                                   now, c->config().accounts.email_code_tries,
                                                   &good, &mailed));
      p->mailed_to = mailed.email;
      return Status::Ok();
    }
    p->code_hash = ActivationCodeHash(r.activation_code);
    ActivationCode code;
    bool found = false;
    PORTAL_RETURN_IF_ERROR(store.FindActivationCode(p->code_hash, &code, &found));
    good =
        found && code.used_at == 0 && code.expires_at > now && (r.mrn.empty() || r.mrn == code.mrn);
    p->mrn = code.mrn;
    p->role = code.kind == CodeKind::kPatient ? RecordRole::kSelf : RecordRole::kProxy;
    p->label = code.label;
    return Status::Ok();
  });
  if (!st.ok()) return AccountsUnavailable("registry-error", outcome);
  if (!good) return CodeMismatch(outcome);
  // A proxy code asks for the patient's birth date and needs the patient eligible, too.
  bool match = false;
  if (!MatchRecord(c, p->mrn, r.birth_date, &match, &p->patient_id).ok()) {
    return AccountsUnavailable("directory-unavailable", outcome);
  }
  if (!match) return CodeMismatch(outcome);
  return std::nullopt;
}

// CreateAccount and, for an e-mailed code, the enrolment's notice address, in one transaction.
Status CreateAccount(EnrollmentRegistry& registry, AccountStore& store, const NewAccount& a,
                     const std::string& notice_email, int64_t now, int64_t max_tries,
                     AccountOutcome* outcome, std::string* token) {
  Status st;
  {
    SqliteTransaction txn(registry.db());
    st = txn.Begin();
    if (st.ok()) st = store.CreateAccount(a, now, max_tries, outcome, token);
    const bool done = st.ok() && *outcome == AccountOutcome::kDone;
    if (done && !notice_email.empty()) st = registry.SetEmail(a.mrn, notice_email);
    if (done && st.ok()) st = txn.Commit();
  }  // Rolled back unless committed.
  // Key files a replaced pin left unused go only now that the outer transaction ended.
  const Status swept = registry.SweepKeyFiles();
  return st.ok() ? swept : st;
}

HttpResponse WriteAccount(MailboxContext* c, int64_t now, const Pending& p,
                          RequestOutcome* outcome) {
  const KeyRequest& r = p.request;
  NewAccount a;
  a.logon_id = r.logon_id;
  a.kdf = r.kdf;
  a.auth_verifier = c->secrets().AuthVerifier(r.auth_key);
  a.key_blob = r.key_blob;
  a.key = p.key;
  a.key_data = r.public_key;
  a.mrn = p.mrn;
  a.patient_id = p.patient_id;
  a.role = p.role;
  a.label = p.label;
  if (r.mailed) {
    a.mailed_purpose = MailedPurpose::kRegister;
    a.mailed_code_hash = p.code_hash;
  } else {
    a.activation_code_hash = p.code_hash;
  }
  AccountOutcome result = AccountOutcome::kCodeSpent;
  std::string token;
  const Status st = c->WithAccounts([&](EnrollmentRegistry& registry, AccountStore& store) {
    return CreateAccount(registry, store, a, p.mailed_to, now,
                         c->config().accounts.email_code_tries, &result, &token);
  });
  if (!st.ok()) return AccountsUnavailable("registry-error", outcome);
  switch (result) {
    case AccountOutcome::kDone:
      break;
    case AccountOutcome::kCodeSpent:
      return CodeMismatch(outcome);
    case AccountOutcome::kLogonIdTaken:
      return Refuse(409, "logon-id-taken", "logon_id", "this Logon ID is taken; choose another",
                    outcome);
    case AccountOutcome::kHasAccount:
      return Refuse(409, "has-account", "",
                    "this record already has an account; use Forgot Password", outcome);
    case AccountOutcome::kKeyInUse:
      return KeyInUse(outcome);
  }
  outcome->what = "activated";
  return JsonResponse(201, {{"token", token},
                            {"fingerprint", p.key.fingerprint},
                            {"mrn", p.mrn},
                            {"role", std::string(ToString(p.role))}});
}

// A key reset's code (the newest live e-mailed recover code of `mrn`; a wrong one counts a try),
// the record, and its self account.
AccountAnswer CheckRecoverCode(MailboxContext* c, int64_t now, Pending* p, Account* account,
                               RequestOutcome* outcome) {
  const KeyRequest& r = p->request;
  p->mrn = r.mrn;
  p->code_hash = c->secrets().MailedCodeHash(r.mrn, r.code);
  bool good = false, found = false;
  const Status st = c->WithAccounts([&](EnrollmentRegistry&, AccountStore& store) {
    MailedCode mailed;
    PORTAL_RETURN_IF_ERROR(store.CheckMailedCode(r.mrn, MailedPurpose::kRecover, p->code_hash, now,
                                                 c->config().accounts.email_code_tries, &good,
                                                 &mailed));
    p->mailed_to = mailed.email;
    if (!good) return Status::Ok();
    return store.FindByRecord(r.mrn, RecordRole::kSelf, account, &found);
  });
  if (!st.ok()) return AccountsUnavailable("registry-error", outcome);
  if (!good) return CodeMismatch(outcome);
  bool match = false;
  if (!MatchRecord(c, p->mrn, r.birth_date, &match, &p->patient_id).ok()) {
    return AccountsUnavailable("directory-unavailable", outcome);
  }
  if (!match || !found) return CodeMismatch(outcome);
  return std::nullopt;
}

HttpResponse ResetKey(MailboxContext* c, int64_t now, const Pending& p, const Account& account,
                      RequestOutcome* outcome) {
  const KeyRequest& r = p.request;
  AccountOutcome result = AccountOutcome::kCodeSpent;
  Enrollment enrollment;
  bool enrolled = false;
  const Status st = c->WithAccounts([&](EnrollmentRegistry& registry, AccountStore& store) {
    PORTAL_RETURN_IF_ERROR(store.ResetKey(account.id, p.mrn, p.code_hash, p.key, r.public_key,
                                          r.kdf, c->secrets().AuthVerifier(r.auth_key), r.key_blob,
                                          now, c->config().accounts.email_code_tries, &result));
    if (result != AccountOutcome::kDone) return Status::Ok();
    // Whoever locked the Logon ID out by guessing, the new password opens it.
    PORTAL_RETURN_IF_ERROR(store.ClearSignInFailures(c->secrets().LogonKey(account.logon_id)));
    return registry.Find(p.mrn, &enrollment, &enrolled);
  });
  if (!st.ok()) return AccountsUnavailable("registry-error", outcome);
  if (result == AccountOutcome::kKeyInUse) return KeyInUse(outcome);
  if (result != AccountOutcome::kDone) return CodeMismatch(outcome);
  QueueResetNotice(c, now, p.mailed_to, enrollment.email);
  outcome->what = "key-reset";
  return JsonResponse(200, {{"token", enrollment.token},
                            {"fingerprint", p.key.fingerprint},
                            {"mrn", p.mrn},
                            {"logon_id", account.logon_id}});
}

using KeyRequestParser = Status (*)(const PortalConfig&, std::string_view, int64_t, KeyRequest*,
                                    std::string*);

// The steps before the code, cheap strict checks first (only a well-formed request costs gpg):
// the content type, the body, the new key and its signature, the nonce.
AccountAnswer Intake(MailboxContext* c, const HttpRequest& request, int64_t now,
                     KeyRequestParser parse, Pending* p, RequestOutcome* outcome) {
  if (AccountAnswer a = CheckJsonContentType(request, outcome)) return a;
  std::string field;
  const Status st = parse(c->config(), request.body, now, &p->request, &field);
  if (!st.ok()) return InvalidRequest(st, field, outcome);
  if (AccountAnswer a = CheckKey(c, request, p, outcome)) return a;
  return UseAccountNonce(c, p->key.fingerprint, p->request.nonce, "nonce", outcome);
}

}  // namespace

HttpResponse HandleActivation(MailboxContext* context, const HttpRequest& request,
                              RequestOutcome* outcome) {
  const int64_t now = context->Now();
  Pending p;
  if (AccountAnswer a = Intake(context, request, now, ParseActivationRequest, &p, outcome)) {
    return *a;
  }
  if (AccountAnswer a = CheckActivationCode(context, now, &p, outcome)) return *a;
  return WriteAccount(context, now, p, outcome);
}

HttpResponse HandleKeyReset(MailboxContext* context, const HttpRequest& request,
                            RequestOutcome* outcome) {
  const int64_t now = context->Now();
  Pending p;
  if (AccountAnswer a = Intake(context, request, now, ParseKeyResetRequest, &p, outcome)) {
    return *a;
  }
  Account account;
  if (AccountAnswer a = CheckRecoverCode(context, now, &p, &account, outcome)) return *a;
  return ResetKey(context, now, p, account, outcome);
}

}  // namespace portal
