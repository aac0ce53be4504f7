#define BOOST_TEST_MODULE http_server_test
#include "mailbox/daemon/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <mutex>
#include <regex>
#include <thread>

namespace portal {
namespace {

// A client on a plain socket, so the test sends exactly the bytes it means to.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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

}  // namespace
}  // namespace portal
