#include "generator/records/extract_reader.h"

#include <fstream>
#include <map>
#include <vector>

#include "core/file_util.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

class Reader {
 public:
  Reader(const std::string& mrn_system, ExtractSink* sink) : mrn_system_(mrn_system), sink_(sink) {}

  Status File(const fs::path& path) {
    const std::string name = path.filename().string();
    if (name.ends_with(".ndjson")) return Ndjson(path);
    std::string text;
    PORTAL_RETURN_IF_ERROR(ReadFile(path, &text));
    Json(text, path.string() + ":1");
    return Status::Ok();
  }

 private:
  Status Ndjson(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::IoError(path.string() + ": cannot open");
    std::string line;
    for (long number = 1; std::getline(in, line); ++number) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      Json(line, path.string() + ":" + std::to_string(number));
    }
    if (in.bad()) return Status::IoError(path.string() + ": read failed");
    return Status::Ok();
  }

  // One JSON document: a Bundle or a resource.
  void Json(const std::string& text, const std::string& origin) {
    simdjson::dom::element doc;
    const auto error = parser_.parse(text).get(doc);
    if (error) {
      sink_->Error(Status::InvalidInput(std::string("malformed JSON (") +
                                        simdjson::error_message(error) + ")"),
                   FhirResource(), origin);
      return;
    }
    std::string_view type;
    if (doc["resourceType"].get(type) == simdjson::SUCCESS && type == "Bundle") {
      Bundle(doc, origin);
    } else {
      One(doc, ResolvePlainReference, origin);
    }
  }

  void One(simdjson::dom::element element, const ReferenceResolver& resolve,
           const std::string& origin) {
    FhirResource r;
    Status st = ReadFhirResource(element, resolve, &r);
    if (!st.ok()) return sink_->Error(st, r, origin);
    std::string mrn = r.type == "Patient" ? PatientMrn(element, mrn_system_) : std::string();
    sink_->Resource(std::move(r), std::move(mrn), origin);
  }

  void Bundle(simdjson::dom::element bundle, const std::string& origin) {
    simdjson::dom::array entries;
    if (bundle["entry"].get(entries) != simdjson::SUCCESS) return;  // An empty Bundle.
    // Full URLs ("urn:uuid:...") name entries inside the Bundle; references may use them.
    std::map<std::string, std::pair<std::string, std::string>, std::less<>> full_urls;
    for (simdjson::dom::element entry : entries) {
      std::string_view url, type, id;
      if (entry["fullUrl"].get(url) == simdjson::SUCCESS &&
          entry["resource"]["resourceType"].get(type) == simdjson::SUCCESS &&
          entry["resource"]["id"].get(id) == simdjson::SUCCESS) {
        full_urls[std::string(url)] = {std::string(type), std::string(id)};
      }
    }
    const ReferenceResolver resolve = [&](std::string_view ref, std::string* type,
                                          std::string* id) {
      const auto it = full_urls.find(ref);
      if (it == full_urls.end()) return ResolvePlainReference(ref, type, id);
      *type = it->second.first;
      *id = it->second.second;
      return true;
    };
    for (simdjson::dom::element entry : entries) {
      std::string_view method, url;
      if (entry["request"]["method"].get(method) == simdjson::SUCCESS && method == "DELETE") {
        std::string type, id;
        if (entry["request"]["url"].get(url) != simdjson::SUCCESS ||
            !ResolvePlainReference(url, &type, &id)) {
          sink_->Error(Status::InvalidInput("DELETE entry without a Type/id url"), FhirResource(),
                       origin);
        } else {
          sink_->Deletion(type, id, origin);
        }
        continue;
      }
      simdjson::dom::element resource;
      if (entry["resource"].get(resource) != simdjson::SUCCESS) {
        sink_->Error(Status::InvalidInput("Bundle entry without a resource"), FhirResource(),
                     origin);
        continue;
      }
      One(resource, resolve, origin);
    }
  }

  const std::string& mrn_system_;
  ExtractSink* sink_;
  simdjson::dom::parser parser_;
};

}  // namespace

Status ReadExtract(const fs::path& path, const std::string& mrn_system, ExtractSink* sink) {
  Reader reader(mrn_system, sink);
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return reader.File(path);
  std::vector<fs::path> files;
  PORTAL_RETURN_IF_ERROR(ListExtractFiles(path, &files));
  for (const auto& file : files) PORTAL_RETURN_IF_ERROR(reader.File(file));
  return Status::Ok();
}

Status ListExtractFiles(const fs::path& dir, std::vector<fs::path>* out) {
  std::vector<fs::path> json;
  PORTAL_RETURN_IF_ERROR(ListFiles(dir, ".ndjson", out));
  PORTAL_RETURN_IF_ERROR(ListFiles(dir, ".json", &json));
  out->insert(out->end(), json.begin(), json.end());
  std::sort(out->begin(), out->end());
  return Status::Ok();
}

}  // namespace portal
