#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace portal {

// Signing and encrypting in a small helper process (`portal-gpg-worker`) instead of this one.
//
// Why: GPGME starts one gpg per operation by forking the calling process, and fork copies the
// page tables of the caller's private memory, so each operation costs more the bigger the
// caller is (+2.2 ms with 60 MiB more resident, docs/benchmarks.md). The nightly run holds the
// plan for every enrolled patient; the helper holds one GPGME context and nothing else, so its
// forks stay cheap whatever the number of patients. One helper per worker thread.
//
// Protocol on a socket pair, little-endian u32 lengths: request = key count, each key file
// path (length + bytes), plaintext (length + bytes); answer = one byte (1 ok, 0 error), then
// length + ciphertext or error message. The helper exits at end of input.
class GpgWorkerClient {
 public:
  ~GpgWorkerClient();
  GpgWorkerClient(const GpgWorkerClient&) = delete;
  GpgWorkerClient& operator=(const GpgWorkerClient&) = delete;

  // Starts `program` (the portal-gpg-worker executable) signing as `signer` in `home`.
  static Status Start(const std::filesystem::path& program, const std::filesystem::path& home,
                      const std::string& signer, std::unique_ptr<GpgWorkerClient>* out);

  // As GpgContext::SignAndEncryptToKeyFiles, in the helper. A helper that died (killed, out of
  // memory) is started again once, and the request retried, so one lost helper does not fail
  // every patient after it.
  Status SignAndEncryptToKeyFiles(std::string_view plaintext,
                                  const std::vector<std::filesystem::path>& key_files,
                                  std::string* ciphertext);

  pid_t pid() const { return pid_; }

 private:
  GpgWorkerClient() = default;
  Status Spawn();
  void Reap();
  // One request; false if the helper is gone (no answer).
  bool Exchange(const std::string& request, bool* ok, std::string* answer);

  std::filesystem::path program_;
  std::filesystem::path home_;
  std::string signer_;
  int fd_ = -1;
  pid_t pid_ = -1;
};

// The helper's side: serves requests on `fd` until end of input. Returns the status that ended
// it (Ok at end of input).
Status ServeGpgWorker(int fd, const std::filesystem::path& home, const std::string& signer);

// The portal-gpg-worker executable next to the running program (/proc/self/exe's folder).
std::filesystem::path GpgWorkerProgram();

}  // namespace portal
