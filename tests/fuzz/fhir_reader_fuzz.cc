// The FHIR extract reader (generator/records/extract_reader.h) on bytes written by another
// vendor's EHR: an input with a line break is read as a Bulk Data .ndjson file, one without as a
// .json Bundle or resource. Properties: it never crashes; every resource it delivers has a valid
// type and id, minified JSON text that parses back to that type and id, and the hash of that text;
// no error repeats a value of the record (the seeds carry the marker QX7 in names, notes and
// values).

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/sha256.h"
#include "generator/records/extract_reader.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using portal::fuzz::AsText;

// Strings of `text` holding the marker: values (which may be PHI) and names (keys, ids and
// resource types, which an error may name). Read through nlohmann's parse events, so a key
// given twice contributes both its values (the reader may have kept either).
void Collect(std::string_view text, std::set<std::string>* values, std::set<std::string>* names) {
  std::vector<std::string> keys;  // The key being read at each open object or array.
  std::string key;
  auto callback = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& j) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start || event == E::array_start) {
      keys.push_back(key);
    } else if (event == E::object_end || event == E::array_end) {
      key = keys.empty() ? std::string() : keys.back();
      if (!keys.empty()) keys.pop_back();
    } else if (event == E::key) {
      key = j.get<std::string>();
      if (key.find("QX7") != std::string::npos) names->insert(key);
    } else if (event == E::value && j.is_string()) {
      const auto& s = j.get_ref<const std::string&>();
      if (s.find("QX7") != std::string::npos) {
        (key == "id" || key == "resourceType" ? names : values)->insert(s);
      }
    }
    return true;
  };
  const auto doc = nlohmann::json::parse(text, callback, /*allow_exceptions=*/false);
  (void)doc;
}

class CheckingSink : public portal::ExtractSink {
 public:
  std::vector<std::string> errors;

  void Resource(portal::FhirResource r, std::string, const std::string&) override {
    FUZZ_CHECK(portal::IsFhirTypeName(r.type));
    FUZZ_CHECK(portal::IsFhirId(r.id));
    FUZZ_CHECK(r.hash == portal::Sha256Hex(r.json));
    const auto j = nlohmann::json::parse(r.json, nullptr, /*allow_exceptions=*/false);
    FUZZ_CHECK(j.is_object());
    FUZZ_CHECK(j.value("resourceType", "") == r.type);
    FUZZ_CHECK(j.value("id", "") == r.id);
    FUZZ_CHECK(r.json.find('\n') == std::string::npos);  // Minified: one line.
  }
  void SkippedType(const std::string& type, const std::string&) override {
    FUZZ_CHECK(portal::IsFhirTypeName(type));
  }
  void Deletion(const std::string& type, const std::string& id, const std::string&) override {
    FUZZ_CHECK(portal::IsFhirTypeName(type));
    FUZZ_CHECK(portal::IsFhirId(id));
  }
  void Error(const portal::Status& problem, const portal::FhirResource&,
             const std::string& origin) override {
    FUZZ_CHECK(!problem.ok());
    errors.push_back(problem.message() + " @ " + origin);
  }
};

void CheckErrors(const CheckingSink& sink, std::string_view text) {
  std::set<std::string> values, names;
  // The same lines the reader reads, each on its own, and the text as one document.
  for (size_t at = 0; at <= text.size();) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    Collect(text.substr(at, end - at), &values, &names);
    at = end + 1;
  }
  Collect(text, &values, &names);
  // An error may name keys and ids (a duplicate key's path, a resource's id): those are
  // taken out first, then no marked value may be left in it.
  std::vector<std::string> by_length(names.begin(), names.end());
  std::sort(by_length.begin(), by_length.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (std::string e : sink.errors) {
    for (const auto& n : by_length) {
      for (size_t at = e.find(n); at != std::string::npos; at = e.find(n, at))
        e.erase(at, n.size());
    }
    for (const auto& v : values) FUZZ_CHECK(e.find(v) == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const portal::ExtractOptions options =
      portal::ExtractOptions::From(portal::fuzz::ProjectConfig());
  const std::string_view text = AsText(data, size);
  // Text with a line break is read as a Bulk Data .ndjson file, one line per record; text
  // without as a .json file (a Bundle or one resource).
  const char* name = text.find('\n') != std::string_view::npos ? "extract.ndjson" : "extract.json";
  CheckingSink sink;
  portal::ReadExtractText(text, name, options, &sink);
  // Only an error holding the marker can have leaked a marked value.
  bool marked = false;
  for (const auto& e : sink.errors) marked = marked || e.find("QX7") != std::string::npos;
  if (marked) CheckErrors(sink, text);
  return 0;
}
