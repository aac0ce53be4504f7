#include "mailbox/daemon/key_intake.h"

#include <memory>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "core/gpg.h"
#include "core/openpgp_packets.h"
#include "core/sha256.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

// A scratch GNUPGHOME for one request, removed with everything in it when it goes out of scope.
class IntakeHome {
 public:
  IntakeHome() = default;
  IntakeHome(const IntakeHome&) = delete;
  IntakeHome& operator=(const IntakeHome&) = delete;
  ~IntakeHome() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }

  Status Create(const fs::path& intake_dir) {
    const std::string suffix = RandomHex(16);
    if (suffix.empty()) return Status::IoError("no random bytes for an intake folder name");
    path_ = intake_dir / ("home-" + suffix);
    PORTAL_RETURN_IF_ERROR(PrepareGnupgHome(path_));
    // The signature is trusted because it is by the key sent, not through a web of trust; and
    // reading public keys needs no agent or dirmngr, so none may start (a process left running
    // in a folder about to be removed).
    return WriteFile(path_ / "gpg.conf", "no-random-seed-file\ntrust-model always\nno-autostart\n");
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The CPU seconds each gpg run on a client's key may use (GpgContext::SetCpuLimit).
constexpr int kIntakeCpuSeconds = 2;

// One v4 key gpg reads as usable, as enroll's ReadUsableKey demands.
bool Usable(const std::vector<OpenPgpKeyInfo>& keys) {
  if (keys.size() != 1) return false;
  const OpenPgpKeyInfo& k = keys[0];
  return k.fingerprint.size() == 40 && !k.secret && !k.revoked && !k.expired && !k.disabled &&
         !k.invalid && k.can_encrypt;
}

}  // namespace

Status CheckNewKey(const fs::path& intake_dir, std::string_view armored, size_t max_bytes,
                   std::string_view body, std::string_view signature, KeyIntake* result,
                   EnrolledKey* key) {
  *result = KeyIntake::kUnusableKey;
  // The packets first, before gpg reads a byte: a key block of public key, user ID, signature
  // and subkey packets only, and a signature of one small packet.
  if (!CheckPublicKeyBlock(armored, max_bytes).ok()) return Status::Ok();
  if (!CheckDetachedSignature(signature).ok()) {
    *result = KeyIntake::kBadSignature;
    return Status::Ok();
  }
  IntakeHome home;
  PORTAL_RETURN_IF_ERROR(home.Create(intake_dir));
  std::unique_ptr<GpgContext> gpg;
  PORTAL_RETURN_IF_ERROR(GpgContext::Open(home.path(), /*armor=*/false, &gpg));
  gpg->SetCpuLimit(kIntakeCpuSeconds);
  // What gpg cannot read is the client's data at fault, not the server: an unusable key.
  std::vector<OpenPgpKeyInfo> keys;
  if (!gpg->InspectKeys(armored, &keys).ok() || !Usable(keys)) return Status::Ok();
  if (!gpg->ImportKeys(armored).ok()) return Status::Ok();
  bool good = false;
  std::string signer;
  PORTAL_RETURN_IF_ERROR(gpg->VerifyDetached(body, signature, &good, &signer));
  if (!good || signer != keys[0].fingerprint) {
    *result = KeyIntake::kBadSignature;
    return Status::Ok();
  }
  key->fingerprint = keys[0].fingerprint;
  key->expires = keys[0].expires;
  key->role = EnrolledKey::Role::kPatient;
  *result = KeyIntake::kGood;
  return Status::Ok();
}

}  // namespace portal
