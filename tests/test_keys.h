#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace portal::testing {

// OpenPGP keys for a test, generated at run time with the gpg command line in private (0700)
// homes under a temp folder (no key is ever committed). Agents are stopped at the end.
class TestKeys {
 public:
  TestKeys() = default;
  ~TestKeys();
  TestKeys(const TestKeys&) = delete;
  TestKeys& operator=(const TestKeys&) = delete;

  const std::filesystem::path& dir() const { return dir_.path(); }

  // A new 0700 home named `name` (with no-random-seed-file).
  std::filesystem::path Home(const std::string& name);

  // A key for `uid` in `home` without passphrase; returns its fingerprint. `algo` and `usage`
  // as for gpg --quick-gen-key ("default"/"default" signs and encrypts; "ed25519"/"sign" only
  // signs); `expires` a gpg expiry; `faked_time` a --faked-system-time, to make old keys.
  std::string Generate(const std::filesystem::path& home, const std::string& uid,
                       const std::string& algo, const std::string& usage,
                       const std::string& expires = "never", const std::string& faked_time = "");
  // An ed25519 primary with a cv25519 encryption subkey, like a patient's key.
  std::string GenerateEncryptionKey(const std::filesystem::path& home, const std::string& uid);

  // Exports the public key (armored) to dir()/file; with `secret`, the secret key instead.
  std::filesystem::path Export(const std::filesystem::path& home, const std::string& fingerprint,
                               const std::string& file, bool secret = false);
  // Revokes the key with the revocation certificate gpg made for it.
  void Revoke(const std::filesystem::path& home, const std::string& fingerprint);

  // Runs gpg --decrypt in `home` on `message`; returns the status lines and sets *plaintext.
  CommandResult Decrypt(const std::filesystem::path& home, const std::filesystem::path& message,
                        std::string* plaintext);
  // A detached binary signature over `data` by key `fingerprint` of `home` (gpg
  // --detach-sign). Safe to call from several threads.
  std::string SignDetached(const std::filesystem::path& home, const std::string& fingerprint,
                           const std::string& data);
  // Imports a key file into `home`.
  void Import(const std::filesystem::path& home, const std::filesystem::path& key_file);

 private:
  TempDir dir_;
  std::vector<std::filesystem::path> homes_;
};

}  // namespace portal::testing
