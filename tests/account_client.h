#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/account_store.h"
#include "core/status.h"
#include "tests/mailbox_support.h"

namespace portal::testing {

// What a patient's app does (issue 14 builds it in the browser), in C++, so the daemon's account
// endpoints are tested by a real client: the password derivation, the patient's own OpenPGP key
// made on the device, the key blob, signed requests. Written from docs/architecture.md
// "Patients' accounts" and the wire format, never from the server's code.

// The two values the client derives from a password (design: Argon2id, then HKDF-SHA256 with an
// empty salt and one info string each).
struct AccountKeys {
  std::string auth_key;        // 32 raw bytes: sent (base64) to sign in; the server keeps a MAC.
  std::string key_passphrase;  // base64 of 32 bytes: never sent; protects the key blob.
};
// `password` must already be NFC (the browser app normalizes it; tests use NFC text).
Status DeriveAccountKeys(std::string_view password, const KdfSettings& kdf, AccountKeys* out);

// The RFC 9106 second recommendation with a fresh random 16-byte salt, as at sign-up.
KdfSettings NewKdfSettings();
// The wire object {"alg","t","m","p","salt"} and back (prelogin's answer).
nlohmann::ordered_json KdfToJson(const KdfSettings& kdf);
Status KdfFromJson(const nlohmann::json& j, KdfSettings* out);

// One device's OpenPGP state: its own 0700 GNUPGHOME under `dir`, the agent allowed loopback
// passphrases and caching nothing (so every use of the secret key really needs the passphrase).
// The agent is stopped on destruction.
class AccountDevice {
 public:
  AccountDevice(const std::filesystem::path& dir, const std::string& name);
  ~AccountDevice();
  AccountDevice(const AccountDevice&) = delete;
  AccountDevice& operator=(const AccountDevice&) = delete;

  const std::filesystem::path& home() const { return home_; }
  const std::string& fingerprint() const { return fingerprint_; }

  // A new v4 key like OpenPGP.js's curve25519Legacy: ed25519 sign+cert primary, cv25519
  // encryption subkey, no expiry; protected by `passphrase` from the start.
  Status GenerateKey(const std::string& uid, const std::string& passphrase);
  // The public key, armored.
  Status ExportPublicKey(std::string* armored) const;
  // The key blob: the secret key, armored, protected by the passphrase it was made or imported
  // with.
  Status ExportKeyBlob(std::string* armored) const;
  // Signing in on this device: imports `blob` and unlocks it with `passphrase` (a probe
  // signature); an error if the passphrase does not open it. *fingerprint is the key's.
  Status ImportKeyBlob(const std::string& blob, const std::string& passphrase);
  // Change of password: the same key, protected by `new_passphrase` from now on.
  Status ChangePassphrase(const std::string& new_passphrase);

  // A detached binary signature over `data`.
  Status Sign(const std::string& data, std::string* signature) const;
  // Decrypts `sealed` (an OpenPGP message) with this device's key; *signed_by is the primary
  // fingerprint of a good signature's key ("" if none). `trusted_key` (an armored public key
  // file, e.g. the portal's) is imported first when given.
  Status Decrypt(const std::string& sealed, const std::filesystem::path& trusted_key,
                 std::string* plaintext, std::string* signed_by) const;

 private:
  std::filesystem::path home_;
  std::filesystem::path scratch_;
  std::string fingerprint_;
  std::string passphrase_;
};

// ---- request bodies, with the field names of the wire format ----
std::string PreloginBody(const std::string& logon_id);
std::string SessionBody(const std::string& logon_id, const std::string& auth_key);
// registrations and recoveries.
std::string CodeRequestBody(const std::string& mrn, const std::string& email);

struct ActivationFields {
  std::string code;
  std::optional<std::string> mrn;  // Omitted for a staff code when unset.
  std::string birth_date;
  std::string logon_id;  // Activations only.
  std::string public_key;
  std::string key_blob;
  KdfSettings kdf;
  std::string auth_key;  // Raw 32 bytes.
  std::string nonce;
  std::string timestamp;
};
std::string ActivationBody(const ActivationFields& f);
// key-resets: the same without logon_id; mrn required.
std::string KeyResetBody(const ActivationFields& f);
std::string KeyBlobBody(const std::string& fingerprint, const std::string& old_auth_key,
                        const std::string& auth_key, const KdfSettings& kdf,
                        const std::string& key_blob, const std::string& nonce,
                        const std::string& timestamp);
std::string ProxyLinkBody(const std::string& fingerprint, const std::string& code,
                          const std::string& birth_date, const std::string& nonce,
                          const std::string& timestamp);

// A fresh nonce (24 URL-safe characters).
std::string AccountNonce();

// ---- calls ----
// `body` as JSON to `path` with `method`; signed by `signer`'s key when given.
HttpResult SendJson(uint16_t port, const std::string& method, const std::string& path,
                    const std::string& body, const AccountDevice* signer);
// GET /v1/me signed by `device` for its key (fresh nonce and timestamp unless given).
HttpResult GetMe(uint16_t port, const AccountDevice& device, const std::string& nonce = "",
                 const std::string& timestamp = "");

// A patient's whole account on one device, as the app keeps it while signed in.
struct AccountSession {
  std::string logon_id;
  std::string password;
  KdfSettings kdf;
  AccountKeys keys;
  std::unique_ptr<AccountDevice> device;
  nlohmann::json answer;  // The last answer's JSON (activation, key reset or sign-in).
};

// Sign-up on a new device under `dir`: a fresh salt, the derivation, a new key, the signed
// activation (or key reset when `reset`) with `fields` (code, mrn, birth_date, logon_id filled
// by the caller; the rest made here). *result is the daemon's answer; *session the device's
// state (answer filled when the body is JSON).
Status SignUp(uint16_t port, const std::filesystem::path& dir, const std::string& device_name,
              const std::string& password, ActivationFields fields, bool reset,
              AccountSession* session, HttpResult* result);
// Sign-in on a brand-new device: prelogin, derive, sessions, import and unlock the blob.
// Fails (with the answer in *result) unless the daemon answers 200 and the blob opens.
Status SignIn(uint16_t port, const std::filesystem::path& dir, const std::string& device_name,
              const std::string& logon_id, const std::string& password, AccountSession* session,
              HttpResult* result);

}  // namespace portal::testing
