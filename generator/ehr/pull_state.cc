#include "generator/ehr/pull_state.h"

#include <nlohmann/json.hpp>
#include <system_error>

#include "core/fhir_time.h"
#include "core/file_util.h"
#include "core/json_view.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

constexpr int kVersion = 1;

nlohmann::json ExportJson(const PullState::Export& e) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : e.files) {
    files.push_back(
        {{"staged", f.staged}, {"name", f.name}, {"size", f.size}, {"mtime_ns", f.mtime_ns}});
  }
  return {{"transaction_time", e.transaction_time}, {"files", files}};
}

bool SafeName(const std::string& name) {
  return !name.empty() && name.size() <= 255 && name.find('/') == std::string::npos &&
         name != "." && name != ".." && name.front() != '.';
}

// The string at `v` into *out: InvalidInput naming `field` unless it is one.
Status ReadString(JsonView v, const std::string& field, std::string* out) {
  if (!v.IsString()) return Status::InvalidInput(field + ": not a string");
  *out = v.Str();
  return Status::Ok();
}

// "" or a FHIR instant (what _since and transactionTime may be).
Status ReadInstant(JsonView v, const std::string& field, std::string* out) {
  PORTAL_RETURN_IF_ERROR(ReadString(v, field, out));
  int64_t t = 0;
  if (!out->empty() && !ParseFhirInstant(*out, &t)) {
    return Status::InvalidInput(field + ": not a FHIR instant");
  }
  return Status::Ok();
}

Status ReadExport(JsonView v, const std::string& where, PullState::Export* out) {
  if (!v.IsObject()) return Status::InvalidInput(where + ": not an object");
  PORTAL_RETURN_IF_ERROR(
      ReadInstant(v["transaction_time"], where + ".transaction_time", &out->transaction_time));
  if (!v["files"].IsArray()) return Status::InvalidInput(where + ".files: not an array");
  if (out->transaction_time.empty() && v["files"].size() > 0) {
    return Status::InvalidInput(where + ".files: files without a transaction_time");
  }
  for (size_t i = 0; i < v["files"].size(); ++i) {
    const JsonView f = v["files"][i];
    PullState::File file;
    if (!f["staged"].IsString() || !f["name"].IsString() || !SafeName(f["staged"].Str()) ||
        !SafeName(f["name"].Str()) || !f["size"].Int(&file.size) ||
        !f["mtime_ns"].Int(&file.mtime_ns)) {
      return Status::InvalidInput(where + ".files[" + std::to_string(i) + "]: not a file entry");
    }
    file.staged = f["staged"].Str();
    file.name = f["name"].Str();
    out->files.push_back(std::move(file));
  }
  return Status::Ok();
}

}  // namespace

Status LoadPullState(const fs::path& path, PullState* out) {
  *out = PullState();
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::Ok();
  std::string text;
  PORTAL_RETURN_IF_ERROR(ReadFile(path, &text));
  nlohmann::json doc;
  StrictJsonOptions options;
  options.max_bytes = 64u << 20;
  PORTAL_RETURN_IF_ERROR(ParseStrictJson(text, &doc, options).WithPrefix(path.string()));
  const JsonView v(doc);
  int64_t version = 0;
  if (!v["version"].Int(&version) || version != kVersion) {
    return Status::InvalidInput(path.string() + ": version: not " + std::to_string(kVersion));
  }
  // Every field as this program writes it: a state it did not write stops the run (a wrong
  // `since` could skip a night's changes).
  Status st = ReadInstant(v["since"], "since", &out->since);
  if (st.ok() && !v["job"].IsObject()) st = Status::InvalidInput("job: not an object");
  if (st.ok()) st = ReadString(v["job"]["status_url"], "job.status_url", &out->job.status_url);
  if (st.ok() && !out->job.status_url.empty() && !out->job.status_url.starts_with("https://") &&
      !out->job.status_url.starts_with("http://")) {
    st = Status::InvalidInput("job.status_url: not an http(s) URL");
  }
  if (st.ok()) st = ReadInstant(v["job"]["since"], "job.since", &out->job.since);
  if (st.ok()) st = ReadExport(v["moving"], "moving", &out->moving);
  if (st.ok()) st = ReadExport(v["pending"], "pending", &out->pending);
  if (!st.ok()) {
    *out = PullState();
    return st.WithPrefix(path.string());
  }
  return Status::Ok();
}

Status SavePullState(const fs::path& path, const PullState& state) {
  const nlohmann::json doc = {
      {"version", kVersion},
      {"since", state.since},
      {"job", {{"status_url", state.job.status_url}, {"since", state.job.since}}},
      {"moving", ExportJson(state.moving)},
      {"pending", ExportJson(state.pending)},
  };
  return WriteFileAtomically(path, doc.dump(2) + "\n", 0700);
}

}  // namespace portal
