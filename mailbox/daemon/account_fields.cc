#include "mailbox/daemon/account_fields.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/base64.h"
#include "core/fhir_time.h"
#include "mailbox/daemon/request_fields.h"

namespace portal {

using json = nlohmann::json;

namespace {

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// `name` is an integer within [low, high].
Status GetBoundedInt(const json& object, const std::string& path, const std::string& name,
                     int64_t low, int64_t high, int64_t* out, std::string* field) {
  auto it = object.find(name);
  if (it == object.end()) return FieldError(field, path, "missing");
  if (!it->is_number_integer()) return FieldError(field, path, "must be an integer");
  const int64_t v = it->get<int64_t>();
  if (v < low || v > high) {
    return FieldError(field, path,
                      "must be from " + std::to_string(low) + " to " + std::to_string(high));
  }
  *out = v;
  return Status::Ok();
}

}  // namespace

Status GetLogonId(const PortalConfig& config, const json& request, std::string* out,
                  std::string* field) {
  std::string id;
  PORTAL_RETURN_IF_ERROR(GetString(request, "logon_id", &id, field));
  constexpr char kForm[] =
      "must be 4 to 64 characters: letters, digits, '.', '_', '-' or '@', starting with a "
      "letter or digit";
  if (id.size() < 4 || id.size() > 64 || !IsAsciiAlnum(id[0])) {
    return FieldError(field, "logon_id", kForm);
  }
  for (char c : id) {
    if (!IsAsciiAlnum(c) && c != '.' && c != '_' && c != '-' && c != '@') {
      return FieldError(field, "logon_id", kForm);
    }
  }
  if (std::regex_match(id, std::regex(config.mrn.pattern, std::regex::icase))) {
    return FieldError(field, "logon_id", "must not be a medical record number");
  }
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  *out = id;
  return Status::Ok();
}

Status GetBase64Bytes(const json& request, const std::string& name, size_t bytes, std::string* out,
                      std::string* field) {
  std::string text;
  PORTAL_RETURN_IF_ERROR(GetString(request, name, &text, field));
  std::string raw;
  if (text.size() > 4 * ((bytes + 2) / 3) || !Base64Decode(text, &raw) || raw.size() != bytes) {
    return FieldError(field, name,
                      "must be standard base64 of exactly " + std::to_string(bytes) + " bytes");
  }
  *out = raw;
  return Status::Ok();
}

Status GetKdf(const json& request, KdfSettings* out, std::string* field) {
  auto it = request.find("kdf");
  if (it == request.end()) return FieldError(field, "kdf", "missing");
  if (!it->is_object()) return FieldError(field, "kdf", "must be an object");
  for (const auto& [key, value] : it->items()) {
    if (key != "alg" && key != "t" && key != "m" && key != "p" && key != "salt") {
      return FieldError(field, "kdf", "may hold only alg, t, m, p and salt");
    }
  }
  std::string alg;
  if (!GetString(*it, "alg", &alg, field).ok() || alg != "argon2id") {
    return FieldError(field, "kdf.alg", "must be \"argon2id\"");
  }
  KdfSettings k;
  PORTAL_RETURN_IF_ERROR(GetBoundedInt(*it, "kdf.t", "t", 1, 16, &k.t, field));
  PORTAL_RETURN_IF_ERROR(GetBoundedInt(*it, "kdf.m", "m", 19456, 1048576, &k.m_kib, field));
  PORTAL_RETURN_IF_ERROR(GetBoundedInt(*it, "kdf.p", "p", 1, 16, &k.p, field));
  if (!GetBase64Bytes(*it, "salt", 16, &k.salt, field).ok()) {
    return FieldError(field, "kdf.salt", "must be standard base64 of exactly 16 bytes");
  }
  *out = k;
  return Status::Ok();
}

json KdfJson(const KdfSettings& kdf) {
  return {{"alg", "argon2id"},
          {"t", kdf.t},
          {"m", kdf.m_kib},
          {"p", kdf.p},
          {"salt", Base64Encode(kdf.salt)}};
}

Status GetEmail(const json& request, const std::string& name, std::string* out,
                std::string* field) {
  std::string email;
  PORTAL_RETURN_IF_ERROR(GetString(request, name, &email, field));
  // Printable ASCII without the characters that quote, group or list addresses: exactly what
  // the SMTP sender (MailAddressIn) takes, so an accepted address can be mailed.
  static const std::regex kEmail(R"([!-~]+@[!-~]+\.[!-~]+)");
  const bool special = email.find_first_of("<>()[]\\,;:\"") != std::string::npos;
  if (email.size() < 3 || email.size() > 254 || special ||
      std::count(email.begin(), email.end(), '@') != 1 || !std::regex_match(email, kEmail)) {
    return FieldError(field, name, "must be an e-mail address");
  }
  *out = email;
  return Status::Ok();
}

Status GetBirthDate(const json& request, const std::string& name, std::string* out,
                    std::string* field) {
  std::string date;
  PORTAL_RETURN_IF_ERROR(GetString(request, name, &date, field));
  static const std::regex kDate(R"((\d{4})-(\d{2})-(\d{2}))");
  std::smatch m;
  bool ok = std::regex_match(date, m, kDate);
  if (ok) {
    const int year =
        (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + (date[3] - '0');
    const unsigned month = static_cast<unsigned>((date[5] - '0') * 10 + (date[6] - '0'));
    const unsigned day = static_cast<unsigned>((date[8] - '0') * 10 + (date[9] - '0'));
    ok = year >= 1850 && month >= 1 && month <= 12 && day >= 1 && day <= DaysInMonth(year, month);
  }
  if (!ok) return FieldError(field, name, "must be a date written YYYY-MM-DD");
  *out = date;
  return Status::Ok();
}

Status GetArmored(const json& request, const std::string& name, size_t max_bytes, std::string* out,
                  std::string* field) {
  std::string text;
  PORTAL_RETURN_IF_ERROR(GetString(request, name, &text, field));
  if (text.size() > max_bytes) {
    return FieldError(field, name, "is over the limit of " + std::to_string(max_bytes) + " bytes");
  }
  const bool controls = std::any_of(text.begin(), text.end(), [](unsigned char c) {
    return (c < 0x20 && c != '\n' && c != '\r') || c == 0x7F;
  });
  if (!text.starts_with("-----BEGIN PGP ") || controls) {
    return FieldError(field, name, "must be one ASCII-armored OpenPGP block");
  }
  *out = text;
  return Status::Ok();
}

}  // namespace portal
