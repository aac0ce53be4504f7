#include "generator/ehr/http_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "core/parse_number.h"

namespace portal {

namespace {

// A curl_slist, freed with its owner.
class HeaderList {
 public:
  HeaderList() = default;
  ~HeaderList() { curl_slist_free_all(list_); }
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  bool Add(const std::string& item) {
    curl_slist* grown = curl_slist_append(list_, item.c_str());
    if (grown == nullptr) return false;
    list_ = grown;
    return true;
  }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

// What a transfer's callbacks fill.
struct Transfer {
  HttpResponse* response = nullptr;
  int fd = -1;  // Downloads: where a 200/206 body goes.
  uint64_t written = 0;
  uint64_t limit = 0;            // Bytes of body allowed (in memory or on disk).
  bool truncate_on_200 = false;  // A Range asked for and ignored: the file starts again.
  bool too_large = false;
  bool write_failed = false;
  int write_errno = 0;
  const std::function<void(size_t)>* on_bytes = nullptr;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  if (line.starts_with("HTTP/")) {
    // The status line comes before the body: OnBody reads it to know where the body goes. A
    // 100 Continue's fields are not the answer's.
    t->response->headers.clear();
    const size_t sp = line.find(' ');
    int status = 0;
    if (sp != std::string::npos && ParseInt(line.substr(sp + 1, 3), &status)) {
      t->response->status = status;
    }
    return size * n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string::npos || colon == 0) return size * n;
  std::string name = line.substr(0, colon);
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.pop_back();
  }
  if (t->response->headers.size() < 200) t->response->headers[name] = value;
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  const long status = t->response->status;
  if (t->written + len > t->limit) {
    t->too_large = true;
    return 0;  // Stops the transfer.
  }
  if (t->fd >= 0 && (status == 200 || status == 206)) {
    if (t->truncate_on_200 && status == 200) {
      t->truncate_on_200 = false;
      if (::ftruncate(t->fd, 0) != 0) {
        t->write_failed = true;
        t->write_errno = errno;
        return 0;
      }
    }
    size_t done = 0;
    while (done < len) {
      const ssize_t w = ::write(t->fd, data + done, len - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        t->write_failed = true;
        t->write_errno = errno;
        return 0;
      }
      done += static_cast<size_t>(w);
    }
    if (t->on_bytes != nullptr && *t->on_bytes) (*t->on_bytes)(len);
  } else {
    t->response->body.append(data, len);
  }
  t->written += len;
  return len;
}

}  // namespace

struct HttpClient::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

std::string HttpResponse::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(const Timeouts& timeouts) : timeouts_(timeouts) {}
HttpClient::~HttpClient() = default;

Status HttpClient::Create(const Timeouts& timeouts, std::unique_ptr<HttpClient>* out) {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) return Status::IoError("libcurl: cannot initialize");
  std::unique_ptr<HttpClient> client(new HttpClient(timeouts));
  client->handle_ = std::make_unique<Handle>();
  client->handle_->curl = curl_easy_init();
  if (client->handle_->curl == nullptr) return Status::IoError("libcurl: no handle");
  *out = std::move(client);
  return Status::Ok();
}

namespace {

// Settings every transfer shares.
void Prepare(CURL* c, const std::string& url, const HttpClient::Timeouts& timeouts, Transfer* t,
             char* error) {
  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeouts.connect_seconds);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeouts.stall_seconds);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "portal-gen");
}

Status Perform(CURL* c, const std::string& url, Transfer* t, const char* error) {
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  t->response->status = status;
  if (t->too_large) return Status::IoError(UrlForLog(url) + ": answer larger than allowed");
  if (t->write_failed) {
    return Status::IoError(UrlForLog(url) + ": cannot write: " + std::strerror(t->write_errno));
  }
  if (rc != CURLE_OK) {
    return Status::IoError(UrlForLog(url) + ": " +
                           (error[0] != '\0' ? std::string(error) : curl_easy_strerror(rc)));
  }
  return Status::Ok();
}

}  // namespace

Status HttpClient::Fetch(const HttpCall& call, HttpResponse* out) {
  *out = HttpResponse();
  CURL* c = handle_->curl;
  char error[CURL_ERROR_SIZE] = {0};
  Transfer t;
  t.response = out;
  t.limit = call.max_body;
  Prepare(c, call.url, timeouts_, &t, error);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeouts_.total_seconds);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // Whatever curl decodes (gzip, deflate).
  HeaderList headers;
  for (const auto& h : call.headers) {
    if (!headers.Add(h)) return Status::IoError("libcurl: out of memory");
  }
  if (call.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
    if (!headers.Add("Expect:")) return Status::IoError("libcurl: out of memory");
  } else if (call.method == "DELETE") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  return Perform(c, call.url, &t, error);
}

Status HttpClient::Download(const DownloadCall& call, int fd, HttpResponse* out,
                            uint64_t* written) {
  *out = HttpResponse();
  *written = 0;
  CURL* c = handle_->curl;
  char error[CURL_ERROR_SIZE] = {0};
  Transfer t;
  t.response = out;
  t.fd = fd;
  t.limit = call.max_bytes > call.offset ? call.max_bytes - call.offset : 0;
  t.on_bytes = &call.on_bytes;
  t.truncate_on_200 = call.offset > 0;
  Prepare(c, call.url, timeouts_, &t, error);
  // A resumed download asks for the rest of the bytes as stored: identity, no decoding.
  if (call.accept_gzip && call.offset == 0) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
  if (call.offset > 0) {
    const std::string range = std::to_string(call.offset) + "-";
    curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
  }
  HeaderList headers;
  for (const auto& h : call.headers) {
    if (!headers.Add(h)) return Status::IoError("libcurl: out of memory");
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  const Status st = Perform(c, call.url, &t, error);
  *written = out->status == 200 || out->status == 206 ? t.written : 0;
  return st;
}

std::string UrlForLog(const std::string& url) {
  const size_t cut = url.find_first_of("?#");
  return cut == std::string::npos ? url : url.substr(0, cut);
}

std::string FormEncode(const std::string& value) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace portal
