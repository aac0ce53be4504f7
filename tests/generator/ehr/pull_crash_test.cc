#define BOOST_TEST_MODULE pull_crash_test
// `portal-gen pull` killed with SIGKILL at pseudo-random moments (kick-off, polling, downloads
// cut and resumed, the moves), then run again until it finishes: the extracts folder never holds
// a half file, the state file always reads, and after ingest the record store holds exactly the
// server's data, night after night (changes and deletions included). The kill times come from a
// fixed seed, printed, so a failure can be replayed.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "core/state_layout.h"
#include "generator/ehr/ndjson_check.h"
#include "generator/ehr/pull_state.h"
#include "tests/generator/ehr/pull_support.h"

namespace portal::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Lines = std::map<std::string, std::vector<std::string>>;

// portal-gen pull, started and killed after `delay`; true if it ended by itself first (its
// exit status in *code).
bool PullKilledAfter(const PullFixture& f, std::chrono::milliseconds delay, int* code) {
  std::vector<std::string> args = {(BinaryDir() / "bin" / "portal-gen").string(), "pull",
                                   "--config", f.portal.config.string()};
  std::vector<char*> argv = ExecArgs(args);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  BOOST_TEST_REQUIRE(pid > 0);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + delay;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  *code = -1;
  return false;
}

// What must hold whenever a pull stopped, however it stopped.
void CheckConsistent(const PullFixture& f) {
  PullState state;
  const Status loaded = LoadPullState(StateLayout(f.portal.var).ehr_pull_state, &state);
  BOOST_TEST_REQUIRE(loaded.ok(), loaded.message());
  for (const auto& name : f.ExtractNames()) {
    NdjsonCounts counts;
    const std::string type = name.substr(name.rfind('-') + 1, name.size() - name.rfind('-') - 8);
    const Status whole = CheckNdjson(f.portal.extracts / name, type, &counts);
    BOOST_TEST(whole.ok(), name << ": " << whole.message());
  }
}

// Kills a pull `kills` times at random moments, then lets one finish.
void PullThroughKills(const PullFixture& f, std::mt19937* random, int kills) {
  std::uniform_int_distribution<int> ms(0, 3000);
  for (int k = 0; k < kills; ++k) {
    const int delay = ms(*random);
    int code = 0;
    const bool ended = PullKilledAfter(f, std::chrono::milliseconds(delay), &code);
    BOOST_TEST_MESSAGE("kill " << k << " after " << delay << " ms"
                               << (ended ? " (it had ended: " + std::to_string(code) + ")" : ""));
    CheckConsistent(f);
  }
  const CommandResult done = f.portal.Gen({"pull"});
  BOOST_TEST_REQUIRE(done.exit_code == 0, done.out);
  CheckConsistent(f);
}

Lines Data(int patients, int labs_each, const std::string& updated, const std::string& value) {
  Lines data;
  for (int p = 0; p < patients; ++p) {
    const std::string id = "p" + std::to_string(p);
    char mrn[16];
    std::snprintf(mrn, sizeof mrn, "M%06d", p + 1);
    data["Patient"].push_back(PullFixture::Patient(id, mrn, updated));
    for (int l = 0; l < labs_each; ++l) {
      data["Observation"].push_back(
          PullFixture::Lab("o" + std::to_string(p) + "-" + std::to_string(l), id, value, updated));
    }
  }
  return data;
}

BOOST_AUTO_TEST_CASE(killed_pulls_resume_and_store_exactly_the_servers_data) {
  std::mt19937 random(20261203);
  BOOST_TEST_MESSAGE("seed 20261203");
  PullFixture f;
  Lines data = Data(30, 6, "2026-11-30T08:00:00Z", "Sodium");
  f.SetData(data);
  // Small files, slow polls, cut downloads: many moments to be killed at.
  const json scenario = {
      {"max_resources_per_file", 15}, {"polls_before_ready", 2}, {"retry_after_seconds", 1},
      {"cut_file_after_bytes", 2000}, {"cut_times", 1},          {"ranges", true}};
  f.server->SetScenario(scenario);
  PullThroughKills(f, &random, 6);
  const std::string first = f.IngestAndCommit();
  BOOST_TEST(!first.empty());
  BOOST_TEST(f.Stored() == PullFixture::Expected(data));

  // Night two: every result of p0 changes, p1's first result is deleted, a patient arrives;
  // killed again. A kill after the pull and before ingest loses nothing either: `since` moves
  // only with the ingest.
  const std::string later = PullFixture::MsAfter(first);
  for (auto& line : data["Observation"]) {
    if (line.find("\"id\":\"o0-") != std::string::npos) {
      json j = json::parse(line);
      j["meta"]["lastUpdated"] = later;
      j["code"]["text"] = "Changed";
      line = j.dump();
    }
  }
  data["Observation"].erase(std::remove_if(data["Observation"].begin(), data["Observation"].end(),
                                           [](const std::string& l) {
                                             return l.find("\"id\":\"o1-0\"") != std::string::npos;
                                           }),
                            data["Observation"].end());
  data["Patient"].push_back(PullFixture::Patient("p99", "M000099", later));
  f.SetData(
      data,
      {{{"type", "Observation"}, {"id", "o1-0"}, {"deletedAt", later}, {"patient", "Patient/p1"}}});
  f.server->SetScenario(scenario);
  PullThroughKills(f, &random, 6);
  // And once more without ingesting in between: the export starts from the committed `since`.
  const CommandResult again = f.portal.Gen({"pull"});
  BOOST_TEST_REQUIRE(again.exit_code == 0, again.out);
  BOOST_TEST(!f.IngestAndCommit().empty());
  BOOST_TEST(f.Stored() == PullFixture::Expected(data));
}

}  // namespace
}  // namespace portal::testing
