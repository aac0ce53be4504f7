#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header.

namespace portal {

enum class EhrKeyAlgorithm { kES384, kRS384 };  // SMART Backend Services' two required algorithms.

// The portal's private key for the EHR's token endpoint (SMART Backend Services), in a PEM file
// (PKCS#8) readable by its owner only. RAII around the EVP_PKEY.
class EhrKey {
 public:
  ~EhrKey();
  EhrKey(const EhrKey&) = delete;
  EhrKey& operator=(const EhrKey&) = delete;

  // Creates a new key pair (EC P-384 for ES384, RSA 3072 for RS384) and writes the private key
  // to `path`, created 0600 with O_EXCL (never overwrites; the parent folder must exist), fsynced.
  static Status Create(const std::filesystem::path& path, EhrKeyAlgorithm alg,
                       std::unique_ptr<EhrKey>* out);
  // Loads `path`; refuses a file that group or others can read or write (names the path and the
  // mode, e.g. "ehr key /x/ehr-key.pem: mode 0644, must be 0600 or stricter"), that is not a
  // private key, or whose key is neither EC P-384 nor RSA >= 2048 bits.
  static Status Load(const std::filesystem::path& path, std::unique_ptr<EhrKey>* out);

  EhrKeyAlgorithm algorithm() const { return alg_; }
  const char* alg_name() const;                    // "ES384" or "RS384"
  const std::string& kid() const { return kid_; }  // RFC 7638 JWK thumbprint (SHA-256, base64url)
  // The public key as a JWK Set with one key: {"keys":[{"kty","crv"/"n","x","y"/"e","kid","alg",
  // "use":"sig","key_ops":["verify"]}]}
  std::string PublicJwks() const;
  // The same JWK Set as a JSON value (for a command's --json output).
  nlohmann::ordered_json PublicJwksJson() const;
  // A compact JWS: base64url(header).base64url(claims).base64url(signature), header
  // {"alg","typ":"JWT","kid"}. ES384 signatures are the JOSE form (r||s, 48 bytes each, RFC 7518
  // 3.4), not DER. InvalidInput unless `claims` is an object whose strings are valid UTF-8.
  Status SignJwt(const nlohmann::json& claims, std::string* jwt) const;

 private:
  using Pkey = std::unique_ptr<evp_pkey_st, void (*)(evp_pkey_st*)>;  // EVP_PKEY_free.
  static Status FromPkey(Pkey pkey, const std::string& where, std::unique_ptr<EhrKey>* out);
  EhrKey(Pkey pkey, EhrKeyAlgorithm alg, nlohmann::ordered_json public_jwk, std::string kid);

  Pkey pkey_;
  EhrKeyAlgorithm alg_;
  nlohmann::ordered_json public_jwk_;  // kty and the key's members, without kid/alg/use.
  std::string kid_;
};

// SMART Backend Services' client assertion: iss = sub = client_id, aud = token_url, iat = now,
// exp = now + lifetime (lifetime 1..300 s, else InvalidInput), jti = 128 random bits (OpenSSL
// RAND_bytes) in hex, never reused.
Status MakeClientAssertion(const EhrKey& key, const std::string& client_id,
                           const std::string& token_url, int64_t now_unix, int lifetime_seconds,
                           std::string* jwt);

// The RFC 7638 thumbprint (SHA-256, base64url without padding) of a public JWK: its required
// members only (EC: crv, kty, x, y; RSA: e, kty, n), in lexicographic order, no whitespace.
// InvalidInput for another kty or a required member missing or not a string.
Status JwkThumbprint(const nlohmann::json& jwk, std::string* thumbprint);

}  // namespace portal
