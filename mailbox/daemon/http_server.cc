#include "mailbox/daemon/http_server.h"

#include <sys/stat.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

#include "core/sha256.h"
#include "mailbox/daemon/http_request_reader.h"
#include "mailbox/daemon/problems.h"

namespace portal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;

struct HttpServer::Impl {
  HttpServerOptions options;
  Handler handler;
  // Before io: sessions still queued in io when it is destroyed reach these from their
  // destructors (members are destroyed in reverse order).
  std::mutex mu;
  std::condition_variable idle;
  std::map<std::string, int> per_address;  // Open TCP connections by peer address; under mu.
  std::atomic<int> queued{0};              // Requests read and waiting for (or in) a worker.
  std::atomic<int> connections{0};
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  asio::io_context io;
  tcp::acceptor acceptor{io};
  unix_socket::acceptor socket_acceptor{io};
  bool socket_bound = false;  // We made options.unix_socket, and remove it at Stop().
  // Keeps io.run() going while a request is with a worker and nothing waits on a socket.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::vector<std::thread> threads;
  // Handlers run here, never on the I/O threads: a handler waiting on gpg must not keep
  // connections from being accepted or read.
  std::unique_ptr<asio::thread_pool> workers;

  template <typename Protocol>
  void Accept(typename Protocol::acceptor& from);
  // Counts a connection from `address`; false (nothing counted) when it is at its cap.
  bool Admit(const std::string& address) {
    if (options.max_connections_per_address <= 0) return true;
    std::lock_guard<std::mutex> lock(mu);
    int& open = per_address[address];
    if (open >= options.max_connections_per_address) return false;
    ++open;
    return true;
  }
  void Leave(const std::string& address) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = per_address.find(address);
    if (it != per_address.end() && --it->second <= 0) per_address.erase(it);
  }
  void Done() {
    if (--in_flight == 0) {
      std::lock_guard<std::mutex> lock(mu);
      idle.notify_all();
    }
  }
};

namespace {

// The peer's address as the service sees it: the IP for TCP, "unix" for the unix socket.
std::string PeerOf(const tcp::socket& s) {
  beast::error_code ec;
  const auto ep = s.remote_endpoint(ec);
  return ec ? std::string("unknown") : ep.address().to_string();
}
std::string PeerOf(const unix_socket::socket&) { return "unix"; }

template <typename Protocol>
class Session : public std::enable_shared_from_this<Session<Protocol>> {
 public:
  using Stream = beast::basic_stream<Protocol>;

  Session(typename Protocol::socket socket, HttpServer::Impl* server)
      : stream_(std::move(socket)), server_(server) {
    ++server_->connections;
    remote_ = PeerOf(stream_.socket());
  }
  ~Session() {
    if (admitted_) server_->Leave(remote_);
    --server_->connections;
  }

  auto executor() { return stream_.get_executor(); }
  const std::string& remote() const { return remote_; }
  static constexpr bool kViaSocket = std::is_same_v<Protocol, unix_socket>;

  void Start(bool over_capacity) {
    if (over_capacity) {
      Refused("503 connection cap");
      Send(Problem(503, "Service Unavailable", "too many connections; retry shortly"), false);
      return;
    }
    if (!kViaSocket) {
      if (!server_->Admit(remote_)) {
        Refused("503 address connection cap");
        Send(Problem(503, "Service Unavailable",
                     "too many connections from this address; retry shortly"),
             false);
        return;
      }
      admitted_ = true;
    }
    ReadHeader();
  }

 private:
  void ReadHeader() {
    if (server_->stopping) return Close();
    reader_.emplace(HttpRequestReader::Limits{server_->options.max_header_bytes,
                                              server_->options.max_body_bytes});
    stream_.expires_after(server_->options.header_timeout);
    Pump();
  }

  // Feeds the reader what is in the buffer (a keep-alive connection's next request may be there
  // already) and reads more until it has a request or refuses one.
  void Pump() {
    for (;;) {
      const std::string_view data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      size_t used = 0;
      const HttpRequestReader::Step step = reader_->Feed(data, &used);
      buffer_.consume(used);
      if (step == HttpRequestReader::Step::kHeader) {
        ++server_->in_flight;
        counted_ = true;
        stream_.expires_after(server_->options.body_timeout);
        continue;
      }
      if (step == HttpRequestReader::Step::kRequest) return OnRequest();
      if (step == HttpRequestReader::Step::kRefused) return OnRefused(reader_->refusal());
      break;
    }
    auto self = this->shared_from_this();
    stream_.async_read_some(buffer_.prepare(4096), [self](beast::error_code ec, size_t n) {
      self->buffer_.commit(n);
      if (ec) return self->OnReadError(ec);
      self->Pump();
    });
  }

  void OnReadError(beast::error_code ec) {
    // An idle keep-alive connection timing out is normal; one that sent part of a request is not.
    if (ec == beast::error::timeout) {
      if (reader_->header_done()) {
        Refused("cut off: slow body");
      } else if (buffer_.size() > 0 || reader_->saw_bytes()) {
        Refused("cut off: slow headers");
      }
    }
    Close();  // Timeout, reset, end of stream: nothing to answer.
  }

  void OnRefused(const HttpRequestReader::Refusal& refusal) {
    if (refusal.status == 431) return HeadersTooLarge();
    if (refusal.status == 413) return TooLarge();
    BadRequest(refusal.problem);
  }

  void OnRequest() {
    HttpRequest req = reader_->TakeRequest();
    req.remote = remote_;
    req.via_socket = kViaSocket;
    req.request_id = RandomHex(8);
    const bool keep_alive = reader_->keep_alive();
    if (server_->queued.load() >= server_->options.max_queued) {
      Refused("503 queue full");
      HttpResponse busy = Problem(503, "Service Unavailable", "too busy; retry shortly");
      busy.headers["Retry-After"] = "1";
      busy.headers["X-Request-Id"] = req.request_id;
      return Send(busy, false);
    }
    ++server_->queued;
    asio::post(*server_->workers,
               [self = this->shared_from_this(), req = std::move(req), keep_alive] {
                 HttpResponse res;
                 try {
                   res = self->server_->handler(req);
                 } catch (const std::exception&) {
                   res = Problem(500, "Internal Server Error", "the request could not be handled");
                 }
                 --self->server_->queued;
                 res.headers["X-Request-Id"] = req.request_id;
                 asio::dispatch(self->executor(), [self, res = std::move(res), keep_alive] {
                   self->Send(res, keep_alive && !self->server_->stopping);
                 });
               });
  }

  void Refused(const std::string& event) {
    if (server_->options.on_refusal) server_->options.on_refusal(event, remote_);
  }

  void BadRequest(const std::string& problem) {
    Refused("400 bad request: " + problem);
    Send(Problem(400, "Bad Request", "the request is not well-formed HTTP/1.1: " + problem), false);
  }

  void HeadersTooLarge() {
    Refused("431 headers too large");
    Send(Problem(431, "Request Header Fields Too Large", "headers are too large"), false);
  }

  void TooLarge() {
    Refused("413 body too large");
    Send(Problem(413, "Content Too Large",
                 "the body is larger than " + std::to_string(server_->options.max_body_bytes) +
                     " bytes"),
         false);
  }

  void Send(const HttpResponse& r, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(static_cast<http::status>(r.status));
    res->set(http::field::server, "portal-mailboxd");
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-store");
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->body() = r.body;
    res->keep_alive(keep_alive);
    res->prepare_payload();
    stream_.expires_after(server_->options.body_timeout);
    http::async_write(
        stream_, *res,
        [self = this->shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
          self->Finished();
          if (ec || !keep_alive) return self->Close();
          self->ReadHeader();
        });
  }

  void Finished() {
    if (counted_) {
      counted_ = false;
      server_->Done();
    }
  }

  void Close() {
    Finished();
    beast::error_code ec;
    stream_.socket().shutdown(Protocol::socket::shutdown_both, ec);
    stream_.close();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<HttpRequestReader> reader_;
  HttpServer::Impl* server_;
  std::string remote_;
  bool admitted_ = false;  // Counted in the per-address map.
  bool counted_ = false;
};

}  // namespace

template <typename Protocol>
void HttpServer::Impl::Accept(typename Protocol::acceptor& from) {
  // Each connection on its own strand: its reads, writes and timer never run at once on two of
  // the server's threads (basic_stream is not thread-safe; a race turns a timeout into a cancel).
  from.async_accept(
      asio::make_strand(io), [this, &from](beast::error_code ec, typename Protocol::socket socket) {
        if (ec) {
          if (!stopping && from.is_open()) Accept<Protocol>(from);
          return;
        }
        const bool over = connections.load() >= options.max_connections;
        auto session = std::make_shared<Session<Protocol>>(std::move(socket), this);
        asio::dispatch(session->executor(), [session, over] { session->Start(over); });
        if (!stopping) Accept<Protocol>(from);
      });
}

HttpServer::HttpServer(HttpServerOptions options, Handler handler) : impl_(new Impl) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() { Stop(std::chrono::milliseconds(0)); }

namespace {

// Listens on the unix socket at `path`, mode 0660. A socket left by a daemon that died is
// replaced; any other file there is an error.
Status ListenOnSocket(const std::string& path, unix_socket::acceptor* acceptor) {
  namespace fs = std::filesystem;
  std::error_code fec;
  const auto st = fs::symlink_status(path, fec);
  if (!fec && fs::exists(st)) {
    if (!fs::is_socket(st)) {
      return Status::InvalidInput("mailbox.listen_socket: " + path +
                                  " exists and is not a socket; remove it or choose another path");
    }
    fs::remove(path, fec);
  }
  beast::error_code ec;
  const unix_socket::endpoint endpoint(path);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  // Made under the daemon's umask (077): only then opened to the group.
  if (!ec && ::chmod(path.c_str(), 0660) != 0) {
    ec = beast::error_code(errno, beast::system_category());
  }
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IoError("cannot listen on unix socket " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

Status HttpServer::Start() {
  beast::error_code ec;
  const auto address = asio::ip::make_address(impl_->options.address, ec);
  if (ec) return Status::Usage("--listen: not an IP address: " + impl_->options.address);
  const tcp::endpoint endpoint(address, impl_->options.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IoError("cannot listen on " + impl_->options.address + ":" +
                           std::to_string(impl_->options.port) + ": " + ec.message());
  }
  if (!impl_->options.unix_socket.empty()) {
    PORTAL_RETURN_IF_ERROR(ListenOnSocket(impl_->options.unix_socket, &impl_->socket_acceptor));
    impl_->socket_bound = true;
  }
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->workers = std::make_unique<asio::thread_pool>(std::max(1, impl_->options.workers));
  impl_->keep_running.emplace(impl_->io.get_executor());
  impl_->Accept<tcp>(impl_->acceptor);
  if (impl_->socket_bound) impl_->Accept<unix_socket>(impl_->socket_acceptor);
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return Status::Ok();
}

void HttpServer::Stop(std::chrono::milliseconds grace) {
  if (impl_->threads.empty()) return;
  impl_->stopping = true;
  asio::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->socket_acceptor.close(ec);
  });
  {
    std::unique_lock<std::mutex> lock(impl_->mu);
    impl_->idle.wait_for(lock, grace, [this] { return impl_->in_flight.load() == 0; });
  }
  impl_->keep_running.reset();
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  if (impl_->workers) impl_->workers->join();
  if (impl_->socket_bound) {
    std::error_code ec;
    std::filesystem::remove(impl_->options.unix_socket, ec);
    impl_->socket_bound = false;
  }
}

}  // namespace portal
