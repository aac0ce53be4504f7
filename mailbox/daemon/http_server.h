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
  int threads = 2;       // I/O: accept, read, write.
  int workers = 4;       // Handlers.
  int max_queued = 256;  // Requests read and not yet answered; beyond: 503 + Retry-After.
  // Told of what the server refuses itself, before any handler: "413 body too large",
  // "431 headers too large", "503 connection cap", "503 queue full", "cut off: slow headers",
  // "cut off: slow body".
  // Optional; called on the server's threads.
  std::function<void(const std::string& event, const std::string& remote)> on_refusal;
};

// A small HTTP/1.1 server (Boost.Beast) for the mailbox daemon: keep-alive, limits with clear
// answers (413 for a large body, 431 for large headers, 503 past the connection cap or the
// queue of requests waiting for a handler), time limits on headers and body, and a drain on
// Stop(): no new connections, requests in flight finish. The handler runs on a pool of worker
// threads, so a slow handler never keeps connections from being accepted and read.
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
