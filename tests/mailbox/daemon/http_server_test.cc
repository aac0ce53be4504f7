#define BOOST_TEST_MODULE http_server_test
#include "mailbox/daemon/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <regex>
#include <thread>

namespace portal {
namespace {

// A client on a plain socket, so the test sends exactly the bytes it means to.
class Client {
 public:
  // From `source`, any address of 127.0.0.0/8 (Linux answers them all on loopback).
  explicit Client(uint16_t port, const char* source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    BOOST_REQUIRE(::inet_pton(AF_INET, source, &from.sin_addr) == 1);
    BOOST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  // Through a unix socket.
  explicit Client(const std::string& socket_path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    BOOST_REQUIRE(socket_path.size() < sizeof addr.sun_path);
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path.c_str());
    BOOST_REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Client() { ::close(fd_); }
  void Send(const std::string& bytes) {
    BOOST_REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                  static_cast<ssize_t>(bytes.size()));
  }
  // Reads one response (headers + Content-Length body); "" if the server closed first.
  std::string Response() {
    std::string data;
    char buf[4096];
    for (;;) {
      const size_t end = data.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::smatch m;
        static const std::regex kLength("[Cc]ontent-[Ll]ength: ([0-9]+)");
        const std::string head = data.substr(0, end);
        const size_t length = std::regex_search(head, m, kLength) ? std::stoul(m[1].str()) : 0;
        if (data.size() >= end + 4 + length) return data.substr(0, end + 4 + length);
      }
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return data;
      data.append(buf, static_cast<size_t>(n));
    }
  }
  bool ClosedByServer() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  int fd_ = -1;
};

struct Server {
  std::atomic<int> calls{0};
  std::unique_ptr<HttpServer> server;
  explicit Server(HttpServerOptions options = {},
                  std::chrono::milliseconds handler_delay = std::chrono::milliseconds(0)) {
    server = std::make_unique<HttpServer>(options, [this, handler_delay](const HttpRequest& r) {
      ++calls;
      std::this_thread::sleep_for(handler_delay);
      if (r.target == "/throw") throw std::runtime_error("secret detail");
      HttpResponse res;
      res.body = "{\"path\":\"" + r.target + "\",\"bytes\":" + std::to_string(r.body.size()) + "}";
      res.headers["X-Remote"] = r.remote + (r.via_socket ? " via socket" : "");
      auto sig = r.headers.find("portal-signature");
      if (sig != r.headers.end()) res.headers["X-Signature-Seen"] = sig->second;
      return res;
    });
    BOOST_REQUIRE(server->Start().ok());
  }
  uint16_t port() const { return server->port(); }
};

// What the server reported refusing, in order.
struct Refusals {
  std::mutex mu;
  std::vector<std::string> events;
  void Watch(HttpServerOptions* o) {
    o->on_refusal = [this](const std::string& event, const std::string& remote) {
      std::lock_guard<std::mutex> lock(mu);
      events.push_back(event + " from " + remote);
    };
  }
  std::vector<std::string> Seen() {
    std::lock_guard<std::mutex> lock(mu);
    return events;
  }
};

const std::string kGet = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

BOOST_AUTO_TEST_CASE(answers_and_keeps_the_connection_alive) {
  Server s;
  Client c(s.port());
  c.Send(kGet);
  const std::string first = c.Response();
  BOOST_TEST(first.starts_with("HTTP/1.1 200"), first);
  BOOST_TEST(first.find("{\"path\":\"/healthz\",\"bytes\":0}") != std::string::npos, first);
  BOOST_TEST(std::regex_search(first, std::regex("X-Request-Id: [0-9a-f]{16}")), first);
  BOOST_TEST(first.find("Cache-Control: no-store") != std::string::npos, first);
  c.Send("POST /v1/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  const std::string second = c.Response();
  BOOST_TEST(second.find("\"bytes\":5") != std::string::npos, second);
  BOOST_TEST(s.calls == 2);
}

BOOST_AUTO_TEST_CASE(limits_get_clear_answers_and_never_reach_the_handler) {
  HttpServerOptions o;
  o.max_body_bytes = 100;
  o.max_header_bytes = 1024;
  Refusals refusals;
  refusals.Watch(&o);
  Server s(o);
  {
    Client c(s.port());
    c.Send("POST /v1/x HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n" + std::string(101, 'a'));
    const std::string r = c.Response();
    BOOST_TEST(r.starts_with("HTTP/1.1 413"), r);
    BOOST_TEST(r.find("application/problem+json") != std::string::npos, r);
    BOOST_TEST(r.find("\"status\":413") != std::string::npos, r);
  }
  {
    Client c(s.port());
    c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'b') + "\r\n\r\n");
    BOOST_TEST(c.Response().starts_with("HTTP/1.1 431"));
  }
  BOOST_TEST(s.calls == 0);
  const std::vector<std::string> expected = {"413 body too large from 127.0.0.1",
                                             "431 headers too large from 127.0.0.1"};
  BOOST_TEST(refusals.Seen() == expected, boost::test_tools::per_element());
  for (const auto& e : refusals.Seen()) BOOST_TEST_MESSAGE("refusal: " << e);
}

BOOST_AUTO_TEST_CASE(slow_clients_are_cut_off) {
  HttpServerOptions o;
  o.header_timeout = std::chrono::milliseconds(300);
  o.body_timeout = std::chrono::milliseconds(300);
  Refusals refusals;
  refusals.Watch(&o);
  Server s(o);
  Client header(s.port());
  header.Send("GET /healthz HTTP/1.1\r\nHo");  // And never the rest.
  BOOST_TEST(header.ClosedByServer());
  Client body(s.port());
  body.Send("POST /v1/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  BOOST_TEST(body.ClosedByServer());
  BOOST_TEST(s.calls == 0);
  // An idle keep-alive connection timing out is not a refusal.
  Client idle(s.port());
  BOOST_TEST(idle.ClosedByServer());
  const std::vector<std::string> expected = {"cut off: slow headers from 127.0.0.1",
                                             "cut off: slow body from 127.0.0.1"};
  BOOST_TEST(refusals.Seen() == expected, boost::test_tools::per_element());
  for (const auto& e : refusals.Seen()) BOOST_TEST_MESSAGE("refusal: " << e);
}

BOOST_AUTO_TEST_CASE(connections_past_the_cap_get_503) {
  HttpServerOptions o;
  o.max_connections = 1;
  Refusals refusals;
  refusals.Watch(&o);
  Server s(o);
  Client idle(s.port());
  idle.Send("GET /healthz HTTP/1.1\r\n");  // Holds the only slot.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Client second(s.port());
  second.Send(kGet);
  BOOST_TEST(second.Response().starts_with("HTTP/1.1 503"));
  BOOST_TEST(refusals.Seen() == std::vector<std::string>{"503 connection cap from 127.0.0.1"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(requests_past_the_queue_get_503_with_retry_after) {
  HttpServerOptions o;
  o.workers = 1;
  o.max_queued = 1;
  Refusals refusals;
  refusals.Watch(&o);
  Server s(o, std::chrono::milliseconds(500));
  Client first(s.port());
  first.Send(kGet);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // The first is with the worker.
  Client second(s.port());
  second.Send(kGet);
  const std::string busy = second.Response();
  BOOST_TEST(busy.starts_with("HTTP/1.1 503"), busy);
  BOOST_TEST(busy.find("Retry-After: 1") != std::string::npos, busy);
  BOOST_TEST(first.Response().starts_with("HTTP/1.1 200"));
  BOOST_TEST(refusals.Seen() == std::vector<std::string>{"503 queue full from 127.0.0.1"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_failing_handler_gives_500_without_its_detail) {
  Server s;
  Client c(s.port());
  c.Send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string r = c.Response();
  BOOST_TEST(r.starts_with("HTTP/1.1 500"), r);
  BOOST_TEST(r.find("secret detail") == std::string::npos, r);
}

BOOST_AUTO_TEST_CASE(stop_lets_requests_in_flight_finish) {
  Server s({}, std::chrono::milliseconds(400));
  Client c(s.port());
  c.Send(kGet);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // The handler is running.
  std::thread stopper([&] { s.server->Stop(); });
  const std::string r = c.Response();
  stopper.join();
  BOOST_TEST(r.starts_with("HTTP/1.1 200"), r);
  BOOST_TEST(r.find("Connection: close") != std::string::npos, r);
}

// Bytes RFC 9112 lets a server refuse, and which this one refuses with 400 before any handler.
BOOST_AUTO_TEST_CASE(requests_rfc_9112_lets_a_server_refuse_get_400) {
  HttpServerOptions o;
  Refusals refusals;
  refusals.Watch(&o);
  Server s(o);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"obs-fold", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n"},
      {"obs-fold",
       "POST /v1/x HTTP/1.1\r\nHost: x\r\nPortal-Signature: abc\r\n\tdef\r\n"
       "Content-Length: 0\r\n\r\n"},
      {"bare LF", "GET /healthz HTTP/1.1\nHost: x\n\n"},
      {"TE", "POST /v1/x HTTP/1.1\r\nHost: x\r\nTE: gzip, chunked\r\nContent-Length: 0\r\n\r\n"},
      {"Transfer-Encoding",
       "POST /v1/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked"
       "\r\n\r\n0\r\n\r\n"},
      // Beast refuses this one itself (its own parse error).
      {"malformed",
       "POST /v1/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
       "5\r\nhello\r\n0\r\n\r\n"},
      {"no Host", "GET /healthz HTTP/1.1\r\n\r\n"},
      {"duplicate host", "GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"},
      {"duplicate content-length",
       "POST /v1/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"},
      {"duplicate portal-signature",
       "POST /v1/x HTTP/1.1\r\nHost: x\r\nPortal-Signature: abc\r\nPortal-Signature: def\r\n"
       "Content-Length: 0\r\n\r\n"},
      {"duplicate idempotency-key",
       "POST /v1/x HTTP/1.1\r\nHost: x\r\nIdempotency-Key: a\r\nIdempotency-Key: b\r\n"
       "Content-Length: 0\r\n\r\n"},
      {"duplicate content-type",
       "POST /v1/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       "Content-Type: text/plain\r\nContent-Length: 0\r\n\r\n"},
      {"duplicate x-real-ip",
       "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Real-IP: 192.0.2.1\r\nX-Real-IP: 192.0.2.2\r\n\r\n"},
      {"Trailer",
       "POST /v1/x HTTP/1.1\r\nHost: x\r\nTrailer: Portal-Signature\r\n"
       "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
      // The signature as a chunked trailer: Beast would merge it into the fields.
      {"trailer fields",
       "POST /v1/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
       "5\r\nhello\r\n0\r\nPortal-Signature: abc\r\n\r\n"},
  };
  std::vector<std::string> expected;
  for (const auto& [problem, bytes] : cases) {
    BOOST_TEST_CONTEXT(problem) {
      Client c(s.port());
      c.Send(bytes);
      const std::string r = c.Response();
      BOOST_TEST(r.starts_with("HTTP/1.1 400"), r);
      BOOST_TEST(r.find("application/problem+json") != std::string::npos, r);
      BOOST_TEST(r.find("Connection: close") != std::string::npos, r);
      BOOST_TEST(r.find("X-Signature-Seen") == std::string::npos, r);
      BOOST_TEST(c.ClosedByServer());
    }
    expected.push_back("400 bad request: " + problem + " from 127.0.0.1");
  }
  BOOST_TEST(s.calls == 0);
  BOOST_TEST(refusals.Seen() == expected, boost::test_tools::per_element());
  // What stays allowed: HTTP/1.0 without Host, a chunked body without trailers, TE: trailers.
  Client old(s.port());
  old.Send("GET /healthz HTTP/1.0\r\n\r\n");
  BOOST_TEST(old.Response().starts_with("HTTP/1.1 200"));
  Client chunked(s.port());
  chunked.Send(
      "POST /v1/x HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nTransfer-Encoding: chunked\r\n"
      "\r\n5\r\nhello\r\n0\r\n\r\n");
  const std::string r = chunked.Response();
  BOOST_TEST(r.starts_with("HTTP/1.1 200"), r);
  BOOST_TEST(r.find("\"bytes\":5") != std::string::npos, r);
  BOOST_TEST(s.calls == 2);
}

BOOST_AUTO_TEST_CASE(one_address_cannot_hold_every_connection) {
  HttpServerOptions o;
  o.max_connections_per_address = 3;
  Refusals refusals;
  refusals.Watch(&o);
  Server s(o);
  std::vector<std::unique_ptr<Client>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<Client>(s.port()));
    held.back()->Send("GET /healthz HTTP/1.1\r\n");  // Idle, holding its slot.
  }
  // The fourth from that address is refused; another address is served.
  Client fourth(s.port());
  fourth.Send(kGet);
  BOOST_TEST(fourth.Response().starts_with("HTTP/1.1 503"));
  Client other(s.port(), "127.0.0.2");
  other.Send(kGet);
  const std::string served = other.Response();
  BOOST_TEST(served.starts_with("HTTP/1.1 200"), served);
  BOOST_TEST(served.find("X-Remote: 127.0.0.2") != std::string::npos, served);
  BOOST_TEST(
      refusals.Seen() == std::vector<std::string>{"503 address connection cap from 127.0.0.1"},
      boost::test_tools::per_element());
  // A slot given back is the address's again (the server sees the close, then counts it out).
  held.pop_back();
  bool again = false;
  for (int i = 0; i < 100 && !again; ++i) {
    Client retry(s.port());
    retry.Send(kGet);
    again = retry.Response().starts_with("HTTP/1.1 200");
    if (!again) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_TEST(again);
}

BOOST_AUTO_TEST_CASE(the_unix_socket_is_0660_marks_its_requests_and_has_no_address_cap) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("http_server_test." + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "mailbox.sock").string();
  HttpServerOptions o;
  o.unix_socket = path;
  o.max_connections_per_address = 1;
  {
    Server s(o);
    struct stat st {};
    BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
    BOOST_TEST(S_ISSOCK(st.st_mode));
    BOOST_TEST((st.st_mode & 07777) == 0660u);
    // nginx is one peer: its clients are capped by nginx (limit_conn), not here.
    Client idle(path);
    idle.Send("GET /healthz HTTP/1.1\r\n");
    Client c(path);
    c.Send(kGet);
    const std::string r = c.Response();
    BOOST_TEST(r.starts_with("HTTP/1.1 200"), r);
    BOOST_TEST(r.find("X-Remote: unix via socket") != std::string::npos, r);
    Client tcp(s.port());
    tcp.Send(kGet);
    const std::string t = tcp.Response();
    BOOST_TEST(t.find("X-Remote: 127.0.0.1\r\n") != std::string::npos, t);
  }
  BOOST_TEST(!std::filesystem::exists(path));  // Stop() removes it.
  // A socket left behind (a daemon killed) is replaced; another kind of file is not touched.
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd);
    Server s(o);
    Client c(path);
    c.Send(kGet);
    BOOST_TEST(c.Response().starts_with("HTTP/1.1 200"));
  }
  std::filesystem::create_directories(path);  // Not a socket.
  HttpServer refused(o, [](const HttpRequest&) { return HttpResponse{}; });
  const Status st = refused.Start();
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("is not a socket") != std::string::npos, st.message());
  BOOST_TEST(std::filesystem::is_directory(path));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace portal
