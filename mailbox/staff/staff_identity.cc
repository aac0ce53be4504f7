#include "mailbox/staff/staff_identity.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "core/file_util.h"
#include "core/parse_number.h"
#include "mailbox/staff/staff_proof.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

std::string NameOf(uid_t uid) {
  if (const passwd* pw = ::getpwuid(uid); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  return "";
}

// "uid N (name)", or "uid N" when the user has no name.
std::string Describe(const char* label, uid_t uid) {
  const std::string name = NameOf(uid);
  return std::string(label) + std::to_string(uid) + (name.empty() ? "" : " (" + name + ")");
}

// The session's audit login uid, if the kernel keeps one and it is set.
bool LoginUid(uid_t* uid) {
  std::string text;
  if (!ReadFile("/proc/self/loginuid", &text).ok()) return false;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  int64_t value = 0;
  if (!ParseInt64(text, &value) || value < 0 || value >= 4294967295LL) return false;
  *uid = static_cast<uid_t>(value);
  return true;
}

// A claim from the environment, printable and short: bytes outside ' '..'~' become '?'.
std::string Claim(const char* text) {
  std::string out;
  for (const char* p = text; *p != '\0' && out.size() < 32; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  return out;
}

fs::path DefaultHome() {
  if (const char* g = std::getenv("GNUPGHOME"); g != nullptr && *g != '\0') return g;
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0')
    return fs::path(h) / ".gnupg";
  return ".gnupg";
}

// Proves `fingerprint` (ProveStaffKey against its key file in keys/) and sets it on `out`.
Status Prove(const Session& s, const std::string& fingerprint, const std::string& staff_user,
             int64_t now, StaffIdentity* out) {
  std::string pinned;
  PORTAL_RETURN_IF_ERROR(ReadFile(s.registry->KeyFile(fingerprint), &pinned)
                             .WithPrefix("the pinned key file of staff key " + fingerprint));
  bool proven = false;
  std::string why;
  PORTAL_RETURN_IF_ERROR(ProveStaffKey(out->gpg.get(), fingerprint, pinned, now, &proven, &why));
  if (!proven) {
    return Status::InvalidInput("refused: " + out->gnupg_home.string() +
                                " lists the pinned staff key " + fingerprint + " as secret, but " +
                                why + ". Nothing was done and nothing audited under that key.");
  }
  out->fingerprint = fingerprint;
  out->user = staff_user;
  return Status::Ok();
}

}  // namespace

std::string OsUserName() {
  const std::string name = NameOf(::getuid());
  return name.empty() ? "uid-" + std::to_string(::getuid()) : name;
}

std::string ActingUser() {
  const uid_t uid = ::getuid();
  std::string out = Describe("uid ", uid);
  uid_t login = 0;
  if (LoginUid(&login) && login != uid) out += "; " + Describe("login uid ", login);
  if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0') {
    out += "; sudo claim: " + Claim(sudo);
  }
  return out;
}

Status FindStaffIdentity(const Session& s, const std::string& gnupg_home, const std::string& as,
                         int64_t now, StaffIdentity* out) {
  out->gnupg_home = gnupg_home.empty() ? DefaultHome() : fs::path(gnupg_home);
  out->user = OsUserName();
  out->os_user = ActingUser();
  PORTAL_RETURN_IF_ERROR(GpgContext::Open(out->gnupg_home, /*armor=*/false, &out->gpg));
  std::vector<std::string> secret;
  PORTAL_RETURN_IF_ERROR(out->gpg->SecretKeyFingerprints(&secret));
  std::vector<StaffKey> pinned;
  PORTAL_RETURN_IF_ERROR(s.registry->StaffKeys(&pinned));
  // Listed as secret is only a claim (a smart-card stub lists a key nobody here holds): each
  // candidate is proven below.
  std::vector<const StaffKey*> mine;
  for (const auto& k : pinned) {
    if (std::find(secret.begin(), secret.end(), k.fingerprint) != secret.end()) {
      mine.push_back(&k);
    }
  }
  if (!as.empty()) {
    for (const StaffKey* k : mine) {
      if (k->fingerprint == as) return Prove(s, k->fingerprint, k->user, now, out);
    }
    return Status::InvalidInput("--as: no pinned staff key " + as + " with its secret key in " +
                                out->gnupg_home.string());
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
  return Prove(s, mine[0]->fingerprint, mine[0]->user, now, out);
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
