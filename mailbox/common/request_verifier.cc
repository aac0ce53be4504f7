#include "mailbox/common/request_verifier.h"

#include <cerrno>
#include <cstdio>
#include <set>

#include "core/file_util.h"
#include "core/gpg.h"
#include "core/openpgp_packets.h"
#include "core/sha256.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

constexpr char kFingerprintMap[] = "fingerprints";  // "SUBKEY-FPR PRIMARY-FPR" lines.
constexpr size_t kMaxPooledHomes = 1024;
constexpr char kDecoyHome[] = ".decoy";  // A dot: no token starts with one.

std::string PrimaryOf(const fs::path& home, const std::string& signing) {
  std::string map;
  if (!ReadFile(home / kFingerprintMap, &map).ok()) return "";
  const size_t at = map.find(signing + " ");
  if (at == std::string::npos || (at != 0 && map[at - 1] != '\n')) return "";
  const size_t start = at + signing.size() + 1;
  return map.substr(start, map.find('\n', start) - start);
}

// The entries directly in `dir`, without exceptions: a range-for over directory_iterator throws
// when a step fails; this stops there instead.
std::vector<fs::path> EntriesIn(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    out.push_back(it->path());
  }
  return out;
}

// Writes a verification home's config, imports the keys in `key_files` and writes the
// (sub)key -> primary fingerprint map, into the prepared folder `home`.
Status FillHome(const std::vector<fs::path>& key_files, const fs::path& home) {
  // Trust is the registry's pin, not a web of trust: no trustdb to create or lock. Verifying
  // public keys needs no gpg-agent: none is started for the home.
  PORTAL_RETURN_IF_ERROR(
      WriteFile(home / "gpg.conf", "no-random-seed-file\ntrust-model always\nno-autostart\n"));
  std::unique_ptr<GpgContext> gpg;
  PORTAL_RETURN_IF_ERROR(GpgContext::Open(home, /*armor=*/false, &gpg));
  for (const auto& file : key_files) {
    std::string data;
    PORTAL_RETURN_IF_ERROR(ReadFile(file, &data));
    PORTAL_RETURN_IF_ERROR(gpg->ImportKeys(data));
  }
  // Which primary key each (sub)key belongs to, read once here, not per request.
  std::vector<std::pair<std::string, std::string>> pairs;
  PORTAL_RETURN_IF_ERROR(gpg->KeyFingerprints(&pairs));
  std::string map;
  for (const auto& [sub, primary] : pairs) map += sub + " " + primary + "\n";
  return WriteFile(home / kFingerprintMap, map);
}

}  // namespace

std::string RequestVerifier::HomeName(const Enrollment& enrollment) {
  // v2: homes carry the fingerprint map and no-autostart (older ones are rebuilt under new names).
  std::string keys = "v2\n";  // Keys come patient first, then proxies by fingerprint.
  for (const auto& k : enrollment.keys) keys += k.fingerprint + "\n";
  return enrollment.token + "-" + Sha256Hex(keys).substr(0, 16);
}

void RequestVerifier::RemoveLeftovers(const std::vector<Enrollment>& enrolled) {
  std::set<std::string> current;
  for (const auto& e : enrolled) current.insert(HomeName(e));
  std::error_code ec;
  for (const fs::path& path : EntriesIn(dir_)) {
    if (!current.count(path.filename().string())) fs::remove_all(path, ec);
  }
}

Status RequestVerifier::Build(const EnrollmentRegistry& registry, const Enrollment& enrollment,
                              const fs::path& home) {
  const std::string suffix = RandomHex(8);
  if (suffix.empty()) return Status::IoError("no random bytes for a folder name");
  const fs::path building = dir_ / (".building-" + suffix);
  PORTAL_RETURN_IF_ERROR(PrepareGnupgHome(building));
  std::vector<fs::path> key_files;
  for (const auto& k : enrollment.keys) key_files.push_back(registry.KeyFile(k.fingerprint));
  Status st = FillHome(key_files, building);
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
  for (const fs::path& path : EntriesIn(dir_)) {
    if (path.filename().string().starts_with(prefix) && path != home) fs::remove_all(path, ec);
  }
  return Status::Ok();
}

Status RequestVerifier::PrepareDecoy(const fs::path& key_file) {
  const fs::path home = dir_ / kDecoyHome;
  std::error_code ec;
  fs::remove_all(home, ec);
  const std::string suffix = RandomHex(8);
  if (suffix.empty()) return Status::IoError("no random bytes for a folder name");
  const fs::path building = dir_ / (".building-" + suffix);
  PORTAL_RETURN_IF_ERROR(PrepareGnupgHome(building));
  Status st = FillHome({key_file}, building);
  if (st.ok() && std::rename(building.c_str(), home.c_str()) != 0) {
    st = Status::IoError(dir_.string() + ": cannot install the decoy verification home");
  }
  fs::remove_all(building, ec);
  PORTAL_RETURN_IF_ERROR(st);
  decoy_ready_ = true;
  return Status::Ok();
}

void RequestVerifier::VerifyDecoy(std::string_view data, std::string_view signature) {
  decoy_checks_.fetch_add(1);
  bool valid = false;
  std::string signing;
  if (decoy_ready_) {
    (void)VerifyIn(kDecoyHome, data, signature, &valid, &signing).ok();
  } else {
    (void)CheckDetachedSignature(signature).ok();
  }
}

Status RequestVerifier::VerifyIn(const std::string& name, std::string_view data,
                                 std::string_view signature, bool* valid, std::string* signing) {
  *valid = false;
  signing->clear();
  // Refused packets never reach gpg and answer as a bad signature does.
  if (!CheckDetachedSignature(signature).ok()) return Status::Ok();
  // A context per home is kept for reuse: opening one starts a gpg process of its own.
  std::unique_ptr<GpgContext> gpg;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = idle_.find(name);
    if (it != idle_.end() && !it->second.empty()) {
      gpg = std::move(it->second.back());
      it->second.pop_back();
    }
  }
  if (!gpg) {
    PORTAL_RETURN_IF_ERROR(GpgContext::Open(dir_ / name, /*armor=*/false, &gpg));
    gpg->SetCpuLimit(kGpgCpuSeconds);
  }
  const Status st = gpg->VerifyDetachedQuick(data, signature, valid, signing);
  if (st.ok() && gpg->usable()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() >= kMaxPooledHomes && !idle_.count(name)) idle_.clear();
    idle_[name].push_back(std::move(gpg));
  }
  return st;
}

Status RequestVerifier::Verify(const EnrollmentRegistry& registry, const Enrollment& enrollment,
                               std::string_view data, std::string_view signature, bool* good,
                               std::string* fingerprint) {
  *good = false;
  fingerprint->clear();
  if (enrollment.keys.empty()) {
    VerifyDecoy(data, signature);
    return Status::Ok();
  }
  const std::string name = HomeName(enrollment);
  const fs::path home = dir_ / name;
  std::error_code ec;
  if (!fs::is_directory(home, ec)) PORTAL_RETURN_IF_ERROR(Build(registry, enrollment, home));
  bool valid = false;
  std::string signing;
  PORTAL_RETURN_IF_ERROR(VerifyIn(name, data, signature, &valid, &signing));
  if (!valid) return Status::Ok();
  const std::string primary = PrimaryOf(home, signing);
  for (const auto& k : enrollment.keys) {
    if (!primary.empty() && k.fingerprint == primary) {
      *good = true;
      *fingerprint = primary;
    }
  }
  return Status::Ok();
}

}  // namespace portal
