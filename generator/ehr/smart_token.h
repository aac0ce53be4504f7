#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ehr_key.h"
#include "core/status.h"
#include "generator/ehr/http_client.h"

namespace portal {

// SMART Backend Services (SMART App Launch 2, "Backend Services"): the access token for the
// EHR's FHIR server, got with the client_credentials grant and a JWT client assertion signed by
// the portal's key (core/ehr_key.h). The token endpoint is the configured one or the one
// `<base>/.well-known/smart-configuration` names. The token is kept until 60 s before its
// expires_in; Invalidate() (after a 401) makes the next Bearer() ask again. Thread-safe. Tokens
// never appear in errors or logs.
class SmartToken {
 public:
  struct Options {
    std::string base_url;   // The FHIR base.
    std::string token_url;  // "" = discover.
    std::string client_id;
    std::string scope;  // "system/Patient.read system/Observation.read ...".
  };
  SmartToken(Options options, std::unique_ptr<EhrKey> key, const Clock& clock)
      : options_(std::move(options)), key_(std::move(key)), clock_(clock) {}

  // "Bearer <token>" for an Authorization header, asking the server when none is kept.
  Status Bearer(HttpClient* http, std::string* header);
  // Drops the kept token if it is still `header`'s (another thread may have renewed it).
  void Invalidate(const std::string& header);
  int requests() const { return requests_; }  // Token requests made (the run report's count).

 private:
  Status Discover(HttpClient* http);
  Status Request(HttpClient* http);

  Options options_;
  std::unique_ptr<EhrKey> key_;
  const Clock& clock_;
  std::string token_;
  int64_t valid_until_ = 0;
  int requests_ = 0;
  std::mutex mu_;  // Downloads share one token.
};

// The scope to ask for: one "system/<Type>.read" (v1) or "system/<Type>.rs" (v2) per type.
std::string BackendScope(const std::vector<std::string>& types, const std::string& syntax);

}  // namespace portal
