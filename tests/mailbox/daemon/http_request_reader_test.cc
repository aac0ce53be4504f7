#define BOOST_TEST_MODULE http_request_reader_test
#include "mailbox/daemon/http_request_reader.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace portal {
namespace {

using Step = HttpRequestReader::Step;

// What a connection's bytes give, read as the server's sessions read them, `piece` bytes at a
// time: each request as "METHOD TARGET|header=value;...|body", then "refused STATUS problem".
std::vector<std::string> Read(const std::string& bytes, size_t piece,
                              HttpRequestReader::Limits limits = {}) {
  std::vector<std::string> out;
  std::string buffer;
  size_t sent = 0;
  for (;;) {
    HttpRequestReader reader(limits);
    Step step = Step::kMore;
    for (;;) {
      size_t used = 0;
      step = reader.Feed(buffer, &used);
      buffer.erase(0, used);
      if (step == Step::kHeader) continue;
      if (step != Step::kMore || sent == bytes.size()) break;
      const size_t n = std::min(piece, bytes.size() - sent);
      buffer += bytes.substr(sent, n);
      sent += n;
    }
    if (step == Step::kRefused) {
      out.push_back("refused " + std::to_string(reader.refusal().status) + " " +
                    reader.refusal().problem);
      return out;
    }
    if (step != Step::kRequest) return out;
    const bool keep_alive = reader.keep_alive();
    const HttpRequest r = reader.TakeRequest();
    std::string s = r.method + " " + r.target + "|";
    for (const auto& [k, v] : r.headers) s += k + "=" + v + ";";
    out.push_back(s + "|" + r.body);
    if (!keep_alive) return out;
  }
}

// The same, checked to be the same whether the bytes come at once or one by one.
std::vector<std::string> ReadBothWays(const std::string& bytes,
                                      HttpRequestReader::Limits limits = {}) {
  const auto whole = Read(bytes, bytes.size() + 1, limits);
  BOOST_TEST(Read(bytes, 1, limits) == whole, "byte by byte differs for: " << bytes);
  BOOST_TEST(Read(bytes, 7, limits) == whole, "7 bytes at a time differs for: " << bytes);
  return whole;
}

using Lines = std::vector<std::string>;

BOOST_AUTO_TEST_CASE(reads_requests_on_one_connection) {
  BOOST_TEST(ReadBothWays("GET /v1/health HTTP/1.1\r\nHost: a\r\n\r\n"
                          "POST /v1/messages HTTP/1.1\r\nHOST: a\r\nContent-Length: 2\r\n"
                          "Connection: close\r\n\r\n{}GET /ignored HTTP/1.1\r\n\r\n") ==
             (Lines{"GET /v1/health|host=a;|",
                    "POST /v1/messages|connection=close;content-length=2;host=a;|{}"}));
}

BOOST_AUTO_TEST_CASE(reads_a_chunked_body_and_ignores_leading_empty_lines) {
  BOOST_TEST(
      ReadBothWays("\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                   "TE: trailers\r\nConnection: close\r\n\r\n"
                   "3\r\nabc\r\n02\r\nde\r\n0\r\n\r\n") ==
      (Lines{"POST /|connection=close;host=a;te=trailers;transfer-encoding=chunked;|abcde"}));
}

BOOST_AUTO_TEST_CASE(refuses_what_rfc_9112_lets_a_server_refuse) {
  const std::pair<std::string, std::string> cases[] = {
      {"GET / HTTP/1.1\nHost: a\n\n", "refused 400 bare LF"},
      {"\r\n\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "refused 400 bare LF"},
      {"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", "refused 400 obs-fold"},
      {"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", "refused 400 duplicate host"},
      {"GET / HTTP/1.1\r\nX-Real-IP: 1\r\nHost: a\r\nx-real-ip: 2\r\n\r\n",
       "refused 400 duplicate x-real-ip"},
      {"GET / HTTP/1.1\r\nPortal-Key: 1\r\nHost: a\r\nPORTAL-KEY: 2\r\n\r\n",
       "refused 400 duplicate portal-key"},
      {"GET / HTTP/1.1\r\n\r\n", "refused 400 no Host"},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
       "refused 400 Transfer-Encoding"},
      {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
       "refused 400 malformed"},  // Beast refuses it first.
      {"GET / HTTP/1.1\r\nHost: a\r\nTE: gzip\r\n\r\n", "refused 400 TE"},
      {"GET / HTTP/1.1\r\nHost: a\r\nTrailer: X\r\n\r\n", "refused 400 Trailer"},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nPortal-Key: x\r\n\r\n",
       "refused 400 trailer fields"},
      {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", "refused 400 malformed"},
      {"GET / HTTP/9.9\r\nHost: a\r\n\r\n", "refused 400 malformed"},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       "refused 400 malformed body"},
      // Chunk lines are read here, strictly (Beast's reading depended on where the bytes were
      // cut: tests/fuzz/regressions/http_request/).
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;t=\"\r\n x\"\r\nabc",
       "refused 400 chunk extensions"},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n000000001\r\na\r\n",
       "refused 400 malformed body"},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
       "refused 400 malformed body"},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
       "refused 400 malformed body"},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\n",
       "refused 400 malformed body"},
  };
  for (const auto& [bytes, expected] : cases) {
    BOOST_TEST(ReadBothWays(bytes) == Lines{expected}, bytes);
  }
}

BOOST_AUTO_TEST_CASE(limits_give_413_and_431_however_the_bytes_arrive) {
  const HttpRequestReader::Limits small{64, 8};
  BOOST_TEST(ReadBothWays("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n123456789",
                          small) == Lines{"refused 413 body too large"});
  BOOST_TEST(ReadBothWays("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n",
                          small) == Lines{"refused 413 body too large"});
  const std::string long_header = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(60, 'x');
  BOOST_TEST(ReadBothWays(long_header + "\r\n\r\n", small) ==
             Lines{"refused 431 headers too large"});
  // Never ended: refused once it is past the limit, not kept waiting for.
  BOOST_TEST(ReadBothWays(long_header, small) == Lines{"refused 431 headers too large"});
  // Leading empty lines count: the answer must not depend on how they arrive.
  BOOST_TEST(ReadBothWays(std::string(20, '\r') + "GET / HTTP/1.1\r\nHost: a\r\n\r\n", small) ==
             Lines{"refused 400 malformed"});
  std::string blank_lines;
  for (int i = 0; i < 40; ++i) blank_lines += "\r\n";
  BOOST_TEST(ReadBothWays(blank_lines + "GET / HTTP/1.1\r\nHost: a\r\n\r\n", small) ==
             Lines{"refused 431 headers too large"});
  // A bare LF past the limit: 431 both ways (it is never looked at).
  BOOST_TEST(ReadBothWays(long_header + "\nY: 1\r\n\r\n", small) ==
             Lines{"refused 431 headers too large"});
  BOOST_TEST(ReadBothWays("GET / HTTP/1.1\r\nHost: a\r\nX: 1\n" + std::string(80, 'y'), small) ==
             Lines{"refused 400 bare LF"});
}

BOOST_AUTO_TEST_CASE(an_unfinished_request_waits_and_says_it_saw_bytes) {
  HttpRequestReader reader({});
  size_t used = 0;
  BOOST_TEST(!reader.saw_bytes());
  BOOST_TEST((reader.Feed("", &used) == Step::kMore));
  BOOST_TEST(!reader.saw_bytes());
  BOOST_TEST((reader.Feed("GET / HT", &used) == Step::kMore));
  BOOST_TEST(used == 0u);
  BOOST_TEST(reader.saw_bytes());
  BOOST_TEST(!reader.header_done());
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab";
  HttpRequestReader post({});
  BOOST_TEST((post.Feed(head, &used) == Step::kHeader));
  BOOST_TEST(used == head.size() - 2);
  BOOST_TEST(post.header_done());
  BOOST_TEST((post.Feed("ab", &used) == Step::kMore));
  BOOST_TEST(used == 2u);
  BOOST_TEST((post.Feed("cdGET", &used) == Step::kRequest));
  BOOST_TEST(used == 2u);  // The next request's bytes stay with the caller.
  BOOST_TEST(post.TakeRequest().body == "abcd");
}

}  // namespace
}  // namespace portal
