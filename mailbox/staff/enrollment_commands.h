#pragma once

#include <string>

#include "core/status.h"

namespace portal {

// What the records staff type for enrolment (portal-staff init / enroll / proxy / unenroll).
struct EnrollmentOptions {
  std::string config_path;
  std::string mrn;
  std::string key_file;     // The patient's or proxy's public key, armored or binary.
  std::string fingerprint;  // For proxy revoke.
  bool replace_key = false;
  std::string email;  // enroll: where plain notices go ("" = none).
};

// Prepares the state directory (idempotent): databases, GNUPGHOMEs, the signing key.
Status RunInitCommand(const EnrollmentOptions& options);
// Enrols a patient seen with photo ID: an adult (or emancipated minor) in the record store,
// with a public key that can encrypt now. Prints the pinned fingerprint and download address.
Status RunEnrollCommand(const EnrollmentOptions& options);
Status RunProxyGrantCommand(const EnrollmentOptions& options);
Status RunProxyRevokeCommand(const EnrollmentOptions& options);
Status RunUnenrollCommand(const EnrollmentOptions& options);
// Sets (or, with an empty options.email, clears) where an enrolled patient's notices go.
Status RunEmailCommand(const EnrollmentOptions& options);

}  // namespace portal
