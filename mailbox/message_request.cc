#include "mailbox/message_request.h"

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "core/fhir_time.h"

namespace portal {

namespace {

using json = nlohmann::json;

// Characters, not bytes: the limits are what a person reads.
size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

Status Fail(std::string* field, const std::string& name, const std::string& problem) {
  *field = name;
  return Status::InvalidInput(name.empty() ? problem : name + ": " + problem);
}

Status GetString(const json& j, const char* name, std::string* out, std::string* field) {
  auto it = j.find(name);
  if (it == j.end()) return Fail(field, name, "missing");
  if (!it->is_string()) return Fail(field, name, "must be a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

}  // namespace

Status ParseMessageRequest(const PortalConfig& config, std::string_view text, int64_t now,
                           MessageRequest* out, std::string* field) {
  field->clear();
  // nlohmann rejects malformed JSON and invalid UTF-8; no exception escapes.
  const json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Fail(field, "", "the body is not valid JSON (UTF-8)");
  if (!j.is_object()) return Fail(field, "", "the body must be a JSON object");
  static const std::set<std::string> kKnown = {"version", "mrn",   "to",       "subject",
                                               "body",    "nonce", "timestamp"};
  for (const auto& [key, value] : j.items()) {
    if (!kKnown.count(key)) {
      return Fail(field, "",
                  "an unknown field was sent; the fields are version, mrn, to, subject, body, "
                  "nonce and timestamp");
    }
  }
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer() || version->get<int64_t>() != 1) {
    return Fail(field, "version", "must be 1");
  }
  MessageRequest r;
  PORTAL_RETURN_IF_ERROR(GetString(j, "mrn", &r.mrn, field));
  if (!std::regex_match(r.mrn, std::regex(config.mrn.pattern))) {
    return Fail(field, "mrn", "must be " + config.mrn.description);
  }
  PORTAL_RETURN_IF_ERROR(GetString(j, "to", &r.provider, field));
  bool known = false;
  std::string who;
  for (const auto& p : config.providers) {
    known = known || p.id == r.provider;
    who += (who.empty() ? "" : "; ") + p.id + " (" + p.name + ")";
  }
  if (!known) {
    return Fail(field, "to", "not a participating provider; messages can go to: " + who);
  }
  PORTAL_RETURN_IF_ERROR(GetString(j, "subject", &r.subject, field));
  const size_t subject = Utf8Length(r.subject);
  if (subject == 0 || subject > kMaxSubjectChars) {
    return Fail(field, "subject",
                "must be 1 to " + std::to_string(kMaxSubjectChars) + " characters");
  }
  PORTAL_RETURN_IF_ERROR(GetString(j, "body", &r.body, field));
  const size_t body = Utf8Length(r.body);
  if (body == 0 || body > kMaxBodyChars) {
    return Fail(field, "body", "must be 1 to " + std::to_string(kMaxBodyChars) + " characters");
  }
  PORTAL_RETURN_IF_ERROR(GetString(j, "nonce", &r.nonce, field));
  static const std::regex kNonce("[A-Za-z0-9_-]{16,128}");
  if (!std::regex_match(r.nonce, kNonce)) {
    return Fail(field, "nonce", "must be 16 to 128 characters of A-Z, a-z, 0-9, _ and -");
  }
  std::string timestamp;
  PORTAL_RETURN_IF_ERROR(GetString(j, "timestamp", &timestamp, field));
  if (!ParseFhirInstant(timestamp, &r.timestamp) || timestamp.size() < 20) {
    return Fail(field, "timestamp", "must be an instant such as 2025-01-31T09:30:00Z");
  }
  if (r.timestamp < now - kClockSkewSeconds || r.timestamp > now + kClockSkewSeconds) {
    return Fail(field, "timestamp", "must be within 5 minutes of the server's clock");
  }
  *out = std::move(r);
  return Status::Ok();
}

}  // namespace portal
