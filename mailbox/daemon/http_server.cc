#include "mailbox/daemon/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <condition_variable>
#include <mutex>
#include <optional>

#include "core/sha256.h"
#include "mailbox/daemon/problems.h"

namespace portal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpServer::Impl {
  HttpServerOptions options;
  Handler handler;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  // Keeps io.run() going while a request is with a worker and nothing waits on a socket.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::vector<std::thread> threads;
  // Handlers run here, never on the I/O threads: a handler waiting on gpg must not keep
  // connections from being accepted or read.
  std::unique_ptr<asio::thread_pool> workers;
  std::atomic<int> queued{0};  // Requests read and waiting for (or in) a worker.
  std::atomic<int> connections{0};
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable idle;

  void Accept();
  void Done() {
    if (--in_flight == 0) {
      std::lock_guard<std::mutex> lock(mu);
      idle.notify_all();
    }
  }
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl* server)
      : stream_(std::move(socket)), server_(server) {
    ++server_->connections;
    beast::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? std::string("unknown") : ep.address().to_string();
  }
  ~Session() { --server_->connections; }

  auto executor() { return stream_.get_executor(); }

  void Start(bool over_capacity) {
    if (over_capacity) {
      Refused("503 connection cap");
      Send(Problem(503, "Service Unavailable", "too many connections; retry shortly"), false);
      return;
    }
    ReadHeader();
  }

 private:
  void ReadHeader() {
    if (server_->stopping) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    parser_->body_limit(server_->options.max_body_bytes);
    stream_.expires_after(server_->options.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      Refused("431 headers too large");
      return Send(Problem(431, "Request Header Fields Too Large", "headers are too large"), false);
    }
    if (ec == http::error::body_limit) return TooLarge();  // A Content-Length over the limit.
    // An idle keep-alive connection timing out is normal; one that sent part of a request is not.
    if (ec == beast::error::timeout && (buffer_.size() > 0 || parser_->got_some())) {
      Refused("cut off: slow headers");
    }
    if (ec) return Close();  // Timeout, reset or garbage: nothing to answer.
    ++server_->in_flight;
    counted_ = true;
    stream_.expires_after(server_->options.body_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec2, size_t) { self->OnBody(ec2); });
  }

  void OnBody(beast::error_code ec) {
    if (ec == http::error::body_limit) return TooLarge();  // Chunked past the limit.
    if (ec == beast::error::timeout) Refused("cut off: slow body");
    if (ec) return Close();
    auto& msg = parser_->get();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[name] = std::string(f.value());
    }
    req.body = std::move(msg.body());
    req.remote = remote_;
    req.request_id = RandomHex(8);
    const bool keep_alive = msg.keep_alive();
    if (server_->queued.load() >= server_->options.max_queued) {
      Refused("503 queue full");
      HttpResponse busy = Problem(503, "Service Unavailable", "too busy; retry shortly");
      busy.headers["Retry-After"] = "1";
      busy.headers["X-Request-Id"] = req.request_id;
      return Send(busy, false);
    }
    ++server_->queued;
    asio::post(*server_->workers, [self = shared_from_this(), req = std::move(req), keep_alive] {
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

  void Refused(const char* event) {
    if (server_->options.on_refusal) server_->options.on_refusal(event, remote_);
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
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
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
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpServer::Impl* server_;
  std::string remote_;
  bool counted_ = false;
};

}  // namespace

void HttpServer::Impl::Accept() {
  // Each connection on its own strand: its reads, writes and timer never run at once on two of
  // the server's threads (tcp_stream is not thread-safe; a race turns a timeout into a cancel).
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!stopping && acceptor.is_open()) Accept();
      return;
    }
    const bool over = connections.load() >= options.max_connections;
    auto session = std::make_shared<Session>(std::move(socket), this);
    asio::dispatch(session->executor(), [session, over] { session->Start(over); });
    if (!stopping) Accept();
  });
}

HttpServer::HttpServer(HttpServerOptions options, Handler handler) : impl_(new Impl) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() { Stop(std::chrono::milliseconds(0)); }

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
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->workers = std::make_unique<asio::thread_pool>(std::max(1, impl_->options.workers));
  impl_->keep_running.emplace(impl_->io.get_executor());
  impl_->Accept();
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
}

}  // namespace portal
