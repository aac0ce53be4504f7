// The daemon's HTTP/1.1 request parser (mailbox/daemon/http_request_reader.h), the one its
// sessions feed, on raw bytes from anyone on the internet. The input is a connection's bytes:
// read as sessions read them, request after request (keep-alive, pipelining) until one is
// refused, the bytes cut into pieces (their sizes from the input's first byte) and, again, all
// at once. Properties: no crash; the two readings give the same requests and the same refusal;
// a refusal is 400, 413 or 431 with a problem named; a request's header names are lower case,
// its body within the limit, and headers a handler reads are never there twice (the map holds
// one, the reader refused a second).

#include <string>
#include <vector>

#include "mailbox/daemon/http_request_reader.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

struct Outcome {
  std::vector<std::string> requests;  // Method, target, headers and body, flattened.
  int refusal = 0;
  std::string problem;
  bool operator==(const Outcome&) const = default;
};

const portal::HttpRequestReader::Limits kLimits{2048, 4096};  // Small: limits are reached.

Outcome Read(std::string_view bytes, size_t piece) {
  using Step = portal::HttpRequestReader::Step;
  Outcome out;
  std::string buffer;
  size_t sent = 0;
  while (out.requests.size() < 64) {
    portal::HttpRequestReader reader(kLimits);
    Step step = Step::kMore;
    for (;;) {
      size_t used = 0;
      step = reader.Feed(buffer, &used);
      FUZZ_CHECK(used <= buffer.size());
      buffer.erase(0, used);
      if (step == Step::kHeader) continue;
      if (step != Step::kMore) break;
      if (sent == bytes.size()) break;  // The client stopped sending.
      const size_t n = std::min(piece, bytes.size() - sent);
      buffer.append(bytes.substr(sent, n));
      sent += n;
    }
    if (step == Step::kRefused) {
      out.refusal = reader.refusal().status;
      out.problem = reader.refusal().problem;
      FUZZ_CHECK(out.refusal == 400 || out.refusal == 413 || out.refusal == 431);
      FUZZ_CHECK(!out.problem.empty());
      return out;
    }
    if (step != Step::kRequest) return out;
    const bool keep_alive = reader.keep_alive();
    portal::HttpRequest req = reader.TakeRequest();
    FUZZ_CHECK(!req.method.empty() && !req.target.empty());
    FUZZ_CHECK(req.body.size() <= kLimits.max_body_bytes);
    std::string flat = req.method + " " + req.target + "\n";
    for (const auto& [name, value] : req.headers) {
      for (char c : name) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
      flat += name + ": " + value + "\n";
    }
    out.requests.push_back(flat + "\n" + req.body);
    if (!keep_alive) return out;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 97;
  const std::string_view bytes = portal::fuzz::AsText(data + 1, size - 1);
  const Outcome whole = Read(bytes, bytes.size() + 1);
  const Outcome pieces = Read(bytes, piece);
  FUZZ_CHECK(whole == pieces);
  return 0;
}
