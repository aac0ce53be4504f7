#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.h"

namespace portal {

// Creates the pepper file (32 random bytes from OpenSSL's RAND_bytes, mode 0600, written
// atomically) if it does not exist; an existing file is left as it is. portal-staff init calls it.
Status EnsureAccountPepper(const std::filesystem::path& path);

// The server's secrets for patients' accounts, all derived from the pepper file
// (StateLayout::accounts_pepper): each purpose has its own key, HMAC-SHA256(pepper,
// "portal accounts v1 " + purpose), so no value made for one purpose can be replayed as another.
// Nothing derived here is ever logged.
class AccountSecrets {
 public:
  // Reads the pepper; IoError if the file is missing (run portal-staff init), not exactly 32
  // bytes, or readable by group or others.
  static Status Load(const std::filesystem::path& path, AccountSecrets* out);

  // What the server keeps of a client's auth key: HMAC-SHA256(key "auth", auth_key), 32 raw
  // bytes. A stolen registry alone does not let anyone sign in.
  std::string AuthVerifier(std::string_view auth_key) const;
  // The salt prelogin answers for a Logon ID nobody has: the first 16 bytes of
  // HMAC-SHA256(key "fake-salt", normalized logon id); the same every time, so asking twice
  // reveals nothing.
  std::string FakeSalt(std::string_view logon_id) const;
  // The name sign-in failures are counted under (known and unknown Logon IDs alike): hex of
  // HMAC-SHA256(key "logon", normalized logon id).
  std::string LogonKey(std::string_view logon_id) const;
  // What is stored of an e-mailed code: hex of HMAC-SHA256(key "mailed-code", mrn + "\n" + code)
  // (8 digits are too few for a plain hash).
  std::string MailedCodeHash(std::string_view mrn, std::string_view code) const;

 private:
  std::string Derive(std::string_view purpose, std::string_view data) const;
  std::string pepper_;
};

// Constant-time comparison of two byte strings (false at once for different lengths).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace portal
