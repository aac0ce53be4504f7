#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace portal::testing {

// One HTTP exchange on a fresh loopback connection (Connection: close), raw bytes on a socket so
// a test sends exactly what it means to. status 0: no answer (refused, reset, timed out).
struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // Lower-case names.
  std::string body;
};
HttpResult HttpCall(uint16_t port, const std::string& method, const std::string& target,
                    const std::map<std::string, std::string>& headers, const std::string& body);
// The same with the request's bytes given whole (for malformed requests).
HttpResult HttpRaw(uint16_t port, const std::string& bytes);
// HttpRaw from the IPv4 loopback address `source` (any of 127.0.0.0/8 on Linux): another client.
HttpResult HttpRawFrom(const std::string& source, uint16_t port, const std::string& bytes);
// HttpRaw through a unix socket (as nginx reaches the daemon).
HttpResult HttpRawUnix(const std::filesystem::path& socket, const std::string& bytes);
// The bytes HttpCall sends.
std::string HttpRequestBytes(const std::string& method, const std::string& target,
                             const std::map<std::string, std::string>& headers,
                             const std::string& body);

// The real portal-mailboxd binary on 127.0.0.1 and a free port; stderr (its log) appended to
// `log`. Killed with SIGKILL on destruction if still running.
class MailboxDaemon {
 public:
  MailboxDaemon(std::filesystem::path config, std::filesystem::path log);
  ~MailboxDaemon();
  MailboxDaemon(const MailboxDaemon&) = delete;
  MailboxDaemon& operator=(const MailboxDaemon&) = delete;

  // Starts it and waits for the readiness line; false (with *why) if it exits or stays silent.
  bool Start(std::string* why);
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // SIGTERM, then waits: the exit status (128 + signal if killed by one).
  int Terminate();
  void Kill();  // SIGKILL and reap.
  std::string Log() const;

 private:
  int Wait();
  std::filesystem::path config_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// A FHIR instant `offset_seconds` from now ("2026-11-26T15:00:00Z").
std::string InstantFromNow(int offset_seconds = 0);

}  // namespace portal::testing
