#include "mailbox/daemon/request_fields.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/fhir_time.h"
#include "mailbox/daemon/message_request.h"  // kClockSkewSeconds.

namespace portal {

using json = nlohmann::json;

size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool HasControlCharacter(std::string_view s) {
  // In UTF-8 every byte of a multi-byte character is >= 0x80, so bytes are enough.
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; });
}

std::string ListNames(const std::vector<std::string>& names, const std::string& last) {
  std::string list;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) list += i + 1 == names.size() ? " " + last + " " : ", ";
    list += names[i];
  }
  return list;
}

Status FieldError(std::string* field, const std::string& name, const std::string& problem) {
  *field = name;
  return Status::InvalidInput(name.empty() ? problem : name + ": " + problem);
}

Status ParseRequestObject(std::string_view text, const std::vector<std::string>& known, json* out,
                          std::string* field) {
  // nlohmann rejects malformed JSON and invalid UTF-8; no exception escapes. It keeps the last
  // of two equal keys, so the parse callback refuses a key seen before in the same object: a
  // signed body means one thing only.
  std::vector<std::vector<std::string>> keys;  // Per open object, its keys so far.
  bool duplicate = false;
  const json::parser_callback_t watch = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) keys.emplace_back();
    if (event == json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
    if (event == json::parse_event_t::key && !keys.empty()) {
      const std::string& k = parsed.get_ref<const std::string&>();
      auto& seen = keys.back();
      if (std::find(seen.begin(), seen.end(), k) != seen.end()) duplicate = true;
      seen.push_back(k);
    }
    return true;
  };
  json j = json::parse(text.begin(), text.end(), watch, /*allow_exceptions=*/false);
  if (j.is_discarded()) return FieldError(field, "", "the body is not valid JSON (UTF-8)");
  if (duplicate) return FieldError(field, "", "the body names a key twice");
  if (!j.is_object()) return FieldError(field, "", "the body must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return FieldError(field, "", "an unknown field was sent; the fields are " + ListNames(known));
    }
  }
  *out = std::move(j);
  return Status::Ok();
}

Status GetString(const json& request, const std::string& name, std::string* out,
                 std::string* field) {
  auto it = request.find(name);
  if (it == request.end()) return FieldError(field, name, "missing");
  if (!it->is_string()) return FieldError(field, name, "must be a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

Status CheckVersion(const json& request, std::string* field) {
  auto version = request.find("version");
  if (version == request.end() || !version->is_number_integer() || version->get<int64_t>() != 1) {
    return FieldError(field, "version", "must be 1");
  }
  return Status::Ok();
}

Status GetMrn(const PortalConfig& config, const json& request, std::string* out,
              std::string* field) {
  PORTAL_RETURN_IF_ERROR(GetString(request, "mrn", out, field));
  if (!std::regex_match(*out, std::regex(config.mrn.pattern))) {
    return FieldError(field, "mrn", "must be " + config.mrn.description);
  }
  return Status::Ok();
}

Status GetNonce(const json& request, std::string* out, std::string* field) {
  PORTAL_RETURN_IF_ERROR(GetString(request, "nonce", out, field));
  static const std::regex kNonce("[A-Za-z0-9_-]{16,128}");
  if (!std::regex_match(*out, kNonce)) {
    return FieldError(field, "nonce", "must be 16 to 128 characters of A-Z, a-z, 0-9, _ and -");
  }
  return Status::Ok();
}

Status GetTimestamp(const json& request, int64_t now, int64_t* out, std::string* field) {
  std::string timestamp;
  PORTAL_RETURN_IF_ERROR(GetString(request, "timestamp", &timestamp, field));
  int64_t instant = 0;
  // At least "2025-01-31T09:30:00Z": a bare date or dateTime without seconds is not an instant.
  if (!ParseFhirInstant(timestamp, &instant) || timestamp.size() < 20) {
    return FieldError(field, "timestamp", "must be an instant such as 2025-01-31T09:30:00Z");
  }
  if (instant < now - kClockSkewSeconds || instant > now + kClockSkewSeconds) {
    return FieldError(field, "timestamp",
                      "must be within " + std::to_string(kClockSkewSeconds / 60) +
                          " minutes of the server's clock");
  }
  *out = instant;
  return Status::Ok();
}

}  // namespace portal
