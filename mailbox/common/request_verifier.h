#pragma once

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
// to three keys, whatever the number of patients. Thread-safe.
class RequestVerifier {
 public:
  explicit RequestVerifier(std::filesystem::path verify_dir) : dir_(std::move(verify_dir)) {}
  RequestVerifier(const RequestVerifier&) = delete;
  RequestVerifier& operator=(const RequestVerifier&) = delete;

  // *good is true only when `signature` (a detached OpenPGP signature) over `data` is valid and
  // was made by a key that is pinned in `enrollment`, present in keys/ (`registry`), not expired
  // and not revoked; then *fingerprint is the primary fingerprint of that key.
  Status Verify(const EnrollmentRegistry& registry, const Enrollment& enrollment,
                std::string_view data, std::string_view signature, bool* good,
                std::string* fingerprint);

  // Removes half-built homes a killed daemon left behind and the homes of key sets no longer
  // enrolled (unenrolled patients, replaced keys); call before serving.
  void RemoveLeftovers(const std::vector<Enrollment>& enrolled);

  // The folder name of an enrolment's verification home.
  static std::string HomeName(const Enrollment& enrollment);

 private:
  Status Build(const EnrollmentRegistry& registry, const Enrollment& enrollment,
               const std::filesystem::path& home);

  std::filesystem::path dir_;
  std::mutex mu_;
  // Idle GPGME contexts by home name (bounded: cleared past 1,024 homes).
  std::unordered_map<std::string, std::vector<std::unique_ptr<GpgContext>>> idle_;
};

}  // namespace portal
