#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/gpg.h"
#include "core/status.h"
#include "mailbox/staff/staff_session.h"

namespace portal {

// Who is working: the records-staff key (pinned with `staff add`) whose secret half the caller's
// gpg-agent proved it holds, and the OS user running the command as the kernel reports it.
// Everything they do is audited under both, and signed with the key.
struct StaffIdentity {
  std::string fingerprint;  // "" until proven (commands that need no key).
  // A short name for the queue's claim: the pinned key's user once proven, else the process's
  // login name.
  std::string user;
  std::string os_user;  // ActingUser(): what the audit trail records.
  std::filesystem::path gnupg_home;
  // On gnupg_home: decrypts through its gpg-agent, and signs with `fingerprint` once proven.
  std::unique_ptr<GpgContext> gpg;
};

// The name of the process's real user (getpwuid(getuid())), else "uid-N". Never $SUDO_USER.
std::string OsUserName();

// The acting user for the audit trail, from the kernel, not the environment: "uid 1001
// (alice)"; "; login uid 1000 (bob)" when the session's audit login uid (/proc/self/loginuid,
// which no unprivileged process can change, kept across sudo) is set and differs; "; sudo claim:
// carol" when $SUDO_USER is set — recorded as a claim beside the facts, never instead of them
// (any caller can set it). Control characters and overlong claims are shown escaped/cut.
std::string ActingUser();

// Finds the identity and proves it. `gnupg_home` "" means $GNUPGHOME, else ~/.gnupg; `as` (a
// fingerprint) picks one when the home lists several pinned staff keys as secret. The key's
// gpg-agent must sign a fresh challenge (ProveStaffKey) that verifies against the pinned public
// key (keys/, in a throw-away home, not the caller's keyring). InvalidInput when the home lists
// none (saying so), several without `as`, or the proof fails (naming the key, never a patient).
Status FindStaffIdentity(const Session& s, const std::string& gnupg_home, const std::string& as,
                         int64_t now, StaffIdentity* out);

// Opens a queued document: decrypts it with the staff member's key and checks it was signed by
// the mailbox's service key (imported into their home on first use). InvalidInput if the
// signature is missing or not the service key's: the document was altered or is not ours.
Status OpenSealedDocument(const Session& s, StaffIdentity* who, const std::string& sealed,
                          std::string* document);

}  // namespace portal
