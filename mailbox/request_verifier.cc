#include "mailbox/request_verifier.h"

#include <cerrno>
#include <cstdio>
#include <set>

#include "core/file_util.h"
#include "core/gpg.h"
#include "core/sha256.h"

namespace portal {

namespace fs = std::filesystem;

std::string RequestVerifier::HomeName(const Enrollment& enrollment) {
  std::string keys;  // Enrollment lists keys patient first, then proxies by fingerprint.
  for (const auto& k : enrollment.keys) keys += k.fingerprint + "\n";
  return enrollment.token + "-" + Sha256Hex(keys).substr(0, 16);
}

void RequestVerifier::RemoveLeftovers(const std::vector<Enrollment>& enrolled) {
  std::set<std::string> current;
  for (const auto& e : enrolled) current.insert(HomeName(e));
  std::error_code ec;
  std::vector<fs::path> gone;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (!current.count(entry.path().filename().string())) gone.push_back(entry.path());
  }
  for (const auto& path : gone) fs::remove_all(path, ec);
}

Status RequestVerifier::Build(const EnrollmentRegistry& registry, const Enrollment& enrollment,
                              const fs::path& home) {
  const std::string suffix = RandomHex(8);
  if (suffix.empty()) return Status::IoError("no random bytes for a folder name");
  const fs::path building = dir_ / (".building-" + suffix);
  PORTAL_RETURN_IF_ERROR(PrepareGnupgHome(building));
  // Trust is the registry's pin, not a web of trust: no trustdb to create or lock.
  Status st = WriteFile(building / "gpg.conf", "no-random-seed-file\ntrust-model always\n");
  std::unique_ptr<GpgContext> gpg;
  if (st.ok()) st = GpgContext::Open(building, /*armor=*/false, &gpg);
  for (const auto& k : enrollment.keys) {
    if (!st.ok()) break;
    std::string data;
    st = ReadFile(registry.KeyFile(k.fingerprint), &data);
    if (st.ok()) st = gpg->ImportKeys(data);
  }
  gpg.reset();
  std::error_code ec;
  if (st.ok() && std::rename(building.c_str(), home.c_str()) != 0) {
    // Another thread built it first (ENOTEMPTY/EEXIST): theirs is the same; ours goes.
    if (errno != ENOTEMPTY && errno != EEXIST) {
      st = Status::IoError(home.parent_path().string() + ": cannot install a verification home");
    }
  }
  fs::remove_all(building, ec);
  if (!st.ok()) return st;
  // Homes of the enrolment's earlier key sets go (a check running in one fails and is retried).
  const std::string prefix = enrollment.token + "-";
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(prefix) && entry.path() != home) fs::remove_all(entry.path(), ec);
  }
  return Status::Ok();
}

Status RequestVerifier::Verify(const EnrollmentRegistry& registry, const Enrollment& enrollment,
                               std::string_view data, std::string_view signature, bool* good,
                               std::string* fingerprint) {
  *good = false;
  fingerprint->clear();
  if (enrollment.keys.empty()) return Status::Ok();
  const fs::path home = dir_ / HomeName(enrollment);
  std::error_code ec;
  if (!fs::is_directory(home, ec)) PORTAL_RETURN_IF_ERROR(Build(registry, enrollment, home));
  std::unique_ptr<GpgContext> gpg;
  PORTAL_RETURN_IF_ERROR(GpgContext::Open(home, /*armor=*/false, &gpg));
  bool valid = false;
  std::string fpr;
  PORTAL_RETURN_IF_ERROR(gpg->VerifyDetached(data, signature, &valid, &fpr));
  if (!valid) return Status::Ok();
  for (const auto& k : enrollment.keys) {
    if (k.fingerprint == fpr) {
      *good = true;
      *fingerprint = fpr;
    }
  }
  return Status::Ok();
}

}  // namespace portal
