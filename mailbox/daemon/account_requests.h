#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/account_store.h"
#include "core/config.h"
#include "core/status.h"

namespace portal {

// The strict parsers of the signed account endpoints' bodies (docs/architecture.md, "Patients'
// accounts"): unknown or duplicate keys, wrong types and bad forms refused naming the field
// (request_fields.h: *field set, InvalidInput "<field>: <problem>", never a value). The
// signature and what the values mean are the handlers' to check.

// POST /v1/activations (with logon_id) and POST /v1/key-resets (without).
struct KeyRequest {
  std::string code;             // As typed.
  std::string activation_code;  // A staff code, normalized; "" for an e-mailed one.
  bool mailed = false;          // `code` is an e-mailed 8-digit code.
  std::string mrn;              // "" when omitted (a staff code names its record).
  std::string birth_date;
  std::string logon_id;  // Normalized (activations only).
  std::string public_key;
  std::string key_blob;
  KdfSettings kdf;
  std::string auth_key;  // 32 raw bytes.
  std::string nonce;
  int64_t timestamp = 0;
};

// An activation: `code` a staff activation code or an e-mailed code (then `mrn` is required);
// public_key and key_blob within [accounts] max_public_key_kib / max_key_blob_kib.
Status ParseActivationRequest(const PortalConfig& config, std::string_view body, int64_t now,
                              KeyRequest* out, std::string* field);
// A key reset: `code` the e-mailed 8-digit code, `mrn` required, no logon_id.
Status ParseKeyResetRequest(const PortalConfig& config, std::string_view body, int64_t now,
                            KeyRequest* out, std::string* field);

// PUT /v1/key-blob: a change of password.
struct KeyBlobRequest {
  std::string fingerprint;  // Upper-case hex.
  std::string old_auth_key;
  std::string auth_key;
  KdfSettings kdf;
  std::string key_blob;
  std::string nonce;
  int64_t timestamp = 0;
};
Status ParseKeyBlobRequest(const PortalConfig& config, std::string_view body, int64_t now,
                           KeyBlobRequest* out, std::string* field);

// POST /v1/proxy-links: a staff proxy code for an existing account.
struct ProxyLinkRequest {
  std::string fingerprint;
  std::string activation_code;  // Normalized.
  std::string birth_date;       // The patient's, whose record the code opens.
  std::string nonce;
  int64_t timestamp = 0;
};
Status ParseProxyLinkRequest(std::string_view body, int64_t now, ProxyLinkRequest* out,
                             std::string* field);

// A key's fingerprint: 40 hex digits (v4), either case; *out in upper case.
bool NormalizeFingerprint(std::string_view text, std::string* out);

}  // namespace portal
