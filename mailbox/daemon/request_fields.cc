#include "mailbox/daemon/request_fields.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/fhir_time.h"
#include "core/json_view.h"
#include "mailbox/daemon/message_request.h"  // kClockSkewSeconds.

namespace portal {

using json = nlohmann::json;

size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

namespace {

// The controls of `s` (valid UTF-8), in order, as code points: C0, DEL, C1 and the bidi
// overrides and isolates; calls `found` on each until it returns true.
template <typename Found>
bool AnyControl(std::string_view s, const Found& found) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const auto next = [&](size_t k) {
      return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
    };
    char32_t point = 0xFFFF;  // None of ours.
    if (c < 0x20 || c == 0x7F) {
      point = c;
    } else if (c == 0xC2 && next(1) >= 0x80 && next(1) <= 0x9F) {
      point = next(1);  // U+0080 to U+009F: C2 80 to C2 9F.
    } else if (c == 0xE2 && next(1) == 0x80 && next(2) >= 0xAA && next(2) <= 0xAE) {
      point = 0x2000 + (next(2) - 0x80);  // U+202A to U+202E: E2 80 AA to E2 80 AE.
    } else if (c == 0xE2 && next(1) == 0x81 && next(2) >= 0xA6 && next(2) <= 0xA9) {
      point = 0x2040 + (next(2) - 0x80);  // U+2066 to U+2069: E2 81 A6 to E2 81 A9.
    }
    if (point != 0xFFFF && found(point)) return true;
  }
  return false;
}

bool IsBidi(char32_t point) { return point >= 0x2000; }

}  // namespace

std::string TextProblem(std::string_view text, TextForm form) {
  bool control = false;
  bool bidi = false;
  AnyControl(text, [&](char32_t point) {
    if (IsBidi(point)) {
      bidi = bidi || form == TextForm::kOneLine;
    } else if (form == TextForm::kOneLine || (point != '\n' && point != '\t')) {
      control = true;
    }
    return control;
  });
  if (control) {
    return form == TextForm::kOneLine
               ? "must not contain control characters (line breaks, tabs, escape codes)"
               : "must not contain control characters other than line breaks and tabs (no "
                 "carriage returns or escape codes)";
  }
  if (bidi) return "must not contain characters that change the text's direction";
  return "";
}

bool HasControlCharacter(std::string_view s) {
  return AnyControl(s, [](char32_t point) { return !IsBidi(point); });
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
                          std::string* field, const std::vector<std::string>& nested) {
  // Malformed JSON, invalid UTF-8, a key twice in one object (nlohmann would keep the last: a
  // signed body must mean one thing only), deep nesting: refused, and no exception escapes.
  StrictJsonOptions options;
  options.max_depth = kMaxRequestDepth;
  options.max_bytes = kMaxRequestBytes;
  std::vector<std::string> duplicate;
  json j;
  const Status parsed = ParseStrictJson(text, &j, options, &duplicate);
  if (!duplicate.empty()) {
    // Named only when every key on the way is one of the request's own: a key of the sender's
    // choosing is never repeated (or logged as the field).
    const auto ours = [&](const std::string& segment) {
      return segment.starts_with('[') ||
             std::find(known.begin(), known.end(), segment) != known.end() ||
             std::find(nested.begin(), nested.end(), segment) != nested.end();
    };
    if (std::all_of(duplicate.begin(), duplicate.end(), ours)) {
      const std::string path = JsonPathText(duplicate);
      return FieldError(field, path, "duplicate key \"" + path + "\"; send each field once");
    }
    return FieldError(field, "", "the body names a key twice; send each field once");
  }
  if (!parsed.ok()) {
    if (text.size() > kMaxRequestBytes) return FieldError(field, "", "the body is too large");
    if (parsed.message().starts_with("nested")) {
      return FieldError(
          field, "",
          "the body is nested deeper than " + std::to_string(kMaxRequestDepth) + " levels");
    }
    return FieldError(field, "", "the body is not valid JSON (UTF-8)");
  }
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
