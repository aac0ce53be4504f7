#include "tests/smtp_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "tests/test_util.h"

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
  return process_.Start(
      {"/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port_), "-c",
       "aiosmtpd.handlers.Mailbox", (dir_ / "maildir").string()},
      dir_ / "aiosmtpd.log", "aiosmtpd", [this] { return Accepts(port_); }, why);
}

void SmtpSink::Stop() { process_.Stop(); }

std::vector<ArrivedMail> SmtpSink::Mails() const {
  std::vector<ArrivedMail> mails;
  for (const auto& [name, text] : ReadTree(dir_ / "maildir" / "new")) {
    mails.push_back(ParseMail(text));
  }
  return mails;
}

}  // namespace portal::testing
