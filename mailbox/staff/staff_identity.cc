#include "mailbox/staff/staff_identity.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "core/file_util.h"

namespace portal {

namespace fs = std::filesystem;

std::string OsUserName() {
  if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0') return sudo;
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr) return pw->pw_name;
  return "uid-" + std::to_string(::getuid());
}

namespace {

fs::path DefaultHome() {
  if (const char* g = std::getenv("GNUPGHOME"); g != nullptr && *g != '\0') return g;
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0')
    return fs::path(h) / ".gnupg";
  return ".gnupg";
}

}  // namespace

Status FindStaffIdentity(const Session& s, const std::string& gnupg_home, const std::string& as,
                         StaffIdentity* out) {
  out->gnupg_home = gnupg_home.empty() ? DefaultHome() : fs::path(gnupg_home);
  out->user = OsUserName();
  PORTAL_RETURN_IF_ERROR(GpgContext::Open(out->gnupg_home, /*armor=*/false, &out->gpg));
  std::vector<std::string> secret;
  PORTAL_RETURN_IF_ERROR(out->gpg->SecretKeyFingerprints(&secret));
  std::vector<StaffKey> pinned;
  PORTAL_RETURN_IF_ERROR(s.registry->StaffKeys(&pinned));
  std::vector<std::string> mine;
  for (const auto& k : pinned) {
    if (std::find(secret.begin(), secret.end(), k.fingerprint) != secret.end()) {
      mine.push_back(k.fingerprint);
    }
  }
  if (!as.empty()) {
    if (std::find(mine.begin(), mine.end(), as) == mine.end()) {
      return Status::InvalidInput("--as: no pinned staff key " + as + " with its secret key in " +
                                  out->gnupg_home.string());
    }
    out->fingerprint = as;
    return Status::Ok();
  }
  if (mine.empty()) {
    return Status::InvalidInput("no pinned staff key has its secret key in " +
                                out->gnupg_home.string() +
                                " (set GNUPGHOME, or ask for `portal-staff staff add`)");
  }
  if (mine.size() > 1) {
    return Status::InvalidInput("several pinned staff keys are in " + out->gnupg_home.string() +
                                "; choose one with --as FINGERPRINT");
  }
  out->fingerprint = mine[0];
  return Status::Ok();
}

Status OpenSealedDocument(const Session& s, StaffIdentity* who, const std::string& sealed,
                          std::string* document) {
  std::string service;
  PORTAL_RETURN_IF_ERROR(CheckMailboxState(*s.layout, &service));
  std::string plain;
  std::vector<std::string> signers;
  if (!who->gpg->DecryptVerify(sealed, &plain, &signers).ok()) {
    return Status::InvalidInput(
        "your staff key cannot open this document (it was sealed before your key was added, or "
        "it is damaged)");
  }
  if (std::find(signers.begin(), signers.end(), service) == signers.end()) {
    // Perhaps the service key is not in the staff member's home yet: import it, try again.
    std::string key;
    PORTAL_RETURN_IF_ERROR(ReadFile(s.layout->mailbox_public_key, &key));
    PORTAL_RETURN_IF_ERROR(who->gpg->ImportKeys(key));
    PORTAL_RETURN_IF_ERROR(who->gpg->DecryptVerify(sealed, &plain, &signers));
  }
  if (std::find(signers.begin(), signers.end(), service) == signers.end()) {
    return Status::InvalidInput(
        "the document does not carry a good signature of the mailbox's service key: it was "
        "altered, or it is not from this mailbox");
  }
  *document = std::move(plain);
  return Status::Ok();
}

}  // namespace portal
