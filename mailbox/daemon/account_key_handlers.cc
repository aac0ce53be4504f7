#include "mailbox/daemon/account_key_handlers.h"

#include <nlohmann/json.hpp>

#include "core/account_codes.h"
#include "core/fhir_time.h"
#include "mailbox/daemon/account_checks.h"
#include "mailbox/daemon/account_requests.h"
#include "mailbox/daemon/problems.h"

namespace portal {

namespace {

// The signature by the account's key as pinned, the key's bucket, then the nonce.
AccountAnswer Authenticate(MailboxContext* c, const HttpRequest& request,
                           const std::string& fingerprint, const std::string& nonce,
                           Account* account, RequestOutcome* outcome) {
  if (AccountAnswer a = AuthenticateAccount(
          c, fingerprint, request.body, HeaderOf(request, "portal-signature"), account, outcome)) {
    return a;
  }
  int retry = 0;
  if (!c->AllowKey(fingerprint, &retry)) {
    outcome->what = "rate-limited-key";
    return TooManyRequests("key", retry);
  }
  return UseAccountNonce(c, fingerprint, nonce, "nonce", outcome);
}

// The content type, the strict body (`parse`), then Authenticate with the body's fingerprint and
// nonce.
template <typename Request, typename Parse>
AccountAnswer Intake(MailboxContext* c, const HttpRequest& request, const Parse& parse, Request* r,
                     Account* account, RequestOutcome* outcome) {
  if (AccountAnswer a = CheckJsonContentType(request, outcome)) return a;
  std::string field;
  const Status st = parse(r, &field);
  if (!st.ok()) return InvalidRequest(st, field, outcome);
  return Authenticate(c, request, r->fingerprint, r->nonce, account, outcome);
}

// A staff proxy code, unused and unexpired, for a record whose patient was born on `birth_date`
// and may have a summary; *code is it.
AccountAnswer CheckProxyCode(MailboxContext* c, int64_t now, const ProxyLinkRequest& r,
                             const std::string& code_hash, ActivationCode* code,
                             RequestOutcome* outcome) {
  bool found = false;
  const Status st = c->WithAccounts([&](EnrollmentRegistry&, AccountStore& store) {
    return store.FindActivationCode(code_hash, code, &found);
  });
  if (!st.ok()) return AccountsUnavailable("registry-error", outcome);
  // A patient's own code is not for linking: the same answer as any other wrong code.
  if (!found || code->kind != CodeKind::kProxy || code->used_at != 0 || code->expires_at <= now) {
    return CodeMismatch(outcome);
  }
  bool match = false;
  std::string patient_id;
  if (!MatchRecord(c, code->mrn, r.birth_date, &match, &patient_id).ok()) {
    return AccountsUnavailable("directory-unavailable", outcome);
  }
  if (!match) return CodeMismatch(outcome);
  return std::nullopt;
}

}  // namespace

HttpResponse HandleKeyBlob(MailboxContext* context, const HttpRequest& request,
                           RequestOutcome* outcome) {
  const int64_t now = context->Now();
  KeyBlobRequest r;
  Account account;
  const auto parse = [&](KeyBlobRequest* out, std::string* field) {
    return ParseKeyBlobRequest(context->config(), request.body, now, out, field);
  };
  if (AccountAnswer a = Intake(context, request, parse, &r, &account, outcome)) return *a;
  // The key alone does not change the password: whoever holds an unlocked device must also know
  // the current one.
  if (!ConstantTimeEquals(context->secrets().AuthVerifier(r.old_auth_key), account.auth_verifier)) {
    return Refuse(401, "wrong-password", "old_auth_key",
                  "old_auth_key: the current password is not right", outcome);
  }
  const Status st = context->WithAccounts([&](EnrollmentRegistry&, AccountStore& store) {
    return store.ReplaceBlob(account.id, r.kdf, context->secrets().AuthVerifier(r.auth_key),
                             r.key_blob, now);
  });
  if (!st.ok()) return AccountsUnavailable("registry-error", outcome);
  outcome->what = "password-changed";
  return JsonResponse(200,
                      {{"fingerprint", account.fingerprint}, {"updated_at", FormatInstant(now)}});
}

HttpResponse HandleProxyLink(MailboxContext* context, const HttpRequest& request,
                             RequestOutcome* outcome) {
  const int64_t now = context->Now();
  ProxyLinkRequest r;
  Account account;
  const auto parse = [&](ProxyLinkRequest* out, std::string* field) {
    return ParseProxyLinkRequest(request.body, now, out, field);
  };
  if (AccountAnswer a = Intake(context, request, parse, &r, &account, outcome)) return *a;
  const std::string code_hash = ActivationCodeHash(r.activation_code);
  ActivationCode code;
  if (AccountAnswer a = CheckProxyCode(context, now, r, code_hash, &code, outcome)) return *a;
  AccountOutcome result = AccountOutcome::kCodeSpent;
  std::string mrn, token;
  const Status st = context->WithAccounts([&](EnrollmentRegistry&, AccountStore& store) {
    return store.LinkProxy(account.id, code_hash, now, &result, &mrn, &token);
  });
  if (!st.ok()) return AccountsUnavailable("registry-error", outcome);
  if (result == AccountOutcome::kHasAccount || result == AccountOutcome::kKeyInUse) {
    return Refuse(409, "already-linked", "code", "code: this account already opens that record",
                  outcome);
  }
  if (result != AccountOutcome::kDone) return CodeMismatch(outcome);
  outcome->what = "proxy-linked";
  return JsonResponse(201,
                      {{"mrn", mrn}, {"token", token}, {"role", "proxy"}, {"label", code.label}});
}

}  // namespace portal
