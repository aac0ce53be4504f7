#include "generator/ehr/smart_token.h"

#include <nlohmann/json.hpp>

#include "core/json_view.h"

namespace portal {

namespace {

constexpr int64_t kRefreshMargin = 60;   // Seconds before expiry a kept token is replaced.
constexpr int kAssertionLifetime = 300;  // The most SMART allows (exp <= 5 minutes).

}  // namespace

std::string BackendScope(const std::vector<std::string>& types, const std::string& syntax) {
  std::string scope;
  for (const auto& t : types) {
    if (!scope.empty()) scope += ' ';
    scope += "system/" + t + (syntax == "v2" ? ".rs" : ".read");
  }
  return scope;
}

Status SmartToken::Discover(HttpClient* http) {
  HttpCall call;
  call.url = options_.base_url + "/.well-known/smart-configuration";
  call.headers = {"Accept: application/json"};
  call.max_body = 1 << 20;
  HttpResponse r;
  PORTAL_RETURN_IF_ERROR(http->Fetch(call, &r));
  if (r.status != 200) {
    return Status::IoError(UrlForLog(call.url) + ": HTTP " + std::to_string(r.status) +
                           " (set ehr.token_url if the server has no SMART configuration)");
  }
  nlohmann::json doc;
  if (!ParseJson(r.body, &doc)) {
    return Status::InvalidInput(UrlForLog(call.url) + ": not a JSON object");
  }
  const std::string url = JsonView(doc)["token_endpoint"].Str();
  if (!url.starts_with("https://") && !url.starts_with("http://")) {
    return Status::InvalidInput(UrlForLog(call.url) + ": token_endpoint: not an absolute URL");
  }
  options_.token_url = url;
  return Status::Ok();
}

Status SmartToken::Request(HttpClient* http) {
  if (options_.token_url.empty()) PORTAL_RETURN_IF_ERROR(Discover(http));
  const int64_t now = clock_.Now();
  std::string assertion;
  PORTAL_RETURN_IF_ERROR(MakeClientAssertion(*key_, options_.client_id, options_.token_url, now,
                                             kAssertionLifetime, &assertion));
  HttpCall call;
  call.method = "POST";
  call.url = options_.token_url;
  call.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
  call.body = "grant_type=client_credentials&scope=" + FormEncode(options_.scope) +
              "&client_assertion_type=" +
              FormEncode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
              "&client_assertion=" + FormEncode(assertion);
  call.max_body = 1 << 20;
  HttpResponse r;
  ++requests_;
  PORTAL_RETURN_IF_ERROR(http->Fetch(call, &r));
  nlohmann::json doc;
  const bool json = ParseJson(r.body, &doc);
  const JsonView answer(doc);
  if (r.status != 200) {
    // OAuth's error code is a word from RFC 6749 5.2; the description is the server's text
    // and stays out of the message.
    const std::string error = json ? answer["error"].Str() : "";
    const bool word = !error.empty() && error.size() <= 40 &&
                      error.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos;
    return Status::IoError(UrlForLog(call.url) + ": token refused: HTTP " +
                           std::to_string(r.status) + (word ? " " + error : ""));
  }
  int64_t expires_in = 0;
  token_ = answer["access_token"].Str();
  if (!json || token_.empty() || token_.size() > 16384 ||
      token_.find_first_of(" \r\n\t") != std::string::npos) {
    token_.clear();
    return Status::InvalidInput(UrlForLog(call.url) + ": no usable access_token in the answer");
  }
  if (!answer["expires_in"].Int(&expires_in) || expires_in <= 0) expires_in = 300;
  valid_until_ = now + expires_in - std::min<int64_t>(kRefreshMargin, expires_in / 2);
  return Status::Ok();
}

void SmartToken::Invalidate(const std::string& header) {
  std::lock_guard<std::mutex> lock(mu_);
  if (header == "Authorization: Bearer " + token_) token_.clear();
}

Status SmartToken::Bearer(HttpClient* http, std::string* header) {
  std::lock_guard<std::mutex> lock(mu_);
  if (token_.empty() || clock_.Now() >= valid_until_) PORTAL_RETURN_IF_ERROR(Request(http));
  *header = "Authorization: Bearer " + token_;
  return Status::Ok();
}

}  // namespace portal
