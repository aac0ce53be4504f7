#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/gpg.h"
#include "core/status.h"

namespace portal {

// A throw-away GnuPG home holding only the public keys it is given — never the caller's keyring
// — removed with everything in it when the object goes: where staff signatures are checked.
class ProofHome {
 public:
  ~ProofHome();
  ProofHome(const ProofHome&) = delete;
  ProofHome& operator=(const ProofHome&) = delete;

  // A new home in a fresh 0700 folder under the system's temporary folder.
  static Status Create(std::unique_ptr<ProofHome>* out);

  // Imports public key(s) (armored or binary, as pinned).
  Status AddKey(std::string_view key_data);

  // *good: `signature` is one binary v4 signature over `data` (SHA-256 or stronger:
  // openpgp_packets' CheckDetachedSignature), valid, by a key here whose primary fingerprint is
  // `fingerprint`, not revoked. With `allow_expired`, a key that has expired since still counts (an
  // old audit entry was signed while it was valid); otherwise the key must be usable now.
  Status Check(const std::string& fingerprint, std::string_view data, std::string_view signature,
               bool allow_expired, bool* good);

 private:
  struct Gpgme;
  ProofHome(std::filesystem::path dir, std::unique_ptr<Gpgme> gpg);
  std::filesystem::path dir_;
  std::unique_ptr<Gpgme> gpg_;
};

// The text a staff member's key signs to prove it is theirs: "portal-staff identity v1\n", 32
// random bytes as hex, the time and the claimed fingerprint, one per line. The prefix keeps it
// from passing as any other signature the key makes (audit entries, documents).
std::string IdentityChallenge(const std::string& fingerprint, int64_t now);

// Proves the caller holds staff key `fingerprint`: `gpg` (a context on the caller's home) signs
// a fresh challenge through its gpg-agent, and the signature is checked against `pinned_key`
// (the key file `staff add` pinned) in a ProofHome. *proven false, with *why saying what failed,
// when the agent cannot sign (a card stub, a missing or foreign private key) or the signature is
// not the pinned key's. Leaves `fingerprint` as `gpg`'s signer.
Status ProveStaffKey(GpgContext* gpg, const std::string& fingerprint, std::string_view pinned_key,
                     int64_t now, bool* proven, std::string* why);

}  // namespace portal
