#include "mailbox/staff/reply_copies.h"

#include <algorithm>
#include <regex>
#include <set>

#include "core/file_util.h"
#include "core/reply_dropbox.h"

namespace portal {

namespace fs = std::filesystem;

fs::path ReplyCopyFolder(const fs::path& copies_dir, const std::string& receipt) {
  return copies_dir / receipt;
}

Status UsableStaffKeyFiles(const Session& s, int64_t now, std::vector<fs::path>* files) {
  std::vector<StaffKey> staff;
  PORTAL_RETURN_IF_ERROR(s.registry->StaffKeys(&staff));
  files->clear();
  for (const auto& k : staff) {
    if (k.expires == 0 || k.expires > now) files->push_back(s.registry->KeyFile(k.fingerprint));
  }
  if (files->empty()) {
    return Status::InvalidInput("no staff key is usable now to seal the staff copy to");
  }
  return Status::Ok();
}

Status ListReplyCopies(const fs::path& copies_dir, const std::string& receipt,
                       std::vector<fs::path>* out) {
  out->clear();
  const fs::path folder = ReplyCopyFolder(copies_dir, receipt);
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return Status::Ok();
  std::vector<fs::path> files;
  PORTAL_RETURN_IF_ERROR(ListFiles(folder, ".html.pgp", &files));
  for (auto& f : files) {
    if (IsReplyFileName(f.filename().string())) out->push_back(std::move(f));
  }
  return Status::Ok();
}

Status OpenReplyCopy(const Session& s, StaffIdentity* who, const std::string& sealed,
                     std::string* page) {
  std::string portal_key;
  PORTAL_RETURN_IF_ERROR(CheckStateDir(*s.layout, &portal_key));
  std::string plain;
  std::vector<std::string> signers;
  if (!who->gpg->DecryptVerify(sealed, &plain, &signers).ok()) {
    return Status::InvalidInput(
        "your staff key cannot open this reply's staff copy (it was sealed before your key was "
        "added, or it is damaged); ask a colleague whose key is older");
  }
  if (std::find(signers.begin(), signers.end(), portal_key) == signers.end()) {
    // The portal's public key may not be in the staff member's home yet: import it, try again.
    std::string key;
    PORTAL_RETURN_IF_ERROR(ReadFile(s.layout->signing_public_key, &key));
    PORTAL_RETURN_IF_ERROR(who->gpg->ImportKeys(key));
    PORTAL_RETURN_IF_ERROR(who->gpg->DecryptVerify(sealed, &plain, &signers));
  }
  if (std::find(signers.begin(), signers.end(), portal_key) == signers.end()) {
    return Status::InvalidInput(
        "a reply's staff copy does not carry a good signature of the portal's key: it was "
        "altered, or it is not from this portal");
  }
  *page = std::move(plain);
  return Status::Ok();
}

Status RemoveOrphanReplyCopies(const fs::path& copies_dir, QueueStore* queue, int* removed) {
  *removed = 0;
  std::error_code ec;
  if (!fs::is_directory(copies_dir, ec)) return Status::Ok();
  std::vector<QueuedItem> items;
  PORTAL_RETURN_IF_ERROR(queue->List(std::nullopt, &items));
  std::set<std::string> queued;
  for (const auto& i : items) queued.insert(i.receipt);
  static const std::regex kReceipt("[0-9a-f]{32}");
  for (fs::directory_iterator it(copies_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    if (!it->is_directory(type_ec) || !std::regex_match(name, kReceipt) || queued.count(name)) {
      continue;
    }
    std::error_code remove_ec;
    fs::remove_all(it->path(), remove_ec);
    if (remove_ec) return Status::IoError("cannot remove the staff copies of a purged reply");
    ++*removed;
  }
  if (ec) return Status::IoError(copies_dir.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace portal
