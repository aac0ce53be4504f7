#pragma once

#include <filesystem>
#include <string>

#include "core/config.h"
#include "core/status.h"

namespace portal {

// Where each lasting piece of state lives under the state directory (paths.state_dir).
struct StateLayout {
  explicit StateLayout(const std::filesystem::path& state_dir);

  std::filesystem::path root;
  std::filesystem::path records_db;    // records.sqlite: the FHIR record store.
  std::filesystem::path registry_db;   // registry.sqlite: enrolments, pinned keys, settings.
  std::filesystem::path nightly_db;    // nightly.sqlite: what each published summary was made of.
  std::filesystem::path keys_dir;      // keys/: each enrolled public key in its own file.
  std::filesystem::path signing_home;  // gnupg/portal: the portal's signing key (0700).
  std::filesystem::path scratch_home;  // gnupg/inspect: reads keys without importing (0700).
  std::filesystem::path signing_public_key;  // The signing key's public half, for patients.
  std::filesystem::path nightly_lock;        // Held by a running `portal-gen nightly`.
  std::filesystem::path mailbox_db;          // mailbox.sqlite: the mailbox daemon's queue.
  std::filesystem::path mailbox_home;        // gnupg/mailbox: the mailbox's service key (0700).
  std::filesystem::path verify_dir;  // gnupg/verify: one small home per token's pinned keys.
  std::filesystem::path mailbox_public_key;  // The service key's public half, for staff.
  std::filesystem::path replies_dir;  // replies/<token>/: sealed replies the nightly publishes.
  std::filesystem::path audit_db;     // audit.sqlite: the staff's hash-chained audit trail.
  std::filesystem::path outbox_db;    // outbox.sqlite: e-mail notices waiting to be sent.
  // directory.sqlite: what the daemon may know of every patient in the record store (MRN,
  // hashes of the e-mail addresses on record, birth date, standing); written by the nightly run,
  // opened read-only by the daemon (core/patient_directory.h).
  std::filesystem::path directory_db;
  // accounts.pepper: 32 random bytes (0600) keying the HMACs of core/account_secrets.h.
  std::filesystem::path accounts_pepper;
  // gnupg/intake: scratch homes where the daemon checks a new key's signature before pinning it.
  std::filesystem::path intake_dir;
  // replies-staff/<receipt>/: each reply also sealed to the staff keys, so `reply --resend` can
  // seal it again after the patient's key changed (0700 folders; portal-staff only).
  std::filesystem::path reply_copies_dir;
  // ehr/ (0700): what the portal needs to pull from the EHR (SMART Backend Services).
  std::filesystem::path ehr_dir;
  // ehr/ehr-key.pem: the portal's private key for the EHR's token endpoint (PKCS#8, 0600;
  // portal-staff ehr-key create, core/ehr_key.h).
  std::filesystem::path ehr_key;
  // ehr/pull-state.json: the committed _since, the export in flight, the moves and the files
  // awaiting ingest (generator/ehr/pull_state.h).
  std::filesystem::path ehr_pull_state;
};

// The one name of a pinned public key's file: <keys_dir>/<FINGERPRINT>.asc (enrolment writes it,
// the nightly run and the mailbox read it).
std::filesystem::path KeyFileIn(const std::filesystem::path& keys_dir,
                                const std::string& fingerprint);

// What `portal-staff init` did.
struct InitReport {
  bool created_signing_key = false;
  std::string signing_fingerprint;
  bool created_mailbox_key = false;
  std::string mailbox_fingerprint;
};

// Prepares the state directory once (idempotent): the folder (0700), the databases, the
// GNUPGHOMEs, the portal's signing key and the mailbox's service key (each created on first
// use, kept afterwards). An existing folder is first checked as SecureStateDir(kTree) does.
Status InitStateDir(const PortalConfig& config, InitReport* report);

// InvalidInput naming `portal-staff init` unless the state directory was prepared; sets
// *signing_fingerprint. First (once per process) SecureStateDir(kTop) (core/state_permissions.h):
// refused when another user's; the folder and its entries made private when open to others.
Status CheckStateDir(const StateLayout& layout, std::string* signing_fingerprint);
// The same for the mailbox daemon: sets *service_fingerprint (the mailbox's service key).
Status CheckMailboxState(const StateLayout& layout, std::string* service_fingerprint);
// SecureStateDir(kTree) once per process: the nightly run's pass over the whole state directory.
Status SecureWholeStateDir(const StateLayout& layout);

}  // namespace portal
