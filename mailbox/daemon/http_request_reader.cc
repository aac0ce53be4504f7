#include "mailbox/daemon/http_request_reader.h"

#include <boost/asio/buffer.hpp>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>
#include <utility>

namespace portal {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

std::string Lower(beast::string_view s) {
  std::string out(s.data(), s.size());
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Headers a handler reads (or the server trusts) whose second copy is refused: with two, which
// one counts would be the parser's choice, not the sender's.
bool SingleHeader(const std::string& lower_name) {
  static const char* const kSingle[] = {
      "host", "content-length", "content-type", "transfer-encoding", "idempotency-key", "x-real-ip",
      "te",   "trailer"};
  for (const char* s : kSingle) {
    if (lower_name == s) return true;
  }
  return lower_name.starts_with("portal-");
}

// What is wrong with a header section as sent (request line to its last CRLF) by RFC 9112 or
// our stricter reading; "" when nothing. obs-fold: a line after the request line starting with
// a space or tab (Beast would join it to the line before).
std::string HeaderProblem(std::string_view raw) {
  for (size_t at = raw.find("\r\n"); at != std::string_view::npos; at = raw.find("\r\n", at + 2)) {
    if (at + 2 < raw.size() && (raw[at + 2] == ' ' || raw[at + 2] == '\t')) return "obs-fold";
  }
  return "";
}

// The same for the header as Beast read it.
template <typename Fields>
std::string FieldsProblem(const http::request_header<Fields>& h) {
  std::map<std::string, int> seen;
  for (const auto& f : h) ++seen[Lower(f.name_string())];
  for (const auto& [name, count] : seen) {
    if (count > 1 && SingleHeader(name)) return "duplicate " + name;
  }
  if (h.version() >= 11 && !seen.count("host")) return "no Host";
  if (seen.count("transfer-encoding")) {
    if (Lower(h[http::field::transfer_encoding]) != "chunked") return "Transfer-Encoding";
    if (seen.count("content-length")) return "Content-Length with Transfer-Encoding";
  }
  // TE names the codings a client takes in a response; "trailers" is the only one that is not a
  // transfer coding, and this server sends neither trailers nor codings.
  if (seen.count("te") && Lower(h[http::field::te]) != "trailers") return "TE";
  // Trailer announces trailer fields: none are taken.
  if (seen.count("trailer")) return "Trailer";
  return "";
}

}  // namespace

HttpRequestReader::HttpRequestReader(Limits limits) : limits_(limits) {
  // The section is checked whole before Beast sees it; Beast's own limit is a second guard.
  parser_.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes + 4));
  parser_.body_limit(limits_.max_body_bytes);
}

HttpRequestReader::Step HttpRequestReader::Refuse(int status, std::string problem) {
  refusal_.status = status;
  refusal_.problem = std::move(problem);
  finished_ = true;
  return last_ = Step::kRefused;
}

HttpRequestReader::Step HttpRequestReader::Feed(std::string_view data, size_t* used) {
  *used = 0;
  if (finished_) return last_;
  if (!data.empty()) saw_bytes_ = true;
  if (!header_done_) return FeedHeader(data, used);
  return FeedBody(data, used);
}

HttpRequestReader::Step HttpRequestReader::FeedHeader(std::string_view data, size_t* used) {
  // The caller keeps every byte until the header is read, so `data` only grows between calls:
  // each check goes on from where the last call stopped (a client sending a byte at a time
  // costs linear time, not quadratic).
  // Empty lines before the request line are ignored (RFC 9112 2.2); they count
  // towards the section's size, so the answer never depends on how the bytes arrived.
  while (data.substr(lead_).starts_with("\r\n")) lead_ += 2;
  const size_t start = lead_;
  const size_t from = std::max(start, searched_ >= 3 ? searched_ - 3 : 0);
  const size_t end = data.find("\r\n\r\n", from);
  const size_t head_end = end == std::string_view::npos ? data.size() : end + 2;
  // Only the bytes within the limit are looked at, so the answer to a long section with a bare
  // LF is the same however its bytes arrived.
  const size_t within = limits_.max_header_bytes > start ? limits_.max_header_bytes - start : 0;
  const size_t check_end = std::min(head_end, start + within);
  // A bare LF ends a line for some parsers and not for others: refused.
  for (size_t i = std::max(start, checked_); i < check_end; ++i) {
    if (data[i] == '\n' && (i == start || data[i - 1] != '\r')) return Refuse(400, "bare LF");
  }
  checked_ = std::max(checked_, check_end);
  if (end == std::string_view::npos) {
    searched_ = data.size();
    // Without its end, the section is longer than what is here.
    if (data.size() > limits_.max_header_bytes) return Refuse(431, "headers too large");
    return Step::kMore;
  }
  const std::string_view head = data.substr(start, head_end - start);
  const size_t section = end + 4;
  if (section > limits_.max_header_bytes) return Refuse(431, "headers too large");
  if (std::string problem = HeaderProblem(head); !problem.empty()) return Refuse(400, problem);
  beast::error_code ec;
  // The empty lines are dropped here: Beast refuses a request that starts with one.
  const size_t n =
      start + parser_.put(boost::asio::buffer(data.data() + start, section - start), ec);
  if (ec == http::error::header_limit) return Refuse(431, "headers too large");
  if (ec == http::error::body_limit) return Refuse(413, "body too large");  // Content-Length.
  // Beast refuses a bad request line, a bad Content-Length, a malformed field; a whole section
  // it still wants more of is malformed too.
  if (ec || !parser_.is_header_done()) return Refuse(400, "malformed");
  *used = n;
  if (std::string problem = FieldsProblem(parser_.get().base()); !problem.empty()) {
    return Refuse(400, problem);
  }
  chunked_ = parser_.get().chunked();
  header_done_ = true;
  parser_.eager(true);
  return last_ = Step::kHeader;
}

HttpRequestReader::Step HttpRequestReader::FeedBody(std::string_view data, size_t* used) {
  if (chunked_) return FeedChunks(data, used);
  // A Content-Length body: Beast reads it (the length was checked against the limit already).
  size_t consumed = 0;
  while (!parser_.is_done()) {
    if (consumed == data.size()) {
      *used = consumed;
      return Step::kMore;
    }
    beast::error_code ec;
    consumed += parser_.put(boost::asio::buffer(data.substr(consumed)), ec);
    if (ec == http::error::need_more) {
      *used = consumed;
      return Step::kMore;
    }
    if (ec == http::error::body_limit) return Refuse(413, "body too large");
    if (ec) return Refuse(400, "malformed body");
  }
  *used = consumed;
  finished_ = true;
  return last_ = Step::kRequest;
}

// A chunked body (RFC 9112 7.1), decoded here rather than by Beast, whose reading of a chunk
// line depended on where the bytes were cut (the http_request fuzzer found a body refused as
// too large in pieces and still waited for whole). Strict and the same however the bytes
// arrive: each check decides on the bytes seen so far, left to right. A size line is 1 to 8 hex
// digits; chunk extensions (a request-smuggling vector, and nothing our clients send) and
// trailer fields are refused.
HttpRequestReader::Step HttpRequestReader::FeedChunks(std::string_view data, size_t* used) {
  size_t pos = 0;
  const auto more = [&] {
    *used = pos;
    return Step::kMore;
  };
  for (;;) {
    if (chunk_state_ == ChunkState::kSize) {
      const size_t eol = data.find("\r\n", pos);
      std::string_view line =
          data.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
      // A CR at the end of what has come may be its line's CRLF.
      if (eol == std::string_view::npos && line.ends_with('\r')) line.remove_suffix(1);
      for (size_t i = 0; i < line.size(); ++i) {
        if (line[i] == ';') return Refuse(400, "chunk extensions");
        if (!std::isxdigit(static_cast<unsigned char>(line[i])) || i >= 8) {
          return Refuse(400, "malformed body");
        }
      }
      if (eol == std::string_view::npos) return more();
      if (line.empty()) return Refuse(400, "malformed body");
      uint64_t size = 0;
      for (char c : line) {
        size = size * 16 + static_cast<uint64_t>(std::isdigit(static_cast<unsigned char>(c))
                                                     ? c - '0'
                                                     : (std::tolower(c) - 'a' + 10));
      }
      if (size > limits_.max_body_bytes - body_.size()) return Refuse(413, "body too large");
      pos = eol + 2;
      chunk_left_ = size;
      chunk_state_ = size == 0 ? ChunkState::kTrailer : ChunkState::kData;
    } else if (chunk_state_ == ChunkState::kData) {
      const size_t take = std::min<uint64_t>(chunk_left_, data.size() - pos);
      body_.append(data.substr(pos, take));
      pos += take;
      chunk_left_ -= take;
      if (chunk_left_ > 0) return more();
      chunk_state_ = ChunkState::kDataEnd;
    } else {  // kDataEnd: CRLF after the data; kTrailer: the empty line after the last chunk.
      if (data.size() - pos < 2) {
        if (pos < data.size() && data[pos] != '\r') break;
        return more();
      }
      if (data.substr(pos, 2) != "\r\n") break;
      pos += 2;
      if (chunk_state_ == ChunkState::kTrailer) {
        *used = pos;
        finished_ = true;
        return last_ = Step::kRequest;
      }
      chunk_state_ = ChunkState::kSize;
    }
  }
  // A byte where CRLF belongs: after data, a malformed body; after the last chunk, a trailer.
  return Refuse(400, chunk_state_ == ChunkState::kTrailer ? "trailer fields" : "malformed body");
}

HttpRequest HttpRequestReader::TakeRequest() {
  auto& msg = parser_.get();
  HttpRequest req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  for (const auto& f : msg) req.headers[Lower(f.name_string())] = std::string(f.value());
  req.body = chunked_ ? std::move(body_) : std::move(msg.body());
  return req;
}

bool HttpRequestReader::keep_alive() const { return parser_.get().keep_alive(); }

}  // namespace portal
