#pragma once

#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mailbox/daemon/http_message.h"

namespace portal {

// The daemon's HTTP/1.1 request parser, without a socket: the server's sessions feed it the
// bytes they read, the fuzz target (tests/fuzz/http_request_fuzz.cc) the bytes it makes. Beast
// parses; around it are the checks Beast does not make, strict where RFC 9112 lets a server be:
// no bare LF, no obs-fold, the header section (leading empty lines included) within its limit,
// no second copy of a header the handlers read, Host in HTTP/1.1, Transfer-Encoding only
// "chunked" and never with Content-Length, TE only "trailers", no Trailer; a chunked body is
// decoded here, strictly: no chunk extensions, no trailer fields.
// One reader reads one request; bytes after it stay with the caller for the next reader.
class HttpRequestReader {
 public:
  struct Limits {
    size_t max_header_bytes = 8 * 1024;
    uint64_t max_body_bytes = 64 * 1024;
  };

  enum class Step {
    kMore,     // Feed again when more bytes have arrived.
    kHeader,   // The header section was read and accepted (once per request); feed on.
    kRequest,  // A whole request: TakeRequest().
    kRefused,  // refusal() is the answer; the connection closes after it.
  };

  struct Refusal {
    int status = 0;       // 400, 413 or 431.
    std::string problem;  // "bare LF", "obs-fold", "duplicate host", ... (never a value).
  };

  explicit HttpRequestReader(Limits limits);

  // Reads from `data`, the connection's unread bytes, and sets *used to how many it consumed
  // (the caller drops them and keeps the rest). Until kHeader nothing is consumed and each call
  // must see the bytes of the last one again, then what arrived since: the reader goes on from
  // where it stopped. After kRequest or kRefused it reads nothing more.
  Step Feed(std::string_view data, size_t* used);

  bool saw_bytes() const { return saw_bytes_; }  // A timeout now cuts a request off.
  bool header_done() const { return header_done_; }
  const Refusal& refusal() const { return refusal_; }

  // After kRequest: method, target, headers (lower-case names) and body; the caller sets the
  // rest. keep_alive(): whether the connection may carry another request.
  HttpRequest TakeRequest();
  bool keep_alive() const;

 private:
  Step Refuse(int status, std::string problem);
  Step FeedHeader(std::string_view data, size_t* used);
  Step FeedBody(std::string_view data, size_t* used);
  Step FeedChunks(std::string_view data, size_t* used);

  Limits limits_;
  boost::beast::http::request_parser<boost::beast::http::string_body> parser_;
  bool saw_bytes_ = false;
  // The header section so far: leading empty lines' bytes, how far the end was looked for, how
  // far bare LFs were.
  size_t lead_ = 0;
  size_t searched_ = 0;
  size_t checked_ = 0;
  bool header_done_ = false;
  bool finished_ = false;
  bool chunked_ = false;
  enum class ChunkState { kSize, kData, kDataEnd, kTrailer };
  ChunkState chunk_state_ = ChunkState::kSize;
  uint64_t chunk_left_ = 0;
  std::string body_;  // A chunked body, decoded.
  Step last_ = Step::kMore;
  Refusal refusal_;
};

}  // namespace portal
