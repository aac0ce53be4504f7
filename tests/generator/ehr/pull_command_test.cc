#define BOOST_TEST_MODULE pull_command_test
// `portal-gen pull` and `portal-gen nightly` with [ehr], through the real binaries: what an
// operator sees (counts; no query values, tokens or record values), the exit codes (usage, bad
// --since, the lock held), and the nightly run pulling first, committing `since` after its
// ingest, and going on with what it has when the EHR is down.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <regex>

#include "core/state_layout.h"
#include "tests/generator/ehr/pull_support.h"

namespace portal::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Lines = std::map<std::string, std::vector<std::string>>;

Lines Data() {
  const std::string t = "2026-11-30T08:00:00Z";
  return {
      {"Patient", {PullFixture::Patient("p1", "M000001", t)}},
      {"Observation",
       {PullFixture::Lab("o1", "p1", "Sodium", t), PullFixture::Lab("o2", "p1", "Calcium", t)}}};
}

// What no operator-facing output may hold: the synthetic patient's name and MRN, a query, a token.
void CheckSealed(const std::string& out) {
  for (const char* secret : {"Personp1", "M000001", "_since=", "_type=", "Bearer", "eyJ"}) {
    BOOST_TEST(out.find(secret) == std::string::npos, secret << " in: " << out);
  }
}

json NightlyReport(const CommandResult& run) {
  std::smatch m;
  static const std::regex kReport("nightly: report: (\\S+)");
  BOOST_TEST_REQUIRE(std::regex_search(run.out, m, kReport), run.out);
  return json::parse(Slurp(m[1].str()));
}

BOOST_AUTO_TEST_CASE(pull_prints_counts_and_nothing_sealed) {
  PullFixture f(PullFixture::With([](auto* o) { o->auth = true; }));
  f.SetData(Data());
  const CommandResult r = f.portal.Gen({"pull"});
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.out);
  BOOST_TEST(r.out.find("pull: 2 files, 3 resources") != std::string::npos, r.out);
  CheckSealed(r.out);
  const CommandResult j = f.portal.Gen({"pull", "--json"});
  BOOST_TEST_REQUIRE(j.exit_code == 0, j.out);
  const json report = json::parse(j.out.substr(j.out.find('{')));
  BOOST_TEST(report["resources"]["Observation"] == 2);
  BOOST_TEST(report["tokens"] == 1);
  CheckSealed(j.out);
}

BOOST_AUTO_TEST_CASE(usage_errors_and_the_lock) {
  PullFixture f;
  f.SetData(Data());
  BOOST_TEST(f.portal.Gen({"pull", "--full", "--since", "2026-01-01T00:00:00Z"}).exit_code == 2);
  const CommandResult bad = f.portal.Gen({"pull", "--since", "yesterday"});
  BOOST_TEST(bad.exit_code == 1);
  BOOST_TEST(bad.out.find("--since") != std::string::npos, bad.out);
  // Another run holds the state directory's lock: nothing is asked of the server.
  const fs::path lock = StateLayout(f.portal.var).nightly_lock;
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST_REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  const CommandResult busy = f.portal.Gen({"pull"});
  ::close(fd);
  BOOST_TEST(busy.exit_code == 4, busy.out);
  BOOST_TEST(f.server->Requests().empty());
  BOOST_TEST(f.portal.Gen({"pull", "--since", "2026-01-01T00:00:00Z"}).exit_code == 0);
  BOOST_TEST(f.RequestsTo("/$export")[0]["_since"] == "2026-01-01T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(nightly_pulls_first_then_commits_since_after_its_ingest) {
  PullFixture f;
  f.portal.Init();
  f.SetData(Data());
  const CommandResult one = f.portal.Gen({"nightly"});
  BOOST_TEST_REQUIRE(one.exit_code == 0, one.out);
  CheckSealed(one.out);
  const json r1 = NightlyReport(one);
  BOOST_TEST(r1["pull"]["files"] == 2);
  BOOST_TEST(r1["pull"]["error"] == "");
  BOOST_TEST(r1["ingest"]["records_read"] == 3);
  const std::string tx = r1["pull"]["transaction_time"];
  BOOST_TEST(r1["pull"]["committed"] == tx);
  BOOST_TEST(f.State()["since"] == tx);
  BOOST_TEST(f.Stored() == PullFixture::Expected(Data()));
  // The next night asks only for what changed since.
  const CommandResult two = f.portal.Gen({"nightly"});
  BOOST_TEST_REQUIRE(two.exit_code == 0, two.out);
  BOOST_TEST(f.RequestsTo("/$export").back()["_since"] == tx);
  // The EHR is down: the run reports it, publishes the rest, and exits 3; nothing is lost.
  f.server->Stop();
  const CommandResult down = f.portal.Gen({"nightly"});
  BOOST_TEST(down.exit_code == 3, down.out);
  const json r3 = NightlyReport(down);
  BOOST_TEST(r3["pull"]["error"] != "");
  BOOST_TEST(r3["site"]["files"].get<int>() > 0);
  BOOST_TEST(f.State()["since"].get<std::string>() >= tx);
  CheckSealed(down.out);
}

}  // namespace
}  // namespace portal::testing
