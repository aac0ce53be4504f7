#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "core/enrollment_registry.h"
#include "core/status.h"

namespace portal {

// A client's new public key (activations, key resets), checked before anything is stored.

enum class KeyIntake {
  kGood,
  kUnusableKey,   // Not exactly one v4 public key gpg reads that can encrypt now: 422.
  kBadSignature,  // The key is fine but did not make the signature: 401.
};

// Checks the packets first (CheckPublicKeyBlock for the key, CheckDetachedSignature for the
// signature: nothing else reaches gpg), then that `armored` (at most `max_bytes`) holds exactly one
// OpenPGP public key that gpg 2.2
// reads (v4: gpg does not read v6 keys, which come out as no key), with no secret material, not
// revoked, expired, disabled or invalid, that can be encrypted to now; then that `signature` (a
// detached binary signature) over `body` was made by that very key. Both run in a fresh 0700
// GNUPGHOME under `intake_dir`, removed afterwards, so nothing of a refused key stays. *key gets
// the fingerprint and expiry (role kPatient) when *result is kGood. Non-OK only when the home
// cannot be made or gpg cannot run, or was stopped at its CPU limit.
Status CheckNewKey(const std::filesystem::path& intake_dir, std::string_view armored,
                   size_t max_bytes, std::string_view body, std::string_view signature,
                   KeyIntake* result, EnrolledKey* key);

}  // namespace portal
