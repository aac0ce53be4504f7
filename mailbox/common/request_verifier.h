#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/enrollment_registry.h"
#include "core/gpg.h"
#include "core/status.h"

namespace portal {

// Checks that a request was signed by a key pinned for the patient. GPGME verifies only against
// a keyring, and a keyring of every enrolled key is searched linearly; so each enrolment gets a
// small GNUPGHOME of its own under `verify_dir`, holding only its pinned keys and named by the
// token and a hash of the key set (`<token>-<hash>`): built on first use from keys/, never
// changed afterwards, replaced by a new one when staff pin or unpin a key. Each check reads one
// to three keys, whatever the number of patients. The signature's packets are checked before gpg
// reads them (CheckDetachedSignature) and gpg runs under a CPU limit (kGpgCpuSeconds). Checks
// that cannot succeed (an MRN nobody enrolled, an enrolment without keys) still run gpg, against
// a decoy home, so they cost what a wrong key costs (no enrolment oracle by latency).
// Thread-safe.
class RequestVerifier {
 public:
  explicit RequestVerifier(std::filesystem::path verify_dir) : dir_(std::move(verify_dir)) {}
  RequestVerifier(const RequestVerifier&) = delete;
  RequestVerifier& operator=(const RequestVerifier&) = delete;

  // The CPU seconds one gpg check of a client's signature may use (GpgContext::SetCpuLimit): an
  // honest check uses a few milliseconds.
  static constexpr int kGpgCpuSeconds = 2;

  // *good is true only when `signature` (a detached OpenPGP signature) over `data` passes
  // CheckDetachedSignature, is valid and was made by a key that is pinned in `enrollment`,
  // present in keys/ (`registry`), not expired and not revoked; then *fingerprint is the primary
  // fingerprint of that key. An enrolment without keys is checked against the decoy.
  // IoError when gpg cannot run or was stopped at its CPU limit.
  Status Verify(const EnrollmentRegistry& registry, const Enrollment& enrollment,
                std::string_view data, std::string_view signature, bool* good,
                std::string* fingerprint);

  // Makes the decoy home (".decoy") holding only the public key in `key_file` (the mailbox
  // service's own: no client holds its secret half, so nothing verifies there); call after
  // RemoveLeftovers, before serving.
  Status PrepareDecoy(const std::filesystem::path& key_file);

  // The same work as Verify for a check that must fail whatever the signature is (an MRN
  // nobody enrolled, an account nobody has): the packet check and one gpg verify against the
  // decoy home, its result discarded. Without a decoy prepared, only the packet check.
  void VerifyDecoy(std::string_view data, std::string_view signature);

  // How many decoy verifications ran (a test's seam).
  uint64_t decoy_checks() const { return decoy_checks_.load(); }

  // Removes half-built homes a killed daemon left behind and the homes of key sets no longer
  // enrolled (unenrolled patients, replaced keys); call before serving.
  void RemoveLeftovers(const std::vector<Enrollment>& enrolled);

  // The folder name of an enrolment's verification home.
  static std::string HomeName(const Enrollment& enrollment);

 private:
  Status Build(const EnrollmentRegistry& registry, const Enrollment& enrollment,
               const std::filesystem::path& home);
  // The packet check, then a verify in the home `name` with a pooled context (a context gpg
  // was stopped in is not pooled again).
  Status VerifyIn(const std::string& name, std::string_view data, std::string_view signature,
                  bool* valid, std::string* signing);

  std::filesystem::path dir_;
  std::mutex mu_;
  // Idle GPGME contexts by home name (bounded: cleared past 1,024 homes).
  std::unordered_map<std::string, std::vector<std::unique_ptr<GpgContext>>> idle_;
  bool decoy_ready_ = false;  // Set before serving, read only afterwards.
  std::atomic<uint64_t> decoy_checks_{0};
};

}  // namespace portal
