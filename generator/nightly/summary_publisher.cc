#include "generator/nightly/summary_publisher.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/file_util.h"
#include "core/parse_number.h"
#include "core/reply_dropbox.h"
#include "core/sha256.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

// nginx, another user, reads each sealed file by its exact name; nobody but us lists a folder.
constexpr unsigned kFolderMode = 0711;
constexpr PublicModes kModes{kFolderMode, 0644};

}  // namespace

int ShardOfToken(const std::string& token, int count) {
  if (count <= 1) return 0;
  uint64_t h = 0;
  if (!ParseHex64(Sha256Hex(token).substr(0, 8), &h)) return 0;  // Never: SHA-256 is hex.
  return static_cast<int>(h % static_cast<uint64_t>(count));
}

bool IsTokenName(std::string_view name) {
  if (name.size() != 32) return false;
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

SummaryPublisher::SummaryPublisher(fs::path dir, int shard, int shard_count)
    : dir_(std::move(dir)),
      staging_(dir_ / (".staging-" + std::to_string(shard) + "-of-" + std::to_string(shard_count))),
      shard_(shard),
      shard_count_(shard_count) {}

Status SummaryPublisher::Open() {
  PORTAL_RETURN_IF_ERROR(MakeDirectoriesWithMode(dir_.parent_path(), 0755));
  if (::mkdir(dir_.c_str(), kFolderMode) != 0 && errno != EEXIST) {
    return Status::IoError(dir_.string() + ": cannot create: " + std::strerror(errno));
  }
  // Also an older run's 0755: nobody else lists the tokens.
  if (::chmod(dir_.c_str(), kFolderMode) != 0) {
    return Status::IoError(dir_.string() + ": cannot set its mode: " + std::strerror(errno));
  }
  PORTAL_RETURN_IF_ERROR(CloseTokenFolders());
  std::error_code ec;
  fs::remove_all(staging_, ec);
  if (ec) return Status::IoError(staging_.string() + ": cannot empty: " + ec.message());
  if (::mkdir(staging_.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IoError(staging_.string() + ": cannot create: " + std::strerror(errno));
  }
  return Status::Ok();
}

Status SummaryPublisher::CloseTokenFolders() const {
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!IsTokenName(name) || ShardOfToken(name, shard_count_) != shard_) continue;
    for (const fs::path& folder : {it->path(), it->path() / "replies"}) {
      struct stat st {};
      if (::lstat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
      if ((st.st_mode & 07777) != kFolderMode && ::chmod(folder.c_str(), kFolderMode) != 0) {
        return Status::IoError(name +
                               ": cannot set the published folder's mode: " + std::strerror(errno));
      }
    }
  }
  if (ec) return Status::IoError(dir_.string() + ": cannot list: " + ec.message());
  return Status::Ok();
}

const char* SummaryPublisher::FileName(Audience audience) {
  return audience == Audience::kProxy ? kProxyFileName : kPatientFileName;
}

fs::path SummaryPublisher::FolderOf(const std::string& token) const { return dir_ / token; }

fs::path SummaryPublisher::FileOf(const std::string& token, Audience audience) const {
  return FolderOf(token) / FileName(audience);
}

bool SummaryPublisher::Exists(const std::string& token, Audience audience) const {
  struct stat st {};
  return ::stat(FileOf(token, audience).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Status SummaryPublisher::Publish(const std::string& token, Audience audience,
                                 std::string_view message) {
  return PublishFileAtomically(FileOf(token, audience), message, kModes, staging_, DirSync::kLater);
}

Status SummaryPublisher::Sync() const { return SyncFileSystem(dir_); }

Status SummaryPublisher::RemovePage(const std::string& token, Audience audience) {
  std::error_code ec;
  fs::remove(FileOf(token, audience), ec);
  if (ec) return Status::IoError("a published page cannot be removed: " + ec.message());
  return Status::Ok();
}

Status SummaryPublisher::Remove(const std::string& token) {
  std::error_code ec;
  fs::remove_all(dir_ / token, ec);
  if (ec) return Status::IoError(token + ": cannot remove the published folder: " + ec.message());
  return Status::Ok();
}

Status SummaryPublisher::ListTokens(std::set<std::string>* tokens) const {
  tokens->clear();
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (IsTokenName(name) && ShardOfToken(name, shard_count_) == shard_) tokens->insert(name);
  }
  if (ec) return Status::IoError(dir_.string() + ": cannot list: " + ec.message());
  return Status::Ok();
}

Status SummaryPublisher::SyncReplies(const std::string& token, const fs::path& source,
                                     int* published) {
  *published = 0;
  const fs::path target = dir_ / token / "replies";
  std::set<std::string> wanted;
  std::error_code ec;  // A source or target that does not exist has nothing in it.
  for (fs::directory_iterator it(source, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec) || !IsReplyFileName(name)) continue;
    wanted.insert(name);
    std::string data, current;
    PORTAL_RETURN_IF_ERROR(ReadFile(it->path(), &data));
    if (ReadFile(target / name, &current).ok() && current == data) continue;
    PORTAL_RETURN_IF_ERROR(
        PublishFileAtomically(target / name, data, kModes, staging_, DirSync::kLater));
    ++*published;
  }
  for (fs::directory_iterator it(target, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code remove_ec;  // Left for the next run if it cannot go now.
    if (!wanted.count(it->path().filename().string())) fs::remove(it->path(), remove_ec);
  }
  return Status::Ok();
}

Status SummaryPublisher::PublishShared(const std::string& name, std::string_view data) {
  std::string current;
  if (ReadFile(dir_ / name, &current).ok() && current == data) return Status::Ok();
  return PublishFileAtomically(dir_ / name, data, kModes, staging_);
}

}  // namespace portal
