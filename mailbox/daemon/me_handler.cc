#include "mailbox/daemon/me_handler.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/fhir_time.h"
#include "core/patient_directory.h"
#include "core/reply_dropbox.h"
#include "mailbox/daemon/account_checks.h"
#include "mailbox/daemon/account_requests.h"
#include "mailbox/daemon/problems.h"
#include "mailbox/daemon/request_fields.h"

namespace portal {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// Where the site serves a token's files from, as GET /v1/me names them.
constexpr char kPublishedPrefix[] = "patients/";
// The nightly run's pages: the patient's own, and the proxies' (sealed to proxy keys only).
constexpr char kPatientPage[] = "summary.html.pgp";
constexpr char kProxyPage[] = "summary-proxy.html.pgp";
// "My requests" shows this many of a record's newest items.
constexpr int kRequestsShown = 50;

// What the client signs (docs/architecture.md, "Patients' accounts").
std::string MeQueryText(const std::string& fingerprint, const std::string& timestamp,
                        const std::string& nonce) {
  return "GET /v1/me\n" + fingerprint + "\n" + timestamp + "\n" + nonce + "\n";
}

// The query's parts, checked like a body's fields; a failure names the header.
AccountAnswer CheckHeaders(const HttpRequest& request, int64_t now, std::string* fingerprint,
                           std::string* nonce, RequestOutcome* outcome) {
  const json parts = {{"timestamp", HeaderOf(request, "portal-timestamp")},
                      {"nonce", HeaderOf(request, "portal-nonce")}};
  std::string field, detail;
  int64_t timestamp = 0;
  if (!NormalizeFingerprint(HeaderOf(request, "portal-key"), fingerprint)) {
    field = "Portal-Key";
    detail = "Portal-Key: must be the account key's fingerprint (40 hex digits)";
  } else if (Status st = GetTimestamp(parts, now, &timestamp, &field); !st.ok()) {
    detail = "Portal-Timestamp" + st.message().substr(field.size());
    field = "Portal-Timestamp";
  } else if (Status st = GetNonce(parts, nonce, &field); !st.ok()) {
    detail = "Portal-Nonce" + st.message().substr(field.size());
    field = "Portal-Nonce";
  } else {
    return std::nullopt;
  }
  return Refuse(422, "invalid", field, detail, outcome);
}

// The reply files the nightly run published for `token`, by name ("" folder: none yet).
std::vector<std::string> PublishedReplies(const fs::path& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    const std::string name = it->path().filename().string();
    if (it->is_regular_file(type_ec) && IsReplyFileName(name)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// What `fingerprint` sent for the record, newest first. Items queued before the queue kept the
// sender are the patient's own record's: a proxy sees only what its own key sent.
Status RequestsJson(MailboxContext* context, const AccountRecord& r, const std::string& token,
                    const std::string& fingerprint, json* out) {
  std::vector<SentItem> items;
  PORTAL_RETURN_IF_ERROR(
      context->SentBy(token, fingerprint, r.role == RecordRole::kSelf, kRequestsShown, &items));
  *out = json::array();
  for (const SentItem& i : items) {
    out->push_back({{"receipt", i.receipt},
                    {"kind", std::string(ToString(i.kind))},
                    {"state", std::string(ToString(i.state))},
                    {"sent_at", FormatInstant(i.received_at)}});
  }
  return Status::Ok();
}

// One record of the account as the app shows it.
json RecordJson(const PortalConfig& config, const AccountRecord& r, const std::string& token,
                PatientDirectory* directory, json requests) {
  const std::string base = std::string(kPublishedPrefix) + token + "/";
  const fs::path folder = config.paths.summaries_output_dir / token;
  const std::string page = r.role == RecordRole::kProxy ? kProxyPage : kPatientPage;
  std::error_code ec;
  std::string summary = "pending";
  if (fs::is_regular_file(folder / page, ec)) {
    summary = "published";
  } else if (directory != nullptr) {
    DirectoryEntry entry;
    bool found = false;
    // Not in the store, or not allowed a summary now: none will come by waiting.
    if (directory->Find(r.mrn, &entry, &found).ok() &&
        (!found || entry.standing != Eligibility::kEligible)) {
      summary = "unavailable";
    }
  }
  json replies = json::array();
  for (const std::string& name : PublishedReplies(folder / "replies")) {
    replies.push_back(base + "replies/" + name);
  }
  return {{"mrn", r.mrn},
          {"token", token},
          {"role", std::string(ToString(r.role))},
          {"label", r.label},
          {"summary", summary},
          {"summary_path", base + page},
          {"replies", replies},
          {"requests", std::move(requests)}};
}

}  // namespace

HttpResponse HandleMe(MailboxContext* context, const HttpRequest& request,
                      RequestOutcome* outcome) {
  const int64_t now = context->Now();
  std::string fingerprint, nonce;
  if (AccountAnswer a = CheckHeaders(request, now, &fingerprint, &nonce, outcome)) return *a;
  // Signed as sent: the header's own spelling of the fingerprint.
  const std::string text =
      MeQueryText(HeaderOf(request, "portal-key"), HeaderOf(request, "portal-timestamp"), nonce);
  Account account;
  if (AccountAnswer a = AuthenticateAccount(
          context, fingerprint, text, HeaderOf(request, "portal-signature"), &account, outcome)) {
    return *a;
  }
  if (AccountAnswer a = UseAccountNonce(context, fingerprint, nonce, "Portal-Nonce", outcome)) {
    return *a;
  }
  std::map<std::string, std::string> tokens;  // MRN -> token, for the records still enrolled.
  const Status st = context->WithAccounts([&](EnrollmentRegistry& registry, AccountStore&) {
    for (const AccountRecord& r : account.records) {
      Enrollment e;
      bool enrolled = false;
      PORTAL_RETURN_IF_ERROR(registry.Find(r.mrn, &e, &enrolled));
      if (enrolled) tokens[r.mrn] = e.token;
    }
    return Status::Ok();
  });
  if (!st.ok()) return AccountsUnavailable("registry-error", outcome);
  // Without a directory (never built) nothing is known to be unavailable, nor when it ran.
  std::unique_ptr<PatientDirectory> directory;
  if (!context->OpenDirectory(&directory).ok()) directory.reset();
  DirectoryStamp stamp;
  const bool stamped = directory != nullptr && directory->Stamp(&stamp).ok();
  json records = json::array();
  for (const AccountRecord& r : account.records) {
    const auto it = tokens.find(r.mrn);
    if (it == tokens.end()) continue;
    json requests;
    if (!RequestsJson(context, r, it->second, account.fingerprint, &requests).ok()) {
      outcome->what = "queue-error";
      return Unavailable("the queue cannot be read; try again");
    }
    records.push_back(
        RecordJson(context->config(), r, it->second, directory.get(), std::move(requests)));
  }
  outcome->what = "me";
  json body = {{"fingerprint", account.fingerprint}, {"records", records}};
  body["last_nightly_run"] =
      stamped && stamp.last_nightly_at > 0 ? json(FormatInstant(stamp.last_nightly_at)) : json();
  return JsonResponse(200, body);
}

}  // namespace portal
