#include "generator/records/extract_reader.h"

#include <algorithm>
#include <fstream>
#include <vector>

#include "core/file_util.h"

namespace portal {

namespace fs = std::filesystem;

ExtractOptions ExtractOptions::From(const PortalConfig& config) {
  return {config.mrn.identifier_system, config.ingest.local_base_urls, config.ingest.skip_types};
}

bool ExtractOptions::Skips(std::string_view type) const {
  return std::find(skip_types.begin(), skip_types.end(), type) != skip_types.end();
}

namespace {

class Reader {
 public:
  Reader(const ExtractOptions& options, ExtractSink* sink)
      : options_(options), sink_(sink), plain_(options.local_base_urls) {}

  // An extract's text, as File reads the file named `name`.
  void Text(std::string_view text, const std::string& name) {
    if (!name.ends_with(".ndjson")) return Json(std::string(text), name + ":1");
    long number = 1;
    for (size_t at = 0; at < text.size(); ++number) {
      size_t end = text.find('\n', at);
      if (end == std::string_view::npos) end = text.size();
      Line(text.substr(at, end - at), name, number);
      at = end + 1;
    }
  }

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
    const std::string name = path.string();
    for (long number = 1; std::getline(in, line); ++number) Line(line, name, number);
    if (in.bad()) return Status::IoError(path.string() + ": read failed");
    return Status::Ok();
  }

  // One NDJSON line (blank ones are skipped).
  void Line(std::string_view line, const std::string& name, long number) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    Json(std::string(line), name + ":" + std::to_string(number));
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
      // A key twice anywhere in a Bundle: the whole Bundle is refused (read as a unit, it
      // would mean one thing here and another to a reader keeping the other value), and
      // nothing of it is stored, so its patients keep what they had.
      if (const std::string path = DuplicateKeyPath(doc); !path.empty()) {
        sink_->Error(Status::InvalidInput("Bundle: duplicate key \"" + path + "\""), FhirResource(),
                     origin);
        return;
      }
      Bundle(doc, text, origin);
    } else {
      One(doc, text, plain_, origin, /*check_keys=*/true);
    }
  }

  // One resource, parsed into `element` from `text`; `check_keys` unless its Bundle was.
  void One(simdjson::dom::element element, std::string_view text,
           const ReferenceResolver& references, const std::string& origin,
           bool check_keys = false) {
    FhirResource r;
    Status st = ReadResourceIdentity(element, &r);
    if (st.ok() && options_.Skips(r.type)) return sink_->SkippedType(r.type, origin);
    if (st.ok()) st = ReadResourceContent(element, text, references, &r);
    // Checked once the patient is known, so the refusal keeps that patient's state.
    if (st.ok() && check_keys) {
      if (const std::string path = DuplicateKeyPath(element); !path.empty()) {
        st = Status::InvalidInput(r.type + "/" + r.id + ": duplicate key \"" + path + "\"");
      }
    }
    if (!st.ok()) return sink_->Error(st, r, origin);
    std::string mrn =
        r.type == "Patient" ? PatientMrn(element, options_.mrn_system) : std::string();
    sink_->Resource(std::move(r), std::move(mrn), origin);
  }

  // The text of each entry's resource, in entry order ("" where an entry has no resource
  // object), pointing into padded_: the DOM keeps no positions, so the On-Demand parser finds
  // them. False if the Bundle cannot be walked so.
  bool EntryTexts(const std::string& text, std::vector<std::string_view>* out) {
    padded_ = simdjson::padded_string(text);
    simdjson::ondemand::document doc;
    simdjson::ondemand::array entries;
    if (ondemand_.iterate(padded_).get(doc) != simdjson::SUCCESS ||
        doc["entry"].get_array().get(entries) != simdjson::SUCCESS) {
      return false;
    }
    for (auto item : entries) {
      std::string_view raw;
      simdjson::ondemand::object entry, resource;
      if (item.get_object().get(entry) == simdjson::SUCCESS &&
          entry.find_field_unordered("resource").get_object().get(resource) == simdjson::SUCCESS &&
          resource.raw_json().get(raw) != simdjson::SUCCESS) {
        return false;
      }
      out->push_back(raw);
    }
    return true;
  }

  void Bundle(simdjson::dom::element bundle, const std::string& text, const std::string& origin) {
    simdjson::dom::array entries;
    if (bundle["entry"].get(entries) != simdjson::SUCCESS) return;  // An empty Bundle.
    std::vector<std::string_view> texts;
    if (!EntryTexts(text, &texts) || texts.size() != entries.size()) {
      sink_->Error(Status::InvalidInput("Bundle entries cannot be read"), FhirResource(), origin);
      return;
    }
    // Full URLs ("urn:uuid:...") name entries inside the Bundle; references may use them.
    ReferenceResolver::FullUrls full_urls;
    for (simdjson::dom::element entry : entries) {
      std::string_view url, type, id;
      if (entry["fullUrl"].get(url) == simdjson::SUCCESS &&
          entry["resource"]["resourceType"].get(type) == simdjson::SUCCESS &&
          entry["resource"]["id"].get(id) == simdjson::SUCCESS && IsFhirTypeName(type) &&
          IsFhirId(id)) {
        full_urls[std::string(url)] = {std::string(type), std::string(id)};
      }
    }
    const ReferenceResolver references(options_.local_base_urls, &full_urls);
    size_t index = 0;
    for (simdjson::dom::element entry : entries) {
      const std::string_view resource_text = texts[index++];
      std::string_view method;
      if (entry["request"]["method"].get(method) == simdjson::SUCCESS && method == "DELETE") {
        Deletion(entry, origin);
        continue;
      }
      simdjson::dom::element resource;
      if (entry["resource"].get(resource) != simdjson::SUCCESS) {
        sink_->Error(Status::InvalidInput("Bundle entry without a resource"), FhirResource(),
                     origin);
        continue;
      }
      One(resource, resource_text, references, origin);
    }
  }

  // A Bulk Data deletion: request.url names a local resource as any reference does.
  void Deletion(simdjson::dom::element entry, const std::string& origin) {
    std::string_view url;
    ResolvedReference target;
    if (entry["request"]["url"].get(url) == simdjson::SUCCESS) target = plain_.Resolve(url);
    if (target.where == ResolvedReference::Where::kLocal) {
      return sink_->Deletion(target.type, target.id, origin);
    }
    FhirResource partial;
    partial.type = target.type;
    sink_->Error(Status::InvalidInput(target.where == ResolvedReference::Where::kForeign
                                          ? "DELETE entry for another server's resource"
                                          : "DELETE entry without a Type/id url"),
                 partial, origin);
  }

  const ExtractOptions& options_;
  ExtractSink* sink_;
  const ReferenceResolver plain_;  // Outside Bundles: no full URLs.
  simdjson::dom::parser parser_;
  simdjson::ondemand::parser ondemand_;
  simdjson::padded_string padded_;  // The Bundle being read, for the On-Demand parser.
};

}  // namespace

Status ReadExtract(const fs::path& path, const ExtractOptions& options, ExtractSink* sink) {
  Reader reader(options, sink);
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return reader.File(path);
  std::vector<fs::path> files;
  PORTAL_RETURN_IF_ERROR(ListExtractFiles(path, &files));
  for (const auto& file : files) PORTAL_RETURN_IF_ERROR(reader.File(file));
  return Status::Ok();
}

void ReadExtractText(std::string_view text, const std::string& name, const ExtractOptions& options,
                     ExtractSink* sink) {
  Reader(options, sink).Text(text, name);
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
