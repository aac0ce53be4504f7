#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace portal {

// An answer: status, header fields (lower-case names; a repeated field keeps its last value)
// and, unless the body went to a file, the body.
struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  std::string Header(const std::string& lower_name) const;
};

// One request. Bodies longer than `max_body` fail the call (bounded input).
struct HttpCall {
  std::string method = "GET";  // GET, POST or DELETE.
  std::string url;
  std::vector<std::string> headers;  // "Name: value".
  std::string body;                  // Sent with POST.
  size_t max_body = 4 * 1024 * 1024;
};

// A file's download, appended to `fd` (opened O_APPEND) from `offset` on: a Range request when
// > 0; a server that ignores it and answers 200 has the file emptied first.
struct DownloadCall {
  std::string url;
  std::vector<std::string> headers;
  uint64_t offset = 0;
  uint64_t max_bytes = 0;  // Past this many bytes in all, the download fails.
  bool accept_gzip = true;
  std::function<void(size_t)> on_bytes;  // Told each piece's size as it is written.
};

// libcurl's easy interface for one thread (RAII); only http and https, no redirects followed
// (a 3xx is an answer like any other), no signals. Error messages name the URL without its
// query (UrlForLog) and curl's reason, never a header or body.
class HttpClient {
 public:
  struct Timeouts {
    long connect_seconds = 30;
    long total_seconds = 120;  // Whole requests (Fetch); downloads have none ...
    long stall_seconds = 120;  // ... but are cut when nothing arrives for this long.
  };
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  static Status Create(const Timeouts& timeouts, std::unique_ptr<HttpClient>* out);

  // A transport failure (refused, reset, timed out, too large) is IoError; any HTTP status is Ok.
  Status Fetch(const HttpCall& call, HttpResponse* out);
  // The body goes to `fd` when the status is 200 or 206 (else into out->body, bounded);
  // *written counts the bytes written by this call. A cut transfer is IoError with *written set.
  Status Download(const DownloadCall& call, int fd, HttpResponse* out, uint64_t* written);

 private:
  explicit HttpClient(const Timeouts& timeouts);
  struct Handle;
  std::unique_ptr<Handle> handle_;
  Timeouts timeouts_;
};

// scheme://host[:port]/path of `url`: what logs and errors may show (a query may carry values).
std::string UrlForLog(const std::string& url);

// application/x-www-form-urlencoded value (RFC 3986 unreserved kept, everything else %XX).
std::string FormEncode(const std::string& value);

}  // namespace portal
