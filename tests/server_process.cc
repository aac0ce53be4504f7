#include "tests/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "tests/test_util.h"

extern char** environ;

namespace portal::testing {

namespace {

std::string Tail(const std::filesystem::path& log) {
  std::error_code ec;
  if (!std::filesystem::exists(log, ec)) return "";
  const std::string all = Slurp(log);
  return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
}

}  // namespace

bool ServerProcess::Start(const std::vector<std::string>& args, const std::filesystem::path& log,
                          const std::string& name, const std::function<bool()>& ready,
                          std::string* why) {
  std::vector<char*> argv = ExecArgs(args);
  const std::string log_path = log.string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  const int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    pid_ = -1;
    *why = "cannot start " + name;
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      *why = name + " exited: " + Tail(log);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *why = name + " was not ready within 20 s: " + Tail(log);
  Stop();
  return false;
}

void ServerProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace portal::testing
