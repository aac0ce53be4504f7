#define BOOST_TEST_MODULE site_crash_test
// portal-gen site killed with SIGKILL at many points of a run: the published site is always
// exactly the previous one or exactly the new one, and the next run completes the work.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using Tree = std::map<std::string, std::string>;

const std::string kBin = (testing::BinaryDir() / "bin" / "portal-gen").string();

// 300 synthetic FAQ pages (bench/synth_faq.py), so a run takes long
// enough to be killed in the middle.
fs::path MakeSite(const fs::path& dir) {
  auto r = testing::RunCommand({"/usr/bin/python3",
                                (testing::SourceDir() / "bench" / "synth_faq.py").string(),
                                dir.string(), "300"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  return dir / "content" / "portal.toml";
}

void Build(const fs::path& config, const fs::path& out) {
  auto r =
      testing::RunCommand({kBin, "site", "--config", config.string(), "--output", out.string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
}

pid_t Start(const fs::path& config, const fs::path& out) {
  // Made before fork: nothing may allocate between fork and exec (ExecArgs, tests/test_util.h).
  const std::string c = config.string(), o = out.string();
  const pid_t pid = fork();
  if (pid == 0) {
    // dup2, not freopen: freopen would flush the test's buffered output a second time.
    const int null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
    execl(kBin.c_str(), kBin.c_str(), "site", "--config", c.c_str(), "--output", o.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

BOOST_AUTO_TEST_CASE(killed_runs_never_publish_a_mixed_site) {
  testing::TempDir dir;
  const fs::path config = MakeSite(dir.path() / "src");
  const fs::path out = dir.path() / "site";
  // The old site, then the new one (one answer changed) built elsewhere for reference.
  Build(config, out);
  const Tree old_site = testing::ReadTree(out);
  const fs::path page = dir.path() / "src" / "content" / "faq" / "q00150.md";
  testing::Spit(page, testing::Slurp(page) + "\nChanged answer.\n");
  const fs::path reference = dir.path() / "reference";
  Build(config, reference);
  const Tree new_site = testing::ReadTree(reference);
  BOOST_REQUIRE(old_site != new_site);

  std::mt19937 rng(20261126);
  std::uniform_int_distribution<int> delay_us(0, 90000);
  int killed_mid_run = 0;
  for (int i = 0; i < 25; ++i) {
    const pid_t pid = Start(config, out);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++killed_mid_run;
    const Tree now = testing::ReadTree(out);
    BOOST_TEST((now == old_site || now == new_site), "kill " << i << ": a mixed site is published");
  }
  BOOST_TEST_MESSAGE(killed_mid_run << " of 25 runs killed before they finished");
  BOOST_TEST(killed_mid_run > 0);
  Build(config, out);  // The next run completes the work.
  BOOST_TEST((testing::ReadTree(out) == new_site));
}

}  // namespace
}  // namespace portal
