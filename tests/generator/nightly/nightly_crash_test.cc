#define BOOST_TEST_MODULE nightly_crash_test
// portal-gen nightly killed with SIGKILL at many points of a run: every published summary is
// always a whole OpenPGP message holding either the previous page or the new one, and the next
// run completes the work.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "tests/portal_fixture.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::FakePatient;
using testing::LabLine;
using testing::PatientLine;
using Pages = std::map<std::string, std::string>;  // Token -> plaintext.

constexpr int kPatients = 40;
const std::string kAsOf = "2025-06-01T00:00:00Z";

pid_t StartNightly(const testing::PortalFixture& f) {
  const std::string bin = (testing::BinaryDir() / "bin" / "portal-gen").string();
  const std::string config = f.config.string();
  const pid_t pid = fork();
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
    execl(bin.c_str(), bin.c_str(), "nightly", "--config", config.c_str(), "--as-of", kAsOf.c_str(),
          "--full", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

BOOST_AUTO_TEST_CASE(killed_nightly_runs_leave_every_summary_old_or_new) {
  testing::PortalFixture f;
  const auto reader = f.NewPerson("reader");
  std::vector<std::string> lines;
  for (int i = 0; i < kPatients; ++i) {
    const std::string id = "p" + std::to_string(i);
    lines.push_back(
        PatientLine({id, "M3000" + std::to_string(10 + i), "Given", "Family", "1970-02-03"}));
    lines.push_back(LabLine("a" + std::to_string(i), id, "Glucose", "2025-04-01T08:00:00Z"));
  }
  f.WriteExtract("001.ndjson", lines);
  f.Init();
  BOOST_REQUIRE_EQUAL(f.Gen({"ingest", (f.extracts / "001.ndjson").string()}).exit_code, 0);
  for (int i = 0; i < kPatients; ++i) f.Enroll("M3000" + std::to_string(10 + i), reader);
  auto first = f.Gen({"nightly", "--as-of", kAsOf});
  BOOST_REQUIRE_MESSAGE(first.exit_code == 0, first.out);

  auto open_all = [&](Pages* pages) {
    pages->clear();
    for (const auto& e : fs::directory_iterator(f.patients_out)) {
      const std::string token = e.path().filename().string();
      if (!e.is_directory() || token.starts_with(".")) continue;
      std::string page;
      auto r = f.Open(reader, e.path() / "summary.html.pgp", &page);
      BOOST_TEST(r.out.find("[GNUPG:] GOODSIG") != std::string::npos, token << ": " << r.out);
      (*pages)[token] = page;
    }
  };
  Pages old_pages;
  open_all(&old_pages);
  BOOST_REQUIRE_EQUAL(old_pages.size(), static_cast<size_t>(kPatients));

  // New results for everyone; each killed run re-does every summary (--full).
  lines.clear();
  for (int i = 0; i < kPatients; ++i) {
    lines.push_back(LabLine("b" + std::to_string(i), "p" + std::to_string(i), "Sodium",
                            "2025-04-02T08:00:00Z"));
  }
  f.WriteExtract("002.ndjson", lines);

  std::mt19937 rng(20261126);
  std::uniform_int_distribution<int> delay_us(0, 400000);
  std::vector<Pages> seen;
  int killed_mid_run = 0;
  for (int i = 0; i < 15; ++i) {
    const pid_t pid = StartNightly(f);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++killed_mid_run;
    Pages now;
    open_all(&now);
    BOOST_TEST(now.size() == static_cast<size_t>(kPatients), "kill " << i);
    seen.push_back(std::move(now));
  }
  BOOST_TEST_MESSAGE(killed_mid_run << " of 15 runs killed before they finished");
  BOOST_TEST(killed_mid_run > 0);

  auto last = f.Gen({"nightly", "--as-of", kAsOf});  // The next run completes the work.
  BOOST_REQUIRE_MESSAGE(last.exit_code == 0, last.out);
  Pages new_pages;
  open_all(&new_pages);
  BOOST_REQUIRE_EQUAL(new_pages.size(), static_cast<size_t>(kPatients));
  for (const auto& [token, page] : new_pages) {
    BOOST_TEST(page.find("Sodium") != std::string::npos);
    BOOST_TEST(page != old_pages.at(token));
  }
  for (size_t i = 0; i < seen.size(); ++i) {
    for (const auto& [token, page] : seen[i]) {
      BOOST_TEST((page == old_pages.at(token) || page == new_pages.at(token)),
                 "kill " << i << ": a summary is neither the old page nor the new one");
    }
  }
  // No temporary file outside the staging folders.
  for (const auto& e : fs::recursive_directory_iterator(f.patients_out)) {
    const std::string path = e.path().string();
    if (path.find("/.staging-") != std::string::npos) continue;
    BOOST_TEST(e.path().filename().string().find(".tmp-") == std::string::npos, path);
  }
}

}  // namespace
}  // namespace portal
