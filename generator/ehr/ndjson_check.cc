#include "generator/ehr/ndjson_check.h"

#include <simdjson.h>

#include <fstream>
#include <string_view>
#include <vector>

namespace portal {

namespace {

constexpr size_t kMaxLine = 64u << 20;

}  // namespace

Status CheckNdjson(const std::filesystem::path& path, const std::string& type,
                   NdjsonCounts* counts) {
  *counts = NdjsonCounts();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path.filename().string() + ": cannot open");
  simdjson::dom::parser parser;
  // Read in blocks, so no line is ever held past kMaxLine however long it is.
  std::string line;
  std::vector<char> block(1 << 20);
  long number = 1;
  auto check = [&](std::string_view text) -> Status {
    const std::string at = "line " + std::to_string(number) + ": ";
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) return Status::Ok();
    simdjson::dom::element doc;
    if (const auto error = parser.parse(text.data(), text.size()).get(doc)) {
      return Status::InvalidInput(at + "not JSON (" + simdjson::error_message(error) + ")");
    }
    std::string_view resource_type;
    if (doc["resourceType"].get(resource_type) != simdjson::SUCCESS) {
      return Status::InvalidInput(at + "not a FHIR resource (no resourceType)");
    }
    if (resource_type != type) return Status::InvalidInput(at + "resourceType is not " + type);
    ++counts->lines;
    simdjson::dom::array entries;
    if (type == "Bundle" && doc["entry"].get(entries) == simdjson::SUCCESS) {
      for (simdjson::dom::element entry : entries) {
        std::string_view method;
        if (entry["request"]["method"].get(method) == simdjson::SUCCESS && method == "DELETE") {
          ++counts->bundle_deletions;
        }
      }
    }
    return Status::Ok();
  };
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    std::string_view got(block.data(), static_cast<size_t>(in.gcount()));
    for (size_t nl; (nl = got.find('\n')) != std::string_view::npos; got.remove_prefix(nl + 1)) {
      if (line.size() + nl > kMaxLine) {
        return Status::InvalidInput("line " + std::to_string(number) + ": longer than 64 MiB");
      }
      line.append(got.substr(0, nl));
      PORTAL_RETURN_IF_ERROR(check(line));
      line.clear();
      ++number;
    }
    if (line.size() + got.size() > kMaxLine) {
      return Status::InvalidInput("line " + std::to_string(number) + ": longer than 64 MiB");
    }
    line.append(got);
  }
  if (in.bad()) return Status::IoError(path.filename().string() + ": read failed");
  return check(line);
}

}  // namespace portal
