#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace portal {

// A Bulk Data export's complete-status manifest (Bulk Data Access IG v2, "Response - Complete
// Status"), or one page of it ("link" with relation "next": a partial manifest).
struct BulkManifest {
  struct File {
    std::string type;    // The resource type of every line ("OperationOutcome" in error[]).
    std::string url;     // Absolute.
    int64_t count = -1;  // As the server states it; -1 when absent.
  };
  std::string transaction_time;  // A FHIR instant: the next export's _since once ingested.
  bool requires_access_token = false;
  std::vector<File> output;
  std::vector<File> deleted;  // Bundles of DELETE entries.
  std::vector<File> error;    // OperationOutcome resources.
  std::string next_url;       // A partial manifest's next page; "" on the last.
};

// Parses one manifest page. Every file URL must be absolute http(s), every type a FHIR type
// name; transactionTime a FHIR instant. Errors name the field ("output[3].url"), never a value.
// At most 100,000 files per page.
Status ParseBulkManifest(std::string_view json, BulkManifest* out);

// The issues of an OperationOutcome as "severity/code" words (e.g. "error/transient"), no
// diagnostics text (which may quote a record); `transient` says whether every issue is one the
// IG says to retry (code transient, or throttled / timeout).
struct OutcomeIssues {
  std::vector<std::string> words;
  bool transient = false;
  bool fatal = false;  // Some issue has severity fatal.
};
OutcomeIssues ReadOperationOutcome(std::string_view json);

}  // namespace portal
