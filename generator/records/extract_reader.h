#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "generator/records/fhir_resource.h"

namespace portal {

// How extracts are read: the config's [mrn] identifier system and its [ingest] section.
struct ExtractOptions {
  std::string mrn_system;                    // "" takes an MR identifier of any system.
  std::vector<std::string> local_base_urls;  // Absolute references under these are local.
  std::vector<std::string> skip_types;       // Read and counted, never stored.

  static ExtractOptions From(const PortalConfig& config);
  bool Skips(std::string_view type) const;
};

// Receives what an extract holds, in file order. `origin` is "FILE:LINE" (the line of the NDJSON
// record, or 1 for a whole-file Bundle).
class ExtractSink {
 public:
  virtual ~ExtractSink() = default;
  // `mrn` is set for Patient resources.
  virtual void Resource(FhirResource resource, std::string mrn, const std::string& origin) = 0;
  // A valid resource of a type the options skip (its type and id were read, nothing else).
  virtual void SkippedType(const std::string& type, const std::string& origin) = 0;
  virtual void Deletion(const std::string& type, const std::string& id,
                        const std::string& origin) = 0;
  // A record that could not be read; `partial` holds what was learnt (perhaps the patient).
  virtual void Error(const Status& problem, const FhirResource& partial,
                     const std::string& origin) = 0;
};

// Reads one extract path: a FHIR Bundle (transaction, collection, searchset or batch) or single
// resource as a .json file, a Bulk Data .ndjson file (a resource, or a Bundle of deletions, per
// line), or a folder of such files (not recursive, by name). Only a path that cannot be read at
// all is a returned error; bad records go to the sink and reading goes on. Memory holds one
// file's Bundle or one NDJSON line at a time.
Status ReadExtract(const std::filesystem::path& path, const ExtractOptions& options,
                   ExtractSink* sink);

// The text of one extract file named `name` (".ndjson": one record per line; otherwise one
// JSON document), read as ReadExtract reads that file: origins are "NAME:LINE".
void ReadExtractText(std::string_view text, const std::string& name, const ExtractOptions& options,
                     ExtractSink* sink);

// The extract files directly inside `dir` (.ndjson and .json), by name: what ReadExtract reads
// of a folder, in its order.
Status ListExtractFiles(const std::filesystem::path& dir, std::vector<std::filesystem::path>* out);

}  // namespace portal
