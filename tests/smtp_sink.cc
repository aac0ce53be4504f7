#include "tests/smtp_sink.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

#include "tests/test_util.h"

extern char** environ;

namespace portal::testing {

namespace fs = std::filesystem;

uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool Accepts(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

ArrivedMail ParseMail(std::string text) {
  text = std::regex_replace(text, std::regex("\r\n"), "\n");
  ArrivedMail mail;
  const size_t end = text.find("\n\n");
  mail.body = end == std::string::npos ? "" : text.substr(end + 2);
  const std::string head = text.substr(0, end) + "\n";
  std::string last;
  for (size_t pos = 0, next; pos < head.size(); pos = next + 1) {
    next = head.find('\n', pos);
    const std::string line = head.substr(pos, next - pos);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      mail.headers[last] += "\n" + line;
      continue;
    }
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    last = line.substr(0, colon);
    mail.headers[last] = line.substr(colon + 2);
  }
  return mail;
}

bool SmtpSink::Start(std::string* why) {
  const std::string python = "/usr/bin/python3";
  std::vector<std::string> args = {python,
                                   "-m",
                                   "aiosmtpd",
                                   "-n",
                                   "-l",
                                   "127.0.0.1:" + std::to_string(port_),
                                   "-c",
                                   "aiosmtpd.handlers.Mailbox",
                                   (dir_ / "maildir").string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = (dir_ / "aiosmtpd.log").string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  const int rc = posix_spawn(&pid_, python.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    pid_ = -1;
    *why = "cannot start " + python;
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Accepts(port_)) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      *why = "aiosmtpd exited: " + Slurp(log);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *why = "aiosmtpd did not listen within 20 s: " + Slurp(log);
  Stop();
  return false;
}

void SmtpSink::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::vector<ArrivedMail> SmtpSink::Mails() const {
  std::vector<ArrivedMail> mails;
  for (const auto& [name, text] : ReadTree(dir_ / "maildir" / "new")) {
    mails.push_back(ParseMail(text));
  }
  return mails;
}

}  // namespace portal::testing
