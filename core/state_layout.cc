#include "core/state_layout.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/enrollment_registry.h"
#include "core/file_util.h"
#include "core/gpg.h"
#include "core/record_store.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

constexpr char kSigningSetting[] = "signing_fingerprint";

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

}  // namespace

StateLayout::StateLayout(const fs::path& state_dir)
    : root(state_dir),
      records_db(RecordStore::PathIn(state_dir)),
      registry_db(state_dir / "registry.sqlite"),
      nightly_db(state_dir / "nightly.sqlite"),
      keys_dir(state_dir / "keys"),
      signing_home(state_dir / "gnupg" / "portal"),
      scratch_home(state_dir / "gnupg" / "inspect"),
      signing_public_key(state_dir / "portal-signing-key.asc"),
      nightly_lock(state_dir / "nightly.lock") {}

Status InitStateDir(const PortalConfig& config, InitReport* report) {
  const StateLayout layout(config.paths.state_dir);
  PORTAL_RETURN_IF_ERROR(MakePrivateDir(layout.root));
  PORTAL_RETURN_IF_ERROR(MakePrivateDir(layout.keys_dir));
  PORTAL_RETURN_IF_ERROR(MakePrivateDir(layout.root / "gnupg"));
  PORTAL_RETURN_IF_ERROR(PrepareGnupgHome(layout.signing_home));
  PORTAL_RETURN_IF_ERROR(PrepareGnupgHome(layout.scratch_home));
  std::unique_ptr<RecordStore> store;
  PORTAL_RETURN_IF_ERROR(RecordStore::Open(layout.records_db, &store));
  std::unique_ptr<EnrollmentRegistry> registry;
  PORTAL_RETURN_IF_ERROR(EnrollmentRegistry::Open(layout.registry_db, layout.keys_dir, &registry));

  bool found = false;
  PORTAL_RETURN_IF_ERROR(
      registry->GetSetting(kSigningSetting, &report->signing_fingerprint, &found));
  std::unique_ptr<GpgContext> gpg;
  PORTAL_RETURN_IF_ERROR(GpgContext::Open(layout.signing_home, /*armor=*/true, &gpg));
  if (!found) {
    PORTAL_RETURN_IF_ERROR(gpg->CreateSigningKey(config.hospital.name + " Patient Portal summaries",
                                                 &report->signing_fingerprint));
    PORTAL_RETURN_IF_ERROR(registry->SetSetting(kSigningSetting, report->signing_fingerprint));
    report->created_signing_key = true;
  }
  std::string public_key;
  PORTAL_RETURN_IF_ERROR(gpg->ExportPublicKey(report->signing_fingerprint, &public_key));
  return WriteFileAtomically(layout.signing_public_key, public_key);
}

Status CheckStateDir(const StateLayout& layout, std::string* signing_fingerprint) {
  const Status not_ready = Status::InvalidInput(
      layout.root.string() + ": state directory not prepared (run portal-staff init)");
  std::error_code ec;
  if (!fs::exists(layout.registry_db, ec) || !fs::is_directory(layout.signing_home, ec)) {
    return not_ready;
  }
  std::unique_ptr<EnrollmentRegistry> registry;
  PORTAL_RETURN_IF_ERROR(EnrollmentRegistry::Open(layout.registry_db, layout.keys_dir, &registry));
  bool found = false;
  PORTAL_RETURN_IF_ERROR(registry->GetSetting(kSigningSetting, signing_fingerprint, &found));
  return found ? Status::Ok() : not_ready;
}

}  // namespace portal
