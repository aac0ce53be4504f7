#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/status.h"
#include "generator/ehr/bulk_manifest.h"
#include "generator/ehr/http_client.h"
#include "generator/ehr/smart_token.h"

namespace portal {

// What the client counts for the run report (no URLs' queries, tokens or PHI).
struct BulkCounts {
  int64_t retries = 0;         // Requests sent again (transport, 429, 5xx, 401 once).
  int64_t polls = 0;           // Status requests answered "in progress".
  std::vector<int64_t> waits;  // Seconds waited before each poll or retry, in order.
  std::string progress;        // The last X-Progress, printable ASCII only, at most 80 bytes.
};

// The Bulk Data Access IG v2 protocol over one HttpClient: kick-off, status polling (Retry-After
// honoured as seconds or an HTTP-date, clamped; exponential backoff on 429 and 5xx; transient
// OperationOutcomes retried, fatal ones reported), the manifest with its pages, downloads
// (resumed with Range after a cut, the token only where the manifest requires it) and the
// status URL's DELETE. Messages carry status codes and OperationOutcome severity/code words,
// never a query value, token or diagnostics text.
class BulkClient {
 public:
  struct Options {
    const PortalConfig::Ehr* ehr = nullptr;
    std::vector<std::string> types;
    SmartToken* token = nullptr;  // nullptr: the server needs no authorization.
    // Waits `seconds` (the clock seam: tests shorten it and read BulkCounts::waits).
    std::function<void(int64_t seconds)> sleep;
    const Clock* clock = nullptr;  // Retry-After dates without a Date header.
    // Told each "in progress" answer's X-Progress (printable ASCII, at most 80 bytes; "" if
    // none) while the export is being prepared.
    std::function<void(const std::string& progress)> on_progress;
  };
  // Kinds of failure the pull acts on, besides the Status message. kGone: the job or file is
  // no longer there (export again now); kRefused: the server ended the job with an error (the
  // next run starts a new one); kFailed: no answer (timeout, refused connection: the next run
  // goes on with the same job).
  enum class Outcome { kOk, kGone, kRefused, kFailed };

  BulkClient(Options options, std::unique_ptr<HttpClient> http, BulkCounts* counts)
      : options_(std::move(options)), http_(std::move(http)), counts_(counts) {}

  // Starts an export of what changed since `since` ("" = everything); *status_url is where to
  // poll (absolute).
  Status KickOff(const std::string& since, std::string* status_url);
  // Polls until the export is complete and reads every page of its manifest. kGone: the server
  // no longer knows the job (404/410: start again).
  Status Poll(const std::string& status_url, BulkManifest* manifest, Outcome* outcome);
  // Downloads `url` into `part` (created or resumed), at most max_file_mib. kGone: 404 or 410
  // (the file expired: the export must be made again).
  Status Download(const std::string& url, bool with_token, const std::filesystem::path& part,
                  const std::function<void(size_t)>& on_bytes, Outcome* outcome);
  // Tells the server the job's files are no longer needed (best effort; Ok on 404).
  Status Delete(const std::string& status_url);

 private:
  // Sends `call` (adding the token when `with_token`), again after transport failures, 429,
  // 5xx with no fatal outcome, and once after a 401 with a new token; *r is the last answer.
  Status Send(HttpCall call, bool with_token, HttpResponse* r);
  // The answer's Retry-After in seconds (an HTTP-date read against its own Date header, else
  // our clock); false when it has none that parses.
  bool ServerRetryAfter(const HttpResponse& r, int64_t* seconds) const;
  int64_t WaitFor(const HttpResponse& r, int attempt) const;
  void Sleep(int64_t seconds);

  Options options_;
  std::unique_ptr<HttpClient> http_;
  BulkCounts* counts_;
};

// Whether an answer is worth sending the request again for (429, 5xx without a fatal or
// non-transient OperationOutcome).
bool RetryableAnswer(const HttpResponse& r);

}  // namespace portal
