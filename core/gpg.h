#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

// GPGME stays out of the header (core links it PRIVATE): its context handle, as gpgme.h declares
// it.
struct gpgme_context;
typedef struct gpgme_context* gpgme_ctx_t;

namespace portal {

// Makes `dir` a GNUPGHOME the project owns: created with mode 0700 (refused if it exists with
// wider permissions) and a gpg.conf with no-random-seed-file, so concurrent gpg processes on one
// home do not wait on the random_seed lock.
Status PrepareGnupgHome(const std::filesystem::path& dir);

// What enrolment needs to know about a public key, as gpg sees it now.
struct OpenPgpKeyInfo {
  std::string fingerprint;  // Of the primary key, upper-case hex.
  bool secret = false;      // The data holds secret key material.
  bool revoked = false;
  bool expired = false;
  bool disabled = false;
  bool invalid = false;
  bool can_encrypt = false;  // At least one encryption subkey usable now.
  int64_t expires = 0;       // When encryption to this key stops working; 0 = never.
};

// While one lives, every process this thread forks (GPGME's gpg among them) starts with an
// RLIMIT_CPU of `cpu_seconds` (0: none): the kernel stops it past that much CPU time. A fork
// handler sets the limit in the child; nothing changes for this process. GpgContext::SetCpuLimit
// uses it; a test can watch it on any child.
class ChildCpuLimit {
 public:
  explicit ChildCpuLimit(int cpu_seconds);
  ~ChildCpuLimit();
  ChildCpuLimit(const ChildCpuLimit&) = delete;
  ChildCpuLimit& operator=(const ChildCpuLimit&) = delete;

 private:
  const int previous_;
};

// One GPGME context on one GNUPGHOME (RAII). Each operation starts one gpg process. A context is
// for one thread at a time: give every worker its own.
class GpgContext {
 public:
  ~GpgContext();
  GpgContext(const GpgContext&) = delete;
  GpgContext& operator=(const GpgContext&) = delete;

  // A context on `home`, producing ASCII-armored output when `armor`.
  static Status Open(const std::filesystem::path& home, bool armor,
                     std::unique_ptr<GpgContext>* out);

  // From now on the gpg behind VerifyDetached(Quick), InspectKeys and ImportKeys (the
  // operations that read a client's bytes) may use at most `cpu_seconds` of CPU time (1 or
  // more; 0: no limit): it runs under RLIMIT_CPU and the kernel stops it past the limit. GPGME
  // has no time-out and its cancel is seen only when gpg next writes, which a gpg busy inflating
  // a compression bomb never does; a CPU limit also never stops an honest check that is merely
  // waiting for a busy CPU. An operation stopped by the limit returns IoError("... time limit")
  // and leaves the context unusable (usable() false: do not pool it).
  void SetCpuLimit(int cpu_seconds) { cpu_limit_seconds_ = cpu_seconds; }
  bool usable() const { return !stopped_; }

  // Signs with the secret key `fingerprint` from now on (looked up once here, not per
  // operation).
  Status SetSigner(const std::string& fingerprint);

  // Lists the keys in `data` (armored or binary) without importing them.
  Status InspectKeys(std::string_view data, std::vector<OpenPgpKeyInfo>* keys);

  // Creates a passphrase-less ed25519 signing key that never expires in this context's home
  // (a batch job signs unattended; the home's 0700 mode is its protection).
  Status CreateSigningKey(const std::string& user_id, std::string* fingerprint);

  // The public key `fingerprint` from this home, ASCII-armored.
  Status ExportPublicKey(const std::string& fingerprint, std::string* armored);

  // Imports the public key(s) in `data` into this context's home.
  Status ImportKeys(std::string_view data);

  // Checks a detached signature over `signed_data` against the keys in this home. *good is
  // true only for a valid signature by a key that is present, not expired and not revoked;
  // then *primary_fingerprint is the fingerprint of the signing key's primary key (what the
  // registry pins), whichever subkey made the signature. VerifyDetachedQuick plus a key lookup.
  Status VerifyDetached(std::string_view signed_data, std::string_view signature, bool* good,
                        std::string* primary_fingerprint);

  // The cheaper check for a home that holds only trusted keys: no key lookup after the verify
  // (one gpg process in all). *good as for VerifyDetached; *signing_fingerprint is the
  // fingerprint of the key or subkey that made the signature (map it to its primary with
  // KeyFingerprints).
  Status VerifyDetachedQuick(std::string_view signed_data, std::string_view signature, bool* good,
                             std::string* signing_fingerprint);

  // Every (subkey or primary fingerprint, primary fingerprint) pair of the public keys here.
  Status KeyFingerprints(std::vector<std::pair<std::string, std::string>>* pairs);

  // A detached signature over `data` by the key set with SetSigner: binary, or ASCII-armored
  // when the context is.
  Status SignDetached(std::string_view data, std::string* signature);

  // Signs `plaintext` and encrypts it to the public keys kept one per file in `key_files`
  // (gpg -f: no keyring lookup, so the cost does not grow with the number of keys anywhere).
  Status SignAndEncryptToKeyFiles(std::string_view plaintext,
                                  const std::vector<std::filesystem::path>& key_files,
                                  std::string* ciphertext);

  // Decrypts a signed and encrypted message with a secret key of this home (through its
  // gpg-agent); *good_signers gets the primary fingerprint of every valid signature by a key
  // present here, not expired and not revoked.
  Status DecryptVerify(std::string_view ciphertext, std::string* plaintext,
                       std::vector<std::string>* good_signers);

  // The primary fingerprints of the usable secret keys in this home.
  Status SecretKeyFingerprints(std::vector<std::string>* fingerprints);

 private:
  explicit GpgContext(gpgme_ctx_t ctx) : ctx_(ctx) {}
  class Limited;  // Runs one operation under the CPU limit.
  gpgme_ctx_t ctx_;
  int cpu_limit_seconds_ = 0;
  bool stopped_ = false;
};

}  // namespace portal
