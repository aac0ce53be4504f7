#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace portal::testing {

// A test's helper server (aiosmtpd, bulk_data_server.py): one child process, its stdout and
// stderr appended to a log file, killed (SIGKILL) by Stop or on destruction.
class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess() { Stop(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Spawns argv (argv[0] an absolute path) and waits at most 20 s for `ready` (asked every
  // 20 ms). False, with why (`name` and the log's last 4 KB), if it cannot start, exits first
  // or is never ready (then it is stopped).
  bool Start(const std::vector<std::string>& argv, const std::filesystem::path& log,
             const std::string& name, const std::function<bool()>& ready, std::string* why);
  void Stop();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

}  // namespace portal::testing
