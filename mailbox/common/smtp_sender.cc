#include "mailbox/common/smtp_sender.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string_view>

#include "core/base64.h"
#include "core/file_util.h"
#include "core/sha256.h"

namespace portal {

namespace {

constexpr long kConnectTimeoutSeconds = 10;
constexpr long kTotalTimeoutSeconds = 30;

// A curl_slist, freed with its owner.
class CurlList {
 public:
  CurlList() = default;
  ~CurlList() { curl_slist_free_all(list_); }
  CurlList(const CurlList&) = delete;
  CurlList& operator=(const CurlList&) = delete;
  bool Append(const std::string& item) {
    curl_slist* grown = curl_slist_append(list_, item.c_str());
    if (grown != nullptr) list_ = grown;
    return grown != nullptr;
  }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

bool IsAddressChar(char c) {
  return c > ' ' && c < 0x7f && std::string_view("<>()[]\\,;:\"").find(c) == std::string::npos;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
}

// RFC 2047 encoded words for non-ASCII header text, each under 76 characters and cut between
// UTF-8 sequences, folded onto continuation lines; ASCII text as it is.
std::string EncodeHeaderText(std::string_view text) {
  if (IsAscii(text)) return std::string(text);
  constexpr size_t kChunk = 45;  // 60 base64 characters + 12 of "=?UTF-8?B??=".
  std::string out;
  while (!text.empty()) {
    size_t n = std::min(kChunk, text.size());
    while (n < text.size() && n > 0 && (text[n] & 0xC0) == 0x80) --n;
    if (n == 0) n = std::min(kChunk, text.size());  // Not UTF-8 after all: cut anywhere.
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64Encode(text.substr(0, n)) + "?=";
    text.remove_prefix(n);
  }
  return out;
}

// "Name <a@b>" with a non-ASCII name encoded; anything else as configured.
std::string FromHeader(const std::string& from) {
  const size_t open = from.rfind('<');
  if (open == std::string::npos || IsAscii(from)) return from;
  std::string name = from.substr(0, open);
  while (!name.empty() && name.back() == ' ') name.pop_back();
  return EncodeHeaderText(name) + " " + from.substr(open);
}

// RFC 5322 date-time in UTC: "Thu, 13 Feb 2025 09:30:00 +0000" (no locale involved).
std::string DateHeader(time_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

// Every line ending (LF, CRLF or a lone CR) as CRLF, and a CRLF at the end.
std::string WithCrlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32 + 2);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (text[i] == '\r' || text[i] == '\n') {
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  if (!out.ends_with("\r\n")) out += "\r\n";
  return out;
}

std::string Message(const PortalConfig::Notifications& config, int64_t date,
                    const std::string& from_address, const std::string& to,
                    const std::string& subject, const std::string& body) {
  const std::string host = from_address.substr(from_address.find('@') + 1);
  std::string m;
  m += "Date: " + DateHeader(static_cast<time_t>(date)) + "\r\n";
  m += "From: " + FromHeader(config.from) + "\r\n";
  m += "To: " + to + "\r\n";
  m += "Subject: " + EncodeHeaderText(subject) + "\r\n";
  m += "Message-ID: <" + RandomHex(16) + "@" + host + ">\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n";
  m += "\r\n";
  return m + WithCrlf(body);
}

// smtp_url without any "user:password@" in it, for error messages.
std::string UrlForErrors(const std::string& url) {
  const size_t start = url.find("://");
  if (start == std::string::npos) return url;
  const size_t end = url.find('/', start + 3);
  const size_t at = url.rfind('@', end);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start + 3) + url.substr(at + 1);
}

// The SMTP password: the file's first line, from a file no one but its owner may read.
Status ReadPassword(const std::filesystem::path& path, std::string* out) {
  if (path.empty()) {
    return Status::InvalidInput("notifications: username is set but password_file is not");
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::IoError(path.string() + ": " + std::strerror(errno));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Status::InvalidInput(path.string() +
                                ": the SMTP password file must be accessible by its owner only "
                                "(chmod 600)");
  }
  PORTAL_RETURN_IF_ERROR(ReadFile(path, out));
  while (!out->empty() && (out->back() == '\n' || out->back() == '\r')) out->pop_back();
  return Status::Ok();
}

long UseSsl(const PortalConfig::Notifications& config) {
  if (config.smtp_url.starts_with("smtps://") || config.starttls == "required") {
    return CURLUSESSL_ALL;
  }
  return config.starttls == "optional" ? CURLUSESSL_TRY : CURLUSESSL_NONE;
}

size_t ReadChunk(char* buffer, size_t size, size_t count, void* user) {
  auto* rest = static_cast<std::string_view*>(user);
  const size_t n = std::min(size * count, rest->size());
  std::memcpy(buffer, rest->data(), n);
  rest->remove_prefix(n);
  return n;
}

// One SMTP transaction on `c` (reset first); curl's message lands in `error`.
CURLcode Perform(CURL* c, const PortalConfig::Notifications& config, const std::string& password,
                 const std::string& mail_from, const CurlList& recipients,
                 const std::string& message, char* error) {
  std::string_view rest = message;
  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_URL, config.smtp_url.c_str());
  curl_easy_setopt(c, CURLOPT_USE_SSL, UseSsl(config));
  if (!config.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, config.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadChunk);
  curl_easy_setopt(c, CURLOPT_READDATA, &rest);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, kTotalTimeoutSeconds);
  const CURLcode rc = curl_easy_perform(c);
  // The handle outlives this call (it keeps the connection): drop what points into this frame,
  // and the password curl copied.
  curl_easy_reset(c);
  return rc;
}

}  // namespace

std::string MailAddressIn(const std::string& mailbox) {
  std::string_view s = mailbox;
  const size_t open = s.rfind('<');
  if (open != std::string::npos) {
    if (!s.ends_with('>')) return "";
    s = s.substr(open + 1, s.size() - open - 2);
  }
  const size_t at = s.find('@');
  const bool valid = !s.empty() && std::all_of(s.begin(), s.end(), IsAddressChar) &&
                     at != std::string::npos && at > 0 && at + 1 < s.size() &&
                     s.find('@', at + 1) == std::string::npos;
  return valid ? std::string(s) : std::string();
}

void SmtpSender::CurlDeleter::operator()(CURL* curl) const { curl_easy_cleanup(curl); }

SmtpSender::SmtpSender(const Clock& clock) : clock_(clock) {
  static std::once_flag initialized;
  std::call_once(initialized, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_.reset(curl_easy_init());
}

SmtpSender::~SmtpSender() = default;

Status SmtpSender::Send(const PortalConfig::Notifications& config, const std::string& to,
                        const std::string& subject, const std::string& body) {
  const std::string url = UrlForErrors(config.smtp_url);
  if (curl_ == nullptr) return Status::IoError(url + ": cannot start libcurl");
  const std::string from = MailAddressIn(config.from);
  if (from.empty()) return Status::InvalidInput("notifications.from: no e-mail address in it");
  if (to.empty() || MailAddressIn(to) != to) {
    return Status::InvalidInput(url + ": the recipient is not one bare e-mail address");
  }
  std::string password;
  if (!config.username.empty()) {
    PORTAL_RETURN_IF_ERROR(ReadPassword(config.password_file, &password));
  }
  CurlList recipients;
  if (!recipients.Append("<" + to + ">")) return Status::IoError(url + ": out of memory");
  const std::string message = Message(config, clock_.Now(), from, to, subject, body);
  char error[CURL_ERROR_SIZE] = "";
  const CURLcode rc =
      Perform(curl_.get(), config, password, "<" + from + ">", recipients, message, error);
  std::fill(password.begin(), password.end(), '\0');
  if (rc == CURLE_OK) return Status::Ok();
  return Status::IoError(url + ": " + (error[0] != '\0' ? error : curl_easy_strerror(rc)));
}

}  // namespace portal
