#include "mailbox/daemon/account_requests.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "core/account_codes.h"
#include "mailbox/daemon/account_fields.h"
#include "mailbox/daemon/request_fields.h"

namespace portal {

using json = nlohmann::json;

namespace {

constexpr size_t kAuthKeyBytes = 32;

// The names below the top of a body: kdf's members (a duplicate among them is named).
const std::vector<std::string> kKdfNames = {"alg", "t", "m", "p", "salt"};

size_t KiB(long long kib) { return static_cast<size_t>(kib) * 1024; }

// "code": a staff activation code (normalized into *staff) or an e-mailed one (*mailed).
Status GetCode(const json& request, bool allow_staff, bool allow_mailed, std::string* typed,
               std::string* staff, bool* mailed, std::string* field) {
  PORTAL_RETURN_IF_ERROR(GetString(request, "code", typed, field));
  *mailed = false;
  staff->clear();
  if (allow_mailed && IsMailedCode(*typed)) {
    *mailed = true;
    return Status::Ok();
  }
  // Longer than any way of typing 15 symbols: not normalized at all.
  if (allow_staff && typed->size() <= 64 && NormalizeActivationCode(*typed, staff)) {
    return Status::Ok();
  }
  if (allow_staff && allow_mailed) {
    return FieldError(field, "code",
                      "must be the activation code from the hospital (15 letters and digits) or "
                      "the 8-digit code from the e-mail");
  }
  return FieldError(field, "code",
                    allow_staff ? "must be an activation code from the hospital (15 letters and "
                                  "digits)"
                                : "must be the 8-digit code from the e-mail");
}

Status GetFingerprint(const json& request, std::string* out, std::string* field) {
  std::string text;
  PORTAL_RETURN_IF_ERROR(GetString(request, "fingerprint", &text, field));
  if (!NormalizeFingerprint(text, out)) {
    return FieldError(field, "fingerprint", "must be a key fingerprint (40 hex digits)");
  }
  return Status::Ok();
}

// The fields activations and key resets share, after code, mrn and logon_id.
Status GetKeyFields(const PortalConfig& config, const json& j, int64_t now, KeyRequest* r,
                    std::string* field) {
  PORTAL_RETURN_IF_ERROR(
      GetArmored(j, "public_key", KiB(config.accounts.max_public_key_kib), &r->public_key, field));
  PORTAL_RETURN_IF_ERROR(
      GetArmored(j, "key_blob", KiB(config.accounts.max_key_blob_kib), &r->key_blob, field));
  PORTAL_RETURN_IF_ERROR(GetKdf(j, &r->kdf, field));
  PORTAL_RETURN_IF_ERROR(GetBase64Bytes(j, "auth_key", kAuthKeyBytes, &r->auth_key, field));
  PORTAL_RETURN_IF_ERROR(GetNonce(j, &r->nonce, field));
  return GetTimestamp(j, now, &r->timestamp, field);
}

}  // namespace

bool NormalizeFingerprint(std::string_view text, std::string* out) {
  if (text.size() != 40) return false;
  std::string upper;
  for (char c : text) {
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
    upper += c;
  }
  *out = upper;
  return true;
}

Status ParseActivationRequest(const PortalConfig& config, std::string_view body, int64_t now,
                              KeyRequest* out, std::string* field) {
  static const std::vector<std::string> kKnown = {
      "code",     "mrn", "birth_date", "logon_id", "public_key",
      "key_blob", "kdf", "auth_key",   "nonce",    "timestamp"};
  json j;
  PORTAL_RETURN_IF_ERROR(ParseRequestObject(body, kKnown, &j, field, kKdfNames));
  KeyRequest r;
  PORTAL_RETURN_IF_ERROR(GetCode(j, true, true, &r.code, &r.activation_code, &r.mailed, field));
  if (j.contains("mrn")) {
    PORTAL_RETURN_IF_ERROR(GetMrn(config, j, &r.mrn, field));
  } else if (r.mailed) {
    return FieldError(field, "mrn", "missing; a code from an e-mail needs the MRN");
  }
  PORTAL_RETURN_IF_ERROR(GetBirthDate(j, "birth_date", &r.birth_date, field));
  PORTAL_RETURN_IF_ERROR(GetLogonId(config, j, &r.logon_id, field));
  PORTAL_RETURN_IF_ERROR(GetKeyFields(config, j, now, &r, field));
  *out = std::move(r);
  return Status::Ok();
}

Status ParseKeyResetRequest(const PortalConfig& config, std::string_view body, int64_t now,
                            KeyRequest* out, std::string* field) {
  static const std::vector<std::string> kKnown = {"code",       "mrn",      "birth_date",
                                                  "public_key", "key_blob", "kdf",
                                                  "auth_key",   "nonce",    "timestamp"};
  json j;
  PORTAL_RETURN_IF_ERROR(ParseRequestObject(body, kKnown, &j, field, kKdfNames));
  KeyRequest r;
  PORTAL_RETURN_IF_ERROR(GetCode(j, false, true, &r.code, &r.activation_code, &r.mailed, field));
  PORTAL_RETURN_IF_ERROR(GetMrn(config, j, &r.mrn, field));
  PORTAL_RETURN_IF_ERROR(GetBirthDate(j, "birth_date", &r.birth_date, field));
  PORTAL_RETURN_IF_ERROR(GetKeyFields(config, j, now, &r, field));
  *out = std::move(r);
  return Status::Ok();
}

Status ParseKeyBlobRequest(const PortalConfig& config, std::string_view body, int64_t now,
                           KeyBlobRequest* out, std::string* field) {
  static const std::vector<std::string> kKnown = {"fingerprint", "old_auth_key", "auth_key", "kdf",
                                                  "key_blob",    "nonce",        "timestamp"};
  json j;
  PORTAL_RETURN_IF_ERROR(ParseRequestObject(body, kKnown, &j, field, kKdfNames));
  KeyBlobRequest r;
  PORTAL_RETURN_IF_ERROR(GetFingerprint(j, &r.fingerprint, field));
  PORTAL_RETURN_IF_ERROR(GetBase64Bytes(j, "old_auth_key", kAuthKeyBytes, &r.old_auth_key, field));
  PORTAL_RETURN_IF_ERROR(GetBase64Bytes(j, "auth_key", kAuthKeyBytes, &r.auth_key, field));
  PORTAL_RETURN_IF_ERROR(GetKdf(j, &r.kdf, field));
  PORTAL_RETURN_IF_ERROR(
      GetArmored(j, "key_blob", KiB(config.accounts.max_key_blob_kib), &r.key_blob, field));
  PORTAL_RETURN_IF_ERROR(GetNonce(j, &r.nonce, field));
  PORTAL_RETURN_IF_ERROR(GetTimestamp(j, now, &r.timestamp, field));
  *out = std::move(r);
  return Status::Ok();
}

Status ParseProxyLinkRequest(std::string_view body, int64_t now, ProxyLinkRequest* out,
                             std::string* field) {
  static const std::vector<std::string> kKnown = {"fingerprint", "code", "birth_date", "nonce",
                                                  "timestamp"};
  json j;
  PORTAL_RETURN_IF_ERROR(ParseRequestObject(body, kKnown, &j, field, kKdfNames));
  ProxyLinkRequest r;
  PORTAL_RETURN_IF_ERROR(GetFingerprint(j, &r.fingerprint, field));
  std::string typed;
  bool mailed = false;
  PORTAL_RETURN_IF_ERROR(GetCode(j, true, false, &typed, &r.activation_code, &mailed, field));
  PORTAL_RETURN_IF_ERROR(GetBirthDate(j, "birth_date", &r.birth_date, field));
  PORTAL_RETURN_IF_ERROR(GetNonce(j, &r.nonce, field));
  PORTAL_RETURN_IF_ERROR(GetTimestamp(j, now, &r.timestamp, field));
  *out = std::move(r);
  return Status::Ok();
}

}  // namespace portal
