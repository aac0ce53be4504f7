#pragma once

#include <map>
#include <string>

namespace portal {

// One HTTP request as the daemon's handlers see it (the body is read whole, within the limit).
struct HttpRequest {
  std::string method;
  std::string target;                          // Path and query as sent.
  std::map<std::string, std::string> headers;  // Lower-case names; the server refuses
                                               // duplicates of the ones handlers read.
  std::string body;
  std::string remote;       // The peer's address; "unix" for the unix socket.
  bool via_socket = false;  // Came through HttpServerOptions::unix_socket (the proxy's way in).
  std::string request_id;   // Generated per request; logged and returned as X-Request-Id.
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
};

// The value of header `name` (lower case); "" when the request has none.
inline std::string HeaderOf(const HttpRequest& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? std::string() : it->second;
}

}  // namespace portal
