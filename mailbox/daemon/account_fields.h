#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "core/account_store.h"
#include "core/config.h"
#include "core/status.h"

namespace portal {

// The account endpoints' field checks (request_fields.h style: a failure sets *field and
// returns InvalidInput "<field>: <problem>", never repeating the value).

// "logon_id": 4 to 64 characters of letters, digits, '.', '_', '-' and '@', starting with a
// letter or digit, and not in the hospital's MRN format (a Logon ID is never the MRN). *out is
// it in lower case (Logon IDs are case-insensitive).
Status GetLogonId(const PortalConfig& config, const nlohmann::json& request, std::string* out,
                  std::string* field);

// `name` is standard base64 (RFC 4648, padded) of exactly `bytes` bytes; *out the raw bytes.
Status GetBase64Bytes(const nlohmann::json& request, const std::string& name, size_t bytes,
                      std::string* out, std::string* field);

// "kdf" is {"alg": "argon2id", "t": 1..16, "m": 19456..1048576 (KiB), "p": 1..16, "salt":
// base64 of 16 bytes}, no other keys.
Status GetKdf(const nlohmann::json& request, KdfSettings* out, std::string* field);
// The same object as the API writes it (prelogin).
nlohmann::json KdfJson(const KdfSettings& kdf);

// `name` is an e-mail address: 3 to 254 characters of printable ASCII without white space or
// any of <>()[]\,;:" (what the SMTP sender takes), one '@', a dot after it.
Status GetEmail(const nlohmann::json& request, const std::string& name, std::string* out,
                std::string* field);

// `name` is a whole date, YYYY-MM-DD, that exists.
Status GetBirthDate(const nlohmann::json& request, const std::string& name, std::string* out,
                    std::string* field);

// `name` is an ASCII-armored OpenPGP block of at most `max_bytes` ("-----BEGIN PGP ", no NUL or
// control characters other than CR and LF).
Status GetArmored(const nlohmann::json& request, const std::string& name, size_t max_bytes,
                  std::string* out, std::string* field);

}  // namespace portal
