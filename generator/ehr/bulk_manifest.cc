#include "generator/ehr/bulk_manifest.h"

#include <nlohmann/json.hpp>
#include <regex>

#include "core/fhir_time.h"
#include "core/json_view.h"

namespace portal {

namespace {

constexpr size_t kMaxFiles = 100000;

bool IsTypeName(const std::string& s) {
  static const std::regex kType("[A-Z][A-Za-z]{1,63}");
  return std::regex_match(s, kType);
}

bool IsAbsoluteUrl(const std::string& s) {
  static const std::regex kUrl("https?://[^/?#\\s]+(/[^\\s]*)?");
  return s.size() <= 4096 && std::regex_match(s, kUrl);
}

Status ReadFiles(JsonView list, const char* field, std::vector<BulkManifest::File>* out) {
  if (list.empty()) return Status::Ok();
  if (!list.IsArray()) return Status::InvalidInput(std::string(field) + ": not an array");
  if (list.size() > kMaxFiles) return Status::InvalidInput(std::string(field) + ": too many files");
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = std::string(field) + "[" + std::to_string(i) + "]";
    BulkManifest::File f;
    f.type = list[i]["type"].Str();
    f.url = list[i]["url"].Str();
    if (!IsTypeName(f.type)) return Status::InvalidInput(where + ".type: not a resource type");
    if (!IsAbsoluteUrl(f.url)) return Status::InvalidInput(where + ".url: not an absolute URL");
    if (!list[i]["count"].empty() && (!list[i]["count"].Int(&f.count) || f.count < 0)) {
      return Status::InvalidInput(where + ".count: not a count");
    }
    out->push_back(std::move(f));
  }
  return Status::Ok();
}

}  // namespace

Status ParseBulkManifest(std::string_view json, BulkManifest* out) {
  *out = BulkManifest();
  nlohmann::json doc;
  StrictJsonOptions options;
  options.max_bytes = 256u << 20;
  PORTAL_RETURN_IF_ERROR(ParseStrictJson(json, &doc, options).WithPrefix("manifest"));
  const JsonView m(doc);
  if (!m.IsObject()) return Status::InvalidInput("manifest: not a JSON object");
  out->transaction_time = m["transactionTime"].Str();
  // An instant has a time and a zone: a bare date ("2024-05-01") would be refused as the next
  // export's _since.
  FhirDateTime t;
  if (!ParseFhirDateTime(out->transaction_time, &t) || !t.has_time) {
    return Status::InvalidInput("manifest: transactionTime: not a FHIR instant");
  }
  if (!m["requiresAccessToken"].Bool(&out->requires_access_token)) {
    return Status::InvalidInput("manifest: requiresAccessToken: not a boolean");
  }
  PORTAL_RETURN_IF_ERROR(ReadFiles(m["output"], "output", &out->output).WithPrefix("manifest"));
  PORTAL_RETURN_IF_ERROR(ReadFiles(m["deleted"], "deleted", &out->deleted).WithPrefix("manifest"));
  PORTAL_RETURN_IF_ERROR(ReadFiles(m["error"], "error", &out->error).WithPrefix("manifest"));
  if (m["output"].empty()) {
    // output is required (it may be empty); a page without it is not a manifest.
    return Status::InvalidInput("manifest: output: missing");
  }
  for (JsonView link : m["link"]) {
    if (link["relation"].Str() != "next") continue;
    out->next_url = link["url"].Str();
    if (!IsAbsoluteUrl(out->next_url)) {
      return Status::InvalidInput("manifest: link.url: not an absolute URL");
    }
  }
  return Status::Ok();
}

OutcomeIssues ReadOperationOutcome(std::string_view json) {
  OutcomeIssues out;
  nlohmann::json doc;
  StrictJsonOptions options;
  options.max_bytes = 1u << 20;
  if (!ParseStrictJson(json, &doc, options).ok()) return out;
  const JsonView o(doc);
  if (o["resourceType"].Str() != "OperationOutcome") return out;
  bool all_transient = o["issue"].size() > 0;
  static const std::regex kWord("[a-z-]{1,32}");
  for (JsonView issue : o["issue"]) {
    std::string severity = issue["severity"].Str();
    std::string code = issue["code"].Str();
    if (!std::regex_match(severity, kWord)) severity = "?";
    if (!std::regex_match(code, kWord)) code = "?";
    if (out.words.size() < 20) out.words.push_back(severity + "/" + code);
    if (severity == "fatal") out.fatal = true;
    if (code != "transient" && code != "throttled" && code != "timeout") all_transient = false;
  }
  out.transient = all_transient && !out.fatal;
  return out;
}

}  // namespace portal
