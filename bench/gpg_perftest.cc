// Cost of one signed and encrypted summary through core/gpg (GPGME, recipients as key files),
// against the floor: the gpg command line doing the same (`gpg --sign --encrypt -f KEYFILE`).
// Keys are generated at run time in a temporary folder; nothing is kept.
//   build/bin/gpg_perftest [OPS=200] [KEYS=20]
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/file_util.h"
#include "core/gpg.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

int Run(const std::vector<std::string>& argv) {
  // Made before fork: nothing may allocate between fork and exec.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    // dup2, not freopen: freopen would flush the parent's buffered stdout a second time.
    const int null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

std::string Fingerprint(const fs::path& home) {
  const fs::path out = home / "fpr.txt";
  const std::string cmd =
      "gpg --homedir '" + home.string() +
      "' --with-colons --list-secret-keys 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}' > '" +
      out.string() + "'";
  if (std::system(cmd.c_str()) != 0) return "";
  std::string fpr;
  (void)portal::ReadFile(out, &fpr);
  while (!fpr.empty() && fpr.back() == '\n') fpr.pop_back();
  return fpr;
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int ops = argc > 1 ? std::atoi(argv[1]) : 200;
  const int keys = argc > 2 ? std::atoi(argv[2]) : 20;
  char tmpl[] = "/tmp/portal-gpg-bench-XXXXXX";
  const fs::path dir = mkdtemp(tmpl);
  const fs::path portal = dir / "portal";
  if (!portal::PrepareGnupgHome(portal).ok()) return 1;
  Run({"/usr/bin/gpg", "--homedir", portal, "--batch", "--pinentry-mode", "loopback",
       "--passphrase", "", "--quick-gen-key", "Portal <portal@bench.invalid>", "ed25519", "sign",
       "never"});
  const std::string fpr = Fingerprint(portal);
  std::vector<fs::path> key_files;
  for (int i = 0; i < keys; ++i) {
    const fs::path home = dir / ("patient" + std::to_string(i));
    if (!portal::PrepareGnupgHome(home).ok()) return 1;
    const std::string uid = "p" + std::to_string(i) + "@bench.invalid";
    Run({"/usr/bin/gpg", "--homedir", home, "--batch", "--pinentry-mode", "loopback",
         "--passphrase", "", "--quick-gen-key", uid, "default", "default", "never"});
    key_files.push_back(dir / (uid + ".asc"));
    Run({"/usr/bin/gpg", "--homedir", home, "--batch", "--armor", "--output", key_files.back(),
         "--export", uid});
    Run({"/usr/bin/gpgconf", "--homedir", home, "--kill", "gpg-agent"});
  }
  const std::string plaintext(20000, 'x');  // About one summary page.
  if (!portal::WriteFile(dir / "plain.html", plaintext).ok()) return 1;

  std::printf("| threads | ops | GPGME ms/op | GPGME ops/s | gpg CLI ms/op | gpg CLI ops/s |\n");
  std::printf("|---|---|---|---|---|---|\n");
  std::fflush(stdout);
  for (int threads : {1, 2}) {
    // GPGME, one context per thread.
    auto t0 = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        std::unique_ptr<portal::GpgContext> ctx;
        if (!portal::GpgContext::Open(portal, true, &ctx).ok() || !ctx->SetSigner(fpr).ok()) return;
        std::string out;
        for (int i = t; i < ops; i += threads) {
          if (!ctx->SignAndEncryptToKeyFiles(plaintext, {key_files[i % keys]}, &out).ok()) {
            std::fprintf(stderr, "gpg_perftest: a GPGME operation failed\n");
            std::exit(1);
          }
        }
      });
    }
    for (auto& th : pool) th.join();
    const double gpgme = Seconds(t0, Clock::now());
    // The floor: the gpg command line, same work, same parallelism.
    t0 = Clock::now();
    pool.clear();
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int i = t; i < ops; i += threads) {
          Run({"/usr/bin/gpg", "--homedir", portal, "--batch", "--yes", "--armor", "--always-trust",
               "--local-user", fpr, "--sign", "--encrypt", "-f", key_files[i % keys], "--output",
               (dir / ("out" + std::to_string(t))).string(), (dir / "plain.html").string()});
        }
      });
    }
    for (auto& th : pool) th.join();
    const double cli = Seconds(t0, Clock::now());
    std::printf("| %d | %d | %.2f | %.0f | %.2f | %.0f |\n", threads, ops, gpgme * 1000 / ops,
                ops / gpgme, cli * 1000 / ops, ops / cli);
    std::fflush(stdout);
  }
  Run({"/usr/bin/gpgconf", "--homedir", portal, "--kill", "gpg-agent"});
  fs::remove_all(dir);
  return 0;
}
