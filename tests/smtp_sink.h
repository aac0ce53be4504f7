#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/server_process.h"

namespace portal::testing {

// A free loopback port: bound to 0, read, closed (another process may take it meanwhile).
uint16_t FreePort();
// True when something accepts connections on 127.0.0.1:port.
bool Accepts(uint16_t port);

// A mail as the server stored it, line endings made LF.
struct ArrivedMail {
  std::map<std::string, std::string> headers;
  std::string body;
};
ArrivedMail ParseMail(std::string text);

// Debian's aiosmtpd on 127.0.0.1:port, storing what arrives in a Maildir under `dir`. Killed on
// destruction.
class SmtpSink {
 public:
  SmtpSink(const std::filesystem::path& dir, uint16_t port) : dir_(dir), port_(port) {}
  ~SmtpSink() { Stop(); }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  // Starts the server and waits (at most 20 s) until the port accepts connections.
  bool Start(std::string* why);
  void Stop();
  // Every mail that arrived, in file-name order.
  std::vector<ArrivedMail> Mails() const;

 private:
  std::filesystem::path dir_;
  uint16_t port_;
  ServerProcess process_;
};

}  // namespace portal::testing
