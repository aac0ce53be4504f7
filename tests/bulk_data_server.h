#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/server_process.h"

namespace portal::testing {

// tests/bulk_data_server.py on 127.0.0.1 (a port it picks): a FHIR Bulk Data v2 $export server
// with SMART Backend Services auth, serving the NDJSON files of `data_dir` (read again at each
// kick-off) and keeping its ready file, scenario and request log in `state_dir`. Killed
// (SIGKILL) on destruction. The script's header lists the scenario knobs.
class BulkDataServer {
 public:
  struct Options {
    // The registered client's JWK Set; empty: no authorization at all (requiresAccessToken
    // false, no token endpoint).
    std::filesystem::path jwks_path;
    std::string client_id;  // The registered client_id (iss and sub of its JWTs).
  };

  BulkDataServer(const std::filesystem::path& state_dir, const std::filesystem::path& data_dir,
                 Options options = {});
  ~BulkDataServer() { Stop(); }
  BulkDataServer(const BulkDataServer&) = delete;
  BulkDataServer& operator=(const BulkDataServer&) = delete;

  // Starts the server and waits (at most 20 s) until it listens; false and why otherwise.
  bool Start(std::string* why);
  void Stop();

  uint16_t port() const { return port_; }
  pid_t pid() const { return process_.pid(); }
  std::string BaseUrl() const;   // http://127.0.0.1:PORT/fhir
  std::string TokenUrl() const;  // http://127.0.0.1:PORT/auth/token (the JWT's aud)

  // Replaces the scenario file atomically (temp + rename); the server reads it at each request,
  // and its "first N answers" counters restart. Works before Start too.
  void SetScenario(const nlohmann::json& scenario) const;
  // Every request so far, one object per line of requests.ndjson, in arrival order.
  std::vector<nlohmann::json> Requests() const;
  // Empties requests.ndjson (the server appends to it with O_APPEND).
  void ClearRequests() const;

 private:
  std::filesystem::path state_dir_;
  std::filesystem::path data_dir_;
  Options options_;
  ServerProcess process_;
  uint16_t port_ = 0;
};

}  // namespace portal::testing
