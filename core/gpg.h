#pragma once

#include <gpgme.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace portal {

// Makes `dir` a GNUPGHOME the project owns: created with mode 0700 (refused if it exists with
// wider permissions) and a gpg.conf with no-random-seed-file, so concurrent gpg processes on one
// home do not wait on the random_seed lock.
Status PrepareGnupgHome(const std::filesystem::path& dir);

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

  // Signs with the secret key `fingerprint` from now on (looked up once here, not per
  // operation).
  Status SetSigner(const std::string& fingerprint);

  // Signs `plaintext` and encrypts it to the public keys kept one per file in `key_files`
  // (gpg -f: no keyring lookup, so the cost does not grow with the number of keys anywhere).
  Status SignAndEncryptToKeyFiles(std::string_view plaintext,
                                  const std::vector<std::filesystem::path>& key_files,
                                  std::string* ciphertext);

 private:
  explicit GpgContext(gpgme_ctx_t ctx) : ctx_(ctx) {}
  gpgme_ctx_t ctx_;
};

}  // namespace portal
