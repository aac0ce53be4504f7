#include "generator/ehr/bulk_client.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "generator/ehr/retry_after.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

// "HTTP 500 (fatal/exception)": the answer as a message may show it.
std::string Answer(const HttpResponse& r) {
  std::string s = "HTTP " + std::to_string(r.status);
  const OutcomeIssues issues = ReadOperationOutcome(r.body);
  if (!issues.words.empty()) {
    s += " (";
    for (size_t i = 0; i < issues.words.size(); ++i) s += (i ? ", " : "") + issues.words[i];
    s += ")";
  }
  return s;
}

std::string Printable(const std::string& text, size_t max) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max) break;
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return out;
}

// An fd for appending to `path` (0600), closed with its owner.
class AppendFile {
 public:
  explicit AppendFile(const fs::path& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600)) {}
  ~AppendFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  int fd() const { return fd_; }
  Status Close(const fs::path& path) {
    const bool ok = ::fsync(fd_) == 0;
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    return ok ? Status::Ok() : Status::IoError(path.string() + ": fsync: " + std::strerror(err));
  }

 private:
  int fd_;
};

}  // namespace

bool RetryableAnswer(const HttpResponse& r) {
  if (r.status == 429) return true;
  if (r.status < 500 || r.status > 599) return false;
  const OutcomeIssues issues = ReadOperationOutcome(r.body);
  if (issues.fatal) return false;
  // An explicit outcome says whether to try again; without one a 5xx is taken as passing.
  return issues.words.empty() || issues.transient;
}

void BulkClient::Sleep(int64_t seconds) {
  counts_->waits.push_back(seconds);
  if (options_.sleep) options_.sleep(seconds);
}

// Retry-After when the server sent a usable one, else exponential backoff from
// retry_initial_seconds; always within 0..max_retry_after_seconds.
bool BulkClient::ServerRetryAfter(const HttpResponse& r, int64_t* seconds) const {
  int64_t now = options_.clock->Now(), date = 0;
  if (ParseHttpDate(r.Header("date"), &date)) now = date;  // The server's clock, if it says.
  return ParseRetryAfter(r.Header("retry-after"), now, seconds);
}

int64_t BulkClient::WaitFor(const HttpResponse& r, int attempt) const {
  const auto& ehr = *options_.ehr;
  int64_t wait = 0;
  if (!ServerRetryAfter(r, &wait)) {
    wait = ehr.retry_initial_seconds << std::min(attempt, 20);
  }
  return std::clamp<int64_t>(wait, 0, ehr.max_retry_after_seconds);
}

Status BulkClient::Send(HttpCall call, bool with_token, HttpResponse* r) {
  const size_t fixed_headers = call.headers.size();
  bool renewed = false;
  for (int attempt = 0;; ++attempt) {
    call.headers.resize(fixed_headers);
    std::string auth;
    if (with_token && options_.token != nullptr) {
      PORTAL_RETURN_IF_ERROR(options_.token->Bearer(http_.get(), &auth));
      call.headers.push_back(auth);
    }
    const Status st = http_->Fetch(call, r);
    const bool last = attempt >= options_.ehr->retries;
    if (!st.ok()) {
      if (last) return st;
      ++counts_->retries;
      Sleep(WaitFor(HttpResponse(), attempt));
      continue;
    }
    if (r->status == 401 && !auth.empty() && !renewed) {
      // The token expired or was revoked mid-export: one new one, then the answer stands.
      options_.token->Invalidate(auth);
      renewed = true;
      ++counts_->retries;
      continue;
    }
    if (!RetryableAnswer(*r) || last) return Status::Ok();
    ++counts_->retries;
    Sleep(WaitFor(*r, attempt));
  }
}

Status BulkClient::KickOff(const std::string& since, std::string* status_url) {
  const auto& ehr = *options_.ehr;
  std::string url = ehr.base_url + "/" + (ehr.level == "system" ? "" : ehr.level + "/") +
                    "$export?_outputFormat=" + FormEncode("application/fhir+ndjson");
  std::string types;
  for (const auto& t : options_.types) types += (types.empty() ? "" : ",") + t;
  if (!types.empty()) url += "&_type=" + FormEncode(types);
  if (!since.empty()) url += "&_since=" + FormEncode(since);
  HttpCall call;
  call.url = url;
  call.headers = {"Accept: application/fhir+json", "Prefer: respond-async"};
  call.max_body = 1 << 20;
  HttpResponse r;
  PORTAL_RETURN_IF_ERROR(Send(call, true, &r));
  if (r.status != 202) {
    return Status::IoError("kick-off " + UrlForLog(url) + ": " + Answer(r));
  }
  *status_url = r.Header("content-location");
  if (!status_url->starts_with("http://") && !status_url->starts_with("https://")) {
    return Status::IoError("kick-off " + UrlForLog(url) +
                           ": 202 without an absolute Content-Location");
  }
  return Status::Ok();
}

Status BulkClient::Poll(const std::string& status_url, BulkManifest* manifest, Outcome* outcome) {
  *outcome = Outcome::kFailed;
  // The job's time is the waits' sum (the sleep seam), so tests see the limit without waiting.
  const int64_t max_wait = int64_t{options_.ehr->max_wait_minutes} * 60;
  int64_t waited = 0;
  HttpCall call;
  call.url = status_url;
  call.headers = {"Accept: application/json"};
  call.max_body = 256u << 20;
  HttpResponse r;
  for (int poll = 0;; ++poll) {
    PORTAL_RETURN_IF_ERROR(Send(call, true, &r));
    if (r.status != 202) break;
    ++counts_->polls;
    counts_->progress = Printable(r.Header("x-progress"), 80);
    if (options_.on_progress) options_.on_progress(counts_->progress);
    if (waited >= max_wait) {
      return Status::IoError("export " + UrlForLog(status_url) + ": not finished after " +
                             std::to_string(options_.ehr->max_wait_minutes) +
                             " minutes (ehr.max_wait_minutes)");
    }
    // In progress: Retry-After if given, else a gentle backoff capped at a minute.
    int64_t wait = 0;
    if (!ServerRetryAfter(r, &wait)) {
      wait = std::min<int64_t>(60, int64_t{1} << std::min(poll, 6));
    }
    wait = std::clamp<int64_t>(wait, 1, options_.ehr->max_retry_after_seconds);
    waited += wait;
    Sleep(wait);
  }
  if (r.status == 404 || r.status == 410) {
    *outcome = Outcome::kGone;
    return Status::IoError("export " + UrlForLog(status_url) + ": " + Answer(r));
  }
  *outcome = Outcome::kRefused;
  if (r.status != 200) return Status::IoError("export " + UrlForLog(status_url) + ": " + Answer(r));
  PORTAL_RETURN_IF_ERROR(ParseBulkManifest(r.body, manifest));
  // A partial manifest's further pages (IG v2): their files join the first page's.
  std::set<std::string> seen;
  using Files = std::vector<BulkManifest::File> BulkManifest::*;
  for (Files list : {&BulkManifest::output, &BulkManifest::deleted, &BulkManifest::error}) {
    for (const auto& file : manifest->*list) seen.insert(file.url);
  }
  std::string next = manifest->next_url;
  for (int page = 1; !next.empty(); ++page) {
    if (page > 10000) return Status::InvalidInput("manifest: more than 10000 pages");
    call.url = next;
    *outcome = Outcome::kFailed;
    PORTAL_RETURN_IF_ERROR(Send(call, true, &r));
    *outcome = Outcome::kRefused;
    if (r.status != 200) {
      return Status::IoError("manifest page " + std::to_string(page + 1) + ": " + Answer(r));
    }
    BulkManifest more;
    PORTAL_RETURN_IF_ERROR(
        ParseBulkManifest(r.body, &more).WithPrefix("page " + std::to_string(page + 1)));
    for (Files list : {&BulkManifest::output, &BulkManifest::deleted, &BulkManifest::error}) {
      // A server may repeat a list on every page (error[], say): each file is taken once.
      auto& to = manifest->*list;
      for (auto& file : more.*list) {
        if (seen.insert(file.url).second) to.push_back(std::move(file));
      }
    }
    next = more.next_url;
  }
  manifest->next_url.clear();
  *outcome = Outcome::kOk;
  return Status::Ok();
}

Status BulkClient::Download(const std::string& url, bool with_token, const fs::path& part,
                            const std::function<void(size_t)>& on_bytes, Outcome* outcome) {
  *outcome = Outcome::kFailed;
  const auto& ehr = *options_.ehr;
  bool renewed = false;
  for (int attempt = 0;; ++attempt) {
    std::error_code ec;
    const uint64_t have = fs::exists(part, ec) ? fs::file_size(part, ec) : 0;
    AppendFile file(part);
    if (file.fd() < 0) return Status::IoError(part.string() + ": " + std::strerror(errno));
    DownloadCall call;
    call.url = url;
    call.headers = {"Accept: application/fhir+ndjson"};
    call.offset = have;
    call.max_bytes = static_cast<uint64_t>(ehr.max_file_mib) << 20;
    call.on_bytes = on_bytes;
    std::string auth;
    if (with_token && options_.token != nullptr) {
      PORTAL_RETURN_IF_ERROR(options_.token->Bearer(http_.get(), &auth));
      call.headers.push_back(auth);
    }
    HttpResponse r;
    uint64_t written = 0;
    const Status st = http_->Download(call, file.fd(), &r, &written);
    const bool last = attempt >= ehr.retries;
    if (st.ok() && (r.status == 200 || r.status == 206)) {
      if (r.status == 206 &&
          !r.Header("content-range").starts_with("bytes " + std::to_string(have) + "-")) {
        return Status::IoError(UrlForLog(url) + ": 206 for another range than asked");
      }
      PORTAL_RETURN_IF_ERROR(file.Close(part));
      *outcome = Outcome::kOk;
      return Status::Ok();
    }
    if (!st.ok()) {
      // Cut mid-stream or never connected: resume from what was written.
      if (last) return st;
      ++counts_->retries;
      Sleep(WaitFor(r, attempt));
      continue;
    }
    if (r.status == 410 || r.status == 404) {
      *outcome = Outcome::kGone;
      return Status::IoError(UrlForLog(url) + ": HTTP " + std::to_string(r.status) +
                             " (the file expired)");
    }
    if (r.status == 401 && !auth.empty() && !renewed) {
      options_.token->Invalidate(auth);
      renewed = true;
      ++counts_->retries;
      continue;
    }
    if (r.status == 416 && have > 0) {
      // Asked past the end: the stored part is no use; start the file again.
      if (::ftruncate(file.fd(), 0) != 0) return Status::IoError(part.string() + ": truncate");
      ++counts_->retries;
      continue;
    }
    if (!RetryableAnswer(r) || last) return Status::IoError(UrlForLog(url) + ": " + Answer(r));
    ++counts_->retries;
    Sleep(WaitFor(r, attempt));
  }
}

Status BulkClient::Delete(const std::string& status_url) {
  HttpCall call;
  call.method = "DELETE";
  call.url = status_url;
  call.headers = {"Accept: application/fhir+json"};
  call.max_body = 1 << 20;
  HttpResponse r;
  PORTAL_RETURN_IF_ERROR(Send(call, true, &r));
  if (r.status == 202 || r.status == 200 || r.status == 204 || r.status == 404) return Status::Ok();
  return Status::IoError("DELETE " + UrlForLog(status_url) + ": " + Answer(r));
}

}  // namespace portal
