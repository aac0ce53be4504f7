#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config.h"
#include "tests/bulk_data_server.h"
#include "tests/portal_fixture.h"

namespace portal::testing {

// A portal (PortalFixture) whose [ehr] section points at a BulkDataServer on 127.0.0.1, with the
// server's data written here as the test goes. The expected record store is derived from that
// data by the test (Expected), never by the code under test.
class PullFixture {
 public:
  struct Options {
    bool auth = false;      // SMART Backend Services with a key made at run time.
    int retries = 3;        // [ehr] retries.
    int timeout = 10;       // [ehr] request_timeout_seconds and stall_timeout_seconds.
    std::string ehr_extra;  // More [ehr] lines ("level = \"Patient\"\n").
  };
  // Options with `set` applied to the defaults.
  static Options With(const std::function<void(Options*)>& set) {
    Options o;
    set(&o);
    return o;
  }
  explicit PullFixture(Options options);
  PullFixture() : PullFixture(Options()) {}

  PortalFixture portal;
  std::filesystem::path data;  // The server's DATA folder.
  std::unique_ptr<BulkDataServer> server;

  // Synthetic resources: a Patient with MRN `mrn`, an Observation of it; both minified, with
  // meta.lastUpdated `updated` (a FHIR instant).
  static std::string Patient(const std::string& id, const std::string& mrn,
                             const std::string& updated);
  static std::string Lab(const std::string& id, const std::string& patient,
                         const std::string& value, const std::string& updated);
  // One millisecond after `instant` (as the server writes them: ...T12:00:00.123Z).
  static std::string MsAfter(const std::string& instant);
  // Sets the server's DATA: lines by type (Type.ndjson) and deletions (deleted.ndjson).
  void SetData(const std::map<std::string, std::vector<std::string>>& lines,
               const std::vector<nlohmann::json>& deletions = {});

  // The config as a test's process reads it.
  PortalConfig Config() const;
  // What the record store holds: "Type/id" -> the resource's JSON.
  std::map<std::string, nlohmann::json> Stored() const;
  // "Type/id" -> JSON of the resources in `lines` (later lines win).
  static std::map<std::string, nlohmann::json> Expected(
      const std::map<std::string, std::vector<std::string>>& lines);
  // Ingests the new extract files as the nightly run does (one run per file, in name order),
  // then commits the pulled export; returns the committed transactionTime ("" if none).
  std::string IngestAndCommit() const;
  // The pull's state file as JSON ({} if none).
  nlohmann::json State() const;
  // The extracts folder's file names (sorted), hidden ones left out.
  std::vector<std::string> ExtractNames() const;
  // The server's requests whose path ends with `suffix` (e.g. "/$export").
  std::vector<nlohmann::json> RequestsTo(const std::string& suffix) const;

 private:
  TempDir server_dir_;
};

}  // namespace portal::testing
