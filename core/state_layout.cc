#include "core/state_layout.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

#include "core/account_secrets.h"
#include "core/enrollment_registry.h"
#include "core/file_util.h"
#include "core/gpg.h"
#include "core/record_store.h"
#include "core/state_permissions.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

constexpr char kSigningSetting[] = "signing_fingerprint";
constexpr char kMailboxSetting[] = "mailbox_fingerprint";

Status MakePrivateDir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IoError(dir.string() + ": cannot create: " + std::strerror(errno));
  }
  if (::chmod(dir.c_str(), 0700) != 0) {
    return Status::IoError(dir.string() + ": cannot make private: " + std::strerror(errno));
  }
  return Status::Ok();
}

// The ed25519 key of `home` named by `setting`, created on first use; its public half exported
// to `public_path` every time (cheap, and repairs a deleted file).
Status EnsureServiceKey(EnrollmentRegistry* registry, const fs::path& home, const char* setting,
                        const std::string& user_id, const fs::path& public_path,
                        std::string* fingerprint, bool* created) {
  PORTAL_RETURN_IF_ERROR(PrepareGnupgHome(home));
  bool found = false;
  PORTAL_RETURN_IF_ERROR(registry->GetSetting(setting, fingerprint, &found));
  std::unique_ptr<GpgContext> gpg;
  PORTAL_RETURN_IF_ERROR(GpgContext::Open(home, /*armor=*/true, &gpg));
  if (!found) {
    PORTAL_RETURN_IF_ERROR(gpg->CreateSigningKey(user_id, fingerprint));
    PORTAL_RETURN_IF_ERROR(registry->SetSetting(setting, *fingerprint));
    *created = true;
  }
  std::string public_key;
  PORTAL_RETURN_IF_ERROR(gpg->ExportPublicKey(*fingerprint, &public_key));
  return WriteFileAtomically(public_path, public_key);
}

// SecureStateDir once per state directory, depth and process (a staff command checks the folder
// more than once; the first pass leaves nothing for a second to change).
Status SecureStateDirOnce(const fs::path& root, StateDepth depth) {
  static std::mutex mu;
  static std::set<std::pair<fs::path, StateDepth>> secured;
  std::lock_guard<std::mutex> lock(mu);
  if (secured.count({root, depth}) != 0 || secured.count({root, StateDepth::kTree}) != 0) {
    return Status::Ok();
  }
  PORTAL_RETURN_IF_ERROR(SecureStateDir(root, depth));
  secured.insert({root, depth});
  return Status::Ok();
}

Status CheckKeySetting(const StateLayout& layout, const fs::path& home, const char* setting,
                       std::string* fingerprint) {
  PORTAL_RETURN_IF_ERROR(SecureStateDirOnce(layout.root, StateDepth::kTop));
  const Status not_ready = Status::InvalidInput(
      layout.root.string() + ": state directory not prepared (run portal-staff init)");
  std::error_code ec;
  if (!fs::exists(layout.registry_db, ec) || !fs::is_directory(home, ec)) return not_ready;
  std::unique_ptr<EnrollmentRegistry> registry;
  PORTAL_RETURN_IF_ERROR(EnrollmentRegistry::Open(layout.registry_db, layout.keys_dir, &registry));
  bool found = false;
  PORTAL_RETURN_IF_ERROR(registry->GetSetting(setting, fingerprint, &found));
  return found ? Status::Ok() : not_ready;
}

}  // namespace

fs::path KeyFileIn(const fs::path& keys_dir, const std::string& fingerprint) {
  return keys_dir / (fingerprint + ".asc");
}

StateLayout::StateLayout(const fs::path& state_dir)
    : root(state_dir),
      records_db(RecordStore::PathIn(state_dir)),
      registry_db(state_dir / "registry.sqlite"),
      nightly_db(state_dir / "nightly.sqlite"),
      keys_dir(state_dir / "keys"),
      signing_home(state_dir / "gnupg" / "portal"),
      scratch_home(state_dir / "gnupg" / "inspect"),
      signing_public_key(state_dir / "portal-signing-key.asc"),
      nightly_lock(state_dir / "nightly.lock"),
      mailbox_db(state_dir / "mailbox.sqlite"),
      mailbox_home(state_dir / "gnupg" / "mailbox"),
      verify_dir(state_dir / "gnupg" / "verify"),
      mailbox_public_key(state_dir / "mailbox-service-key.asc"),
      replies_dir(state_dir / "replies"),
      audit_db(state_dir / "audit.sqlite"),
      outbox_db(state_dir / "outbox.sqlite"),
      directory_db(state_dir / "directory.sqlite"),
      accounts_pepper(state_dir / "accounts.pepper"),
      intake_dir(state_dir / "gnupg" / "intake"),
      reply_copies_dir(state_dir / "replies-staff"),
      ehr_dir(state_dir / "ehr"),
      ehr_key(state_dir / "ehr" / "ehr-key.pem"),
      ehr_pull_state(state_dir / "ehr" / "pull-state.json") {}

Status InitStateDir(const PortalConfig& config, InitReport* report) {
  const StateLayout layout(config.paths.state_dir);
  // An existing folder as it was, all of it: init is where an operator fixes an older install.
  PORTAL_RETURN_IF_ERROR(SecureStateDirOnce(layout.root, StateDepth::kTree));
  PORTAL_RETURN_IF_ERROR(MakePrivateDir(layout.root));
  PORTAL_RETURN_IF_ERROR(MakePrivateDir(layout.keys_dir));
  PORTAL_RETURN_IF_ERROR(MakePrivateDir(layout.root / "gnupg"));
  PORTAL_RETURN_IF_ERROR(PrepareGnupgHome(layout.scratch_home));
  PORTAL_RETURN_IF_ERROR(MakePrivateDir(layout.verify_dir));
  PORTAL_RETURN_IF_ERROR(MakePrivateDir(layout.intake_dir));
  PORTAL_RETURN_IF_ERROR(EnsureAccountPepper(layout.accounts_pepper));
  std::unique_ptr<RecordStore> store;
  PORTAL_RETURN_IF_ERROR(RecordStore::Open(layout.records_db, &store));
  std::unique_ptr<EnrollmentRegistry> registry;
  PORTAL_RETURN_IF_ERROR(EnrollmentRegistry::Open(layout.registry_db, layout.keys_dir, &registry));
  PORTAL_RETURN_IF_ERROR(EnsureServiceKey(registry.get(), layout.signing_home, kSigningSetting,
                                          config.hospital.name + " Patient Portal summaries",
                                          layout.signing_public_key, &report->signing_fingerprint,
                                          &report->created_signing_key));
  return EnsureServiceKey(registry.get(), layout.mailbox_home, kMailboxSetting,
                          config.hospital.name + " Patient Portal mailbox",
                          layout.mailbox_public_key, &report->mailbox_fingerprint,
                          &report->created_mailbox_key);
}

Status SecureWholeStateDir(const StateLayout& layout) {
  return SecureStateDirOnce(layout.root, StateDepth::kTree);
}

Status CheckStateDir(const StateLayout& layout, std::string* signing_fingerprint) {
  return CheckKeySetting(layout, layout.signing_home, kSigningSetting, signing_fingerprint);
}

Status CheckMailboxState(const StateLayout& layout, std::string* service_fingerprint) {
  return CheckKeySetting(layout, layout.mailbox_home, kMailboxSetting, service_fingerprint);
}

}  // namespace portal
