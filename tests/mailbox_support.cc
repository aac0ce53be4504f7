#include "tests/mailbox_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <regex>

#include "tests/test_util.h"

extern char** environ;

namespace portal::testing {

namespace fs = std::filesystem;

namespace {

// Sends `bytes` on `fd` once connected to `addr` and parses the answer; closes fd.
HttpResult Exchange(int fd, const sockaddr* addr, socklen_t addr_size, const std::string& bytes) {
  HttpResult result;
  if (fd < 0) return result;
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string data;
  if (::connect(fd, addr, addr_size) == 0 &&
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
    char buf[8192];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      data.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  const size_t end = data.find("\r\n\r\n");
  if (end == std::string::npos) return result;
  std::smatch m;
  const std::string head = data.substr(0, end);
  static const std::regex kStatus("HTTP/1\\.1 ([0-9]{3}) ");
  if (!std::regex_search(head, m, kStatus)) return result;
  result.status = std::stoi(m[1].str());
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    const size_t next = head.find("\r\n", pos + 2);
    const std::string line =
        head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      result.headers[name] = value;
    }
    pos = next;
  }
  result.body = data.substr(end + 4);
  return result;
}

}  // namespace

HttpResult HttpRaw(uint16_t port, const std::string& bytes) {
  return HttpRawFrom("127.0.0.1", port, bytes);
}

HttpResult HttpRawFrom(const std::string& source, uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  if (fd < 0 || ::inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
    if (fd >= 0) ::close(fd);
    return {};
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return Exchange(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr, bytes);
}

HttpResult HttpRawUnix(const fs::path& socket, const std::string& bytes) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket.string().size() >= sizeof addr.sun_path) return {};
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket.c_str());
  return Exchange(::socket(AF_UNIX, SOCK_STREAM, 0), reinterpret_cast<sockaddr*>(&addr),
                  sizeof addr, bytes);
}

std::string HttpRequestBytes(const std::string& method, const std::string& target,
                             const std::map<std::string, std::string>& headers,
                             const std::string& body) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (method == "POST" || !body.empty()) {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return req + "\r\n" + body;
}

HttpResult HttpCall(uint16_t port, const std::string& method, const std::string& target,
                    const std::map<std::string, std::string>& headers, const std::string& body) {
  return HttpRaw(port, HttpRequestBytes(method, target, headers, body));
}

MailboxDaemon::MailboxDaemon(fs::path config, fs::path log)
    : config_(std::move(config)), log_(std::move(log)) {}

MailboxDaemon::~MailboxDaemon() {
  if (pid_ > 0) Kill();
}

bool MailboxDaemon::Start(std::string* why) {
  int out[2];
  if (::pipe(out) != 0) {
    *why = "pipe";
    return false;
  }
  const std::string bin = (BinaryDir() / "bin" / "portal-mailboxd").string();
  std::vector<std::string> args = {bin, "--config", config_.string(), "--listen", "127.0.0.1:0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  posix_spawn_file_actions_addopen(&fa, 2, log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  const int rc = posix_spawn(&pid_, bin.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    pid_ = -1;
    *why = "cannot start " + bin;
    return false;
  }
  std::string line;
  pollfd p{out[0], POLLIN, 0};
  char c;
  while (line.find('\n') == std::string::npos && ::poll(&p, 1, 20000) > 0 &&
         ::read(out[0], &c, 1) == 1) {
    line += c;
  }
  ::close(out[0]);
  static const std::regex kReady("portal-mailboxd: listening on 127\\.0\\.0\\.1:([0-9]+)\n");
  std::smatch m;
  if (!std::regex_match(line, m, kReady)) {
    *why = "no readiness line (got '" + line + "'); log: " + Log();
    Kill();
    return false;
  }
  port_ = static_cast<uint16_t>(std::stoi(m[1].str()));
  return true;
}

int MailboxDaemon::Wait() {
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int MailboxDaemon::Terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  return Wait();
}

void MailboxDaemon::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  Wait();
}

std::string MailboxDaemon::Log() const { return fs::exists(log_) ? Slurp(log_) : std::string(); }

std::string InstantFromNow(int offset_seconds) {
  const time_t t = std::time(nullptr) + offset_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace portal::testing
