#include "mailbox/daemon/sign_in_handlers.h"

#include <atomic>
#include <nlohmann/json.hpp>

#include "mailbox/daemon/account_checks.h"
#include "mailbox/daemon/account_fields.h"
#include "mailbox/daemon/problems.h"
#include "mailbox/daemon/request_fields.h"

namespace portal {

namespace {

using json = nlohmann::json;

constexpr char kWrong[] = "the Logon ID or password is not right";
constexpr int64_t kPruneEverySeconds = 60;
constexpr int64_t kForgetFailuresAfterSeconds = 24 * 60 * 60;

// What a sign-in came to, decided under the registry's lock and answered after it.
struct SignIn {
  enum class Result { kWaiting, kWrong, kStaffLocked, kSignedIn } result = Result::kWrong;
  int64_t retry_after = 0;
  Account account;
  json records = json::array();
};

// Failure rows nobody touched for a day go, at most once a minute (per process: the only cost
// of a second daemon context is an extra prune). A failed prune waits for the next minute; it
// never fails a sign-in.
void MaybePrune(AccountStore& accounts, int64_t now) {
  static std::atomic<int64_t> pruned_at{0};
  int64_t last = pruned_at.load();
  if (now - last < kPruneEverySeconds || !pruned_at.compare_exchange_strong(last, now)) return;
  (void)accounts.PruneSignInFailures(now - kForgetFailuresAfterSeconds).ok();
}

// The records the account opens, each with its enrolment's token.
Status RecordsOf(EnrollmentRegistry& registry, const Account& account, json* out) {
  for (const AccountRecord& r : account.records) {
    Enrollment e;
    bool enrolled = false;
    PORTAL_RETURN_IF_ERROR(registry.Find(r.mrn, &e, &enrolled));
    if (!enrolled) continue;  // Unenrolled by staff meanwhile: nothing to open there.
    out->push_back(
        {{"mrn", r.mrn}, {"token", e.token}, {"role", ToString(r.role)}, {"label", r.label}});
  }
  return Status::Ok();
}

// The whole sign-in under one hold of the registry: the wait first, then one lookup and one
// constant-time comparison whether or not the Logon ID exists.
Status DecideSignIn(MailboxContext* context, EnrollmentRegistry& registry, AccountStore& accounts,
                    const std::string& logon_id, const std::string& verifier, int64_t now,
                    SignIn* out) {
  const PortalConfig::Accounts& limits = context->config().accounts;
  const std::string logon_key = context->secrets().LogonKey(logon_id);
  MaybePrune(accounts, now);
  int64_t failures = 0, locked_until = 0;
  PORTAL_RETURN_IF_ERROR(accounts.SignInState(logon_key, &failures, &locked_until));
  if (locked_until > now) {
    out->result = SignIn::Result::kWaiting;
    out->retry_after = locked_until - now;
    return Status::Ok();
  }
  bool found = false;
  PORTAL_RETURN_IF_ERROR(accounts.FindByLogonId(logon_id, &out->account, &found));
  // An unknown Logon ID is compared against a fixed verifier no auth key maps to in practice, so
  // it costs what a known one does.
  static const std::string kNobody(32, '\0');
  const bool right = ConstantTimeEquals(verifier, found ? out->account.auth_verifier : kNobody);
  if (!found || !right) {
    out->result = SignIn::Result::kWrong;
    return accounts.RecordSignInFailure(logon_key, now, limits.lockout_failures,
                                        limits.lockout_initial_seconds, limits.lockout_max_seconds,
                                        &locked_until);
  }
  // Only the right password learns that staff locked the account.
  if (out->account.locked) {
    out->result = SignIn::Result::kStaffLocked;
    return Status::Ok();
  }
  SqliteTransaction txn(registry.db());
  PORTAL_RETURN_IF_ERROR(txn.Begin());
  PORTAL_RETURN_IF_ERROR(accounts.ClearSignInFailures(logon_key));
  PORTAL_RETURN_IF_ERROR(accounts.NoteSignIn(out->account.id, now));
  PORTAL_RETURN_IF_ERROR(txn.Commit());
  out->result = SignIn::Result::kSignedIn;
  return RecordsOf(registry, out->account, &out->records);
}

HttpResponse Answer(MailboxContext* context, const SignIn& s, RequestOutcome* outcome) {
  switch (s.result) {
    case SignIn::Result::kWaiting: {
      outcome->what = "signin-waiting";
      HttpResponse r = Problem(429, "Too Many Requests",
                               "too many wrong sign-ins for this Logon ID; retry after the "
                               "seconds in Retry-After");
      r.headers["Retry-After"] = std::to_string(s.retry_after);
      return r;
    }
    case SignIn::Result::kWrong:
      outcome->what = "signin-wrong";
      return Problem(401, "Unauthorized", kWrong);
    case SignIn::Result::kStaffLocked:
      outcome->what = "locked";
      return Problem(403, "Forbidden",
                     "this account is locked; call " + context->config().help_line.display);
    case SignIn::Result::kSignedIn:
      break;
  }
  outcome->what = "signed-in";
  HttpResponse r = JsonResponse(200, {{"fingerprint", s.account.fingerprint},
                                      {"key_blob", s.account.key_blob},
                                      {"records", s.records}});
  r.headers["Cache-Control"] = "no-store";  // The key blob and the tokens stay off caches.
  return r;
}

}  // namespace

HttpResponse HandlePrelogin(MailboxContext* context, const HttpRequest& request,
                            RequestOutcome* outcome) {
  if (auto refused = CheckJsonContentType(request, outcome)) return *refused;
  json body;
  std::string field, logon_id;
  Status st = ParseRequestObject(request.body, {"logon_id"}, &body, &field);
  if (st.ok()) st = GetLogonId(context->config(), body, &logon_id, &field);
  if (!st.ok()) return InvalidRequest(st, field, outcome);
  // The fake salt is made for every ID and one lookup done: known and unknown cost the same.
  KdfSettings kdf;  // The defaults: what a new account would have.
  kdf.salt = context->secrets().FakeSalt(logon_id);
  Account account;
  bool found = false;
  st = context->WithAccounts([&](EnrollmentRegistry&, AccountStore& accounts) {
    return accounts.FindByLogonId(logon_id, &account, &found);
  });
  if (!st.ok()) return AccountsUnavailable("registry-error", outcome);
  if (found) kdf = account.kdf;
  outcome->what = "prelogin";  // One word for both: the log does not tell them apart either.
  return JsonResponse(200, {{"kdf", KdfJson(kdf)}});
}

HttpResponse HandleSignIn(MailboxContext* context, const HttpRequest& request,
                          RequestOutcome* outcome) {
  if (auto refused = CheckJsonContentType(request, outcome)) return *refused;
  json body;
  std::string field, logon_id, auth_key;
  Status st = ParseRequestObject(request.body, {"logon_id", "auth_key"}, &body, &field);
  if (st.ok()) st = GetLogonId(context->config(), body, &logon_id, &field);
  if (st.ok()) st = GetBase64Bytes(body, "auth_key", 32, &auth_key, &field);
  if (!st.ok()) return InvalidRequest(st, field, outcome);
  const std::string verifier = context->secrets().AuthVerifier(auth_key);
  const int64_t now = context->Now();
  SignIn s;
  st = context->WithAccounts([&](EnrollmentRegistry& registry, AccountStore& accounts) {
    return DecideSignIn(context, registry, accounts, logon_id, verifier, now, &s);
  });
  if (!st.ok()) return AccountsUnavailable("registry-error", outcome);
  return Answer(context, s, outcome);
}

}  // namespace portal
