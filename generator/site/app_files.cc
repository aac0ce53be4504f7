#include "generator/site/app_files.h"

#include <algorithm>
#include <regex>
#include <utility>

#include "core/file_util.h"
#include "core/json_view.h"
#include "core/sha256.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

bool IsNameStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// A file name as it may be printed in an error: bytes outside printable ASCII as \xNN.
std::string Printable(std::string_view name) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : name) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The regular files below `root` as sorted '/'-separated relative paths.
Status ListTree(const fs::path& root, std::vector<std::string>* out) {
  std::error_code ec;
  fs::recursive_directory_iterator it(root, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::file_status status = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_directory(status)) continue;
    const std::string shown = Printable(it->path().string());
    if (!fs::is_regular_file(status)) {
      return Status::InvalidInput(shown +
                                  ": not a regular file (the app's folder holds only files and "
                                  "folders; links are not followed)");
    }
    const std::string relative = it->path().lexically_relative(root).generic_string();
    if (!IsSafeAssetPath(relative)) {
      return Status::InvalidInput(shown +
                                  ": name not allowed in the app's folder (letters, digits, '_', "
                                  "'-' and '.', not starting with '.')");
    }
    out->push_back(relative);
  }
  if (ec) return Status::IoError(root.string() + ": cannot list: " + ec.message());
  std::sort(out->begin(), out->end());
  return Status::Ok();
}

std::string MissingVendorFile(const fs::path& file, const fs::path& vendor) {
  return file.string() + ": missing; run `npm ci` in " + vendor.string() + " (./dev does it)";
}

Status ReadVendorFile(const fs::path& file, const fs::path& vendor, std::string* out) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return Status::InvalidInput(MissingVendorFile(file, vendor));
  return ReadFile(file, out);
}

// The installed package's version, which must be the one `vendor`/package.json pins.
Status PackageVersion(const fs::path& vendor, const std::string& name, std::string* version) {
  std::string text;
  PORTAL_RETURN_IF_ERROR(ReadFile(vendor / "package.json", &text));
  nlohmann::json pins;
  if (!ParseJson(text, &pins)) {
    return Status::InvalidInput((vendor / "package.json").string() + ": not valid JSON");
  }
  const std::string pinned = JsonView(pins)["dependencies"][name].Str();
  const fs::path installed = vendor / "node_modules" / name / "package.json";
  PORTAL_RETURN_IF_ERROR(ReadVendorFile(installed, vendor, &text));
  nlohmann::json package;
  if (!ParseJson(text, &package)) {
    return Status::InvalidInput(installed.string() + ": not valid JSON");
  }
  *version = JsonView(package)["version"].Str();
  static const std::regex kVersion("[0-9]+\\.[0-9]+\\.[0-9]+");
  if (!std::regex_match(*version, kVersion)) {
    return Status::InvalidInput(installed.string() + ": version is not MAJOR.MINOR.PATCH");
  }
  if (pinned != *version) {
    return Status::InvalidInput(installed.string() + ": version " + *version + ", but " +
                                (vendor / "package.json").string() + " pins " + name + " '" +
                                pinned + "'; run `npm ci` in " + vendor.string());
  }
  return Status::Ok();
}

// Copies package `name`'s files (source path in the package -> path in its folder) into
// assets/<name>-<version>/.
Status AddPackage(const fs::path& vendor, const std::string& name,
                  const std::vector<std::pair<std::string, std::string>>& files,
                  std::vector<Asset>* out, std::string* folder) {
  std::string version;
  PORTAL_RETURN_IF_ERROR(PackageVersion(vendor, name, &version));
  *folder = "assets/" + name + "-" + version + "/";
  for (const auto& [source, target] : files) {
    Asset asset{*folder + target, {}};
    PORTAL_RETURN_IF_ERROR(
        ReadVendorFile(vendor / "node_modules" / name / source, vendor, &asset.data));
    out->push_back(std::move(asset));
  }
  return Status::Ok();
}

}  // namespace

bool IsSafeAssetPath(std::string_view path) {
  if (path.empty()) return false;
  size_t start = 0;
  for (;;) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || !IsNameStart(part[0])) return false;
    for (char c : part) {
      if (!IsNameStart(c) && c != '.') return false;
    }
    if (end == path.size()) return true;
    start = end + 1;
  }
}

Status LoadAppFolder(const fs::path& source, std::string_view signing_key,
                     std::vector<Asset>* files, std::string* folder) {
  std::vector<std::string> names;
  PORTAL_RETURN_IF_ERROR(ListTree(source, &names));
  if (std::binary_search(names.begin(), names.end(), kAppSigningKeyName)) {
    return Status::InvalidInput((source / kAppSigningKeyName).string() +
                                ": the build puts the state's signing key there; remove this file");
  }
  std::vector<Asset> app;
  for (const auto& name : names) {
    Asset asset{name, {}};
    PORTAL_RETURN_IF_ERROR(ReadFile(source / name, &asset.data));
    app.push_back(std::move(asset));
  }
  app.push_back({kAppSigningKeyName, std::string(signing_key)});
  std::sort(app.begin(), app.end(), [](const Asset& a, const Asset& b) { return a.path < b.path; });
  std::string hashed;
  for (const auto& asset : app) {
    hashed += asset.path;
    hashed += '\0';
    hashed += asset.data;
  }
  *folder = "assets/app-" + Sha256Hex(hashed).substr(0, 10) + "/";
  for (auto& asset : app) {
    asset.path = *folder + asset.path;
    files->push_back(std::move(asset));
  }
  return Status::Ok();
}

Status LoadVendorFiles(const fs::path& vendor, std::vector<Asset>* files, VendorFolders* folders) {
  std::error_code ec;
  if (!fs::is_directory(vendor / "node_modules", ec)) {
    return Status::InvalidInput(MissingVendorFile(vendor / "node_modules", vendor));
  }
  // OpenPGP.js's lightweight build: the entry module and the chunks it imports by name.
  const fs::path lightweight = vendor / "node_modules" / "openpgp" / "dist" / "lightweight";
  std::vector<fs::path> chunks;
  if (fs::is_directory(lightweight, ec)) {
    PORTAL_RETURN_IF_ERROR(ListFiles(lightweight, ".min.mjs", &chunks));
  }
  std::vector<std::pair<std::string, std::string>> openpgp = {{"LICENSE", "LICENSE"}};
  bool has_entry = false;
  for (const auto& chunk : chunks) {
    const std::string name = chunk.filename().string();
    has_entry = has_entry || name == "openpgp.min.mjs";
    openpgp.push_back({"dist/lightweight/" + name, name});
  }
  if (!has_entry) {
    return Status::InvalidInput(MissingVendorFile(lightweight / "openpgp.min.mjs", vendor));
  }
  PORTAL_RETURN_IF_ERROR(AddPackage(vendor, "openpgp", openpgp, files, &folders->openpgp));
  std::vector<std::pair<std::string, std::string>> argon2id = {{"LICENSE", "LICENSE"}};
  for (const char* file : {"lib/setup.js", "lib/argon2id.js", "lib/blake2b.js", "dist/simd.wasm",
                           "dist/no-simd.wasm"}) {
    argon2id.push_back({file, file});
  }
  return AddPackage(vendor, "argon2id", argon2id, files, &folders->argon2id);
}

}  // namespace portal
