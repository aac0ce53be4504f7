#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "mailbox/daemon/http_message.h"

namespace portal {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (tests).
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds header_timeout{10000};  // Slow clients are cut off.
  std::chrono::milliseconds body_timeout{30000};
  int max_connections = 256;
  // Open connections from one TCP peer address; past it that address gets 503 while others are
  // served. 0: no cap. The unix socket's connections are not counted per address (its one peer
  // is the proxy, which caps its own clients: nginx's limit_conn).
  int max_connections_per_address = 0;
  // A unix socket to listen on as well as the TCP address ("" none), mode 0660: only the
  // daemon's user and group (the proxy's) can connect. Its requests have via_socket set.
  std::string unix_socket;
  int threads = 2;       // I/O: accept, read, write.
  int workers = 4;       // Handlers.
  int max_queued = 256;  // Requests read and not yet answered; beyond: 503 + Retry-After.
  // Told of what the server refuses itself, before any handler: "413 body too large",
  // "431 headers too large", "503 connection cap", "503 address connection cap",
  // "503 queue full", "cut off: slow headers", "cut off: slow body", and "400 bad request: " with
  // what was wrong (e.g. "obs-fold", "no Host", "duplicate portal-signature", "trailer fields";
  // never a value).
  // Optional; called on the server's threads.
  std::function<void(const std::string& event, const std::string& remote)> on_refusal;
};

// A small HTTP/1.1 server (Boost.Beast) for the mailbox daemon: keep-alive, limits with clear
// answers (413 for a large body, 431 for large headers, 503 past the connection cap, the cap per
// address or the queue of requests waiting for a handler), time limits on headers and body, and
// a drain on Stop(): no new connections, requests in flight finish. Strict where RFC 9112 lets a
// server be (400 and close): no obs-fold, Transfer-Encoding only "chunked" and never with
// Content-Length, Host required in HTTP/1.1, no trailer fields (authentication is never read
// from a trailer), no second copy of a header the handlers read. The handler runs on a pool of
// worker threads, so a slow handler never keeps connections from being accepted and read.
class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  HttpServer(HttpServerOptions options, Handler handler);
  ~HttpServer();

  // Binds and starts serving; port() tells the bound port.
  Status Start();
  uint16_t port() const { return port_; }
  // Stops accepting, lets requests in flight finish (up to `grace`), then stops.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10000));

  struct Impl;  // Public so the connection code in http_server.cc can name it.

 private:
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace portal
