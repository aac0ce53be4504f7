#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/gpg.h"
#include "core/status.h"
#include "mailbox/staff/staff_session.h"

namespace portal {

// Who is working: the records-staff key (pinned with `staff add`) whose secret half is in the
// caller's GnuPG home, and the OS user running the command. Everything they do is audited under
// both.
struct StaffIdentity {
  std::string fingerprint;
  std::string user;  // The login name: $SUDO_USER under sudo, else the process's user.
  std::filesystem::path gnupg_home;
  std::unique_ptr<GpgContext> gpg;  // On gnupg_home: decrypts through its gpg-agent.
};

// The login name: $SUDO_USER under sudo, else the process's user.
std::string OsUserName();

// Finds the identity. `gnupg_home` "" means $GNUPGHOME, else ~/.gnupg; `as` (a fingerprint)
// picks one when the home holds several pinned staff keys. InvalidInput when the home holds
// none (saying so) or several without `as`.
Status FindStaffIdentity(const Session& s, const std::string& gnupg_home, const std::string& as,
                         StaffIdentity* out);

// Opens a queued document: decrypts it with the staff member's key and checks it was signed by
// the mailbox's service key (imported into their home on first use). InvalidInput if the
// signature is missing or not the service key's: the document was altered or is not ours.
Status OpenSealedDocument(const Session& s, StaffIdentity* who, const std::string& sealed,
                          std::string* document);

}  // namespace portal
