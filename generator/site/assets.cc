#include "generator/site/assets.h"

#include "core/file_util.h"
#include "core/sha256.h"

namespace portal {

std::string FingerprintName(const std::string& filename, std::string_view data) {
  const std::string hash = Sha256Hex(data).substr(0, 10);
  const size_t dot = filename.rfind('.');
  if (dot == std::string::npos || dot == 0) return filename + "." + hash;
  return filename.substr(0, dot) + "." + hash + filename.substr(dot);
}

Status LoadAssets(const std::filesystem::path& dir, std::vector<Asset>* assets,
                  std::map<std::string, std::string>* urls) {
  std::vector<std::filesystem::path> files;
  PORTAL_RETURN_IF_ERROR(ListFiles(dir, "", &files));
  for (const auto& file : files) {
    Asset asset;
    PORTAL_RETURN_IF_ERROR(ReadFile(file, &asset.data));
    const std::string name = file.filename().string();
    asset.path = "assets/" + FingerprintName(name, asset.data);
    (*urls)[name] = asset.path;
    assets->push_back(std::move(asset));
  }
  return Status::Ok();
}

}  // namespace portal
