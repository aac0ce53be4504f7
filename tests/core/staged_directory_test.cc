#define BOOST_TEST_MODULE staged_directory_test
#include "core/staged_directory.h"

#include <boost/test/unit_test.hpp>

#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::Slurp;
using testing::Spit;
using testing::TempDir;

size_t EntriesIn(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

BOOST_AUTO_TEST_CASE(first_commit_creates_the_target) {
  TempDir dir;
  const fs::path target = dir.path() / "site";
  StagedDirectory staged(target);
  BOOST_REQUIRE(staged.Open().ok());
  Spit(staged.staging_path() / "index.html", "new");
  BOOST_TEST(!fs::exists(target));  // Nothing visible before the commit.
  BOOST_REQUIRE(staged.Commit().ok());
  BOOST_TEST(Slurp(target / "index.html") == "new");
  BOOST_TEST(EntriesIn(dir.path()) == 1u);  // No staging folder left behind.
}

BOOST_AUTO_TEST_CASE(commit_replaces_the_whole_previous_tree) {
  TempDir dir;
  const fs::path target = dir.path() / "site";
  Spit(target / "index.html", "old");
  Spit(target / "gone.html", "old page");
  {
    StagedDirectory staged(target);
    BOOST_REQUIRE(staged.Open().ok());
    Spit(staged.staging_path() / "index.html", "new");
    BOOST_REQUIRE(staged.Commit().ok());
  }
  BOOST_TEST(Slurp(target / "index.html") == "new");
  BOOST_TEST(!fs::exists(target / "gone.html"));
  BOOST_TEST(EntriesIn(dir.path()) == 1u);
}

BOOST_AUTO_TEST_CASE(abandoned_staging_leaves_the_previous_tree_untouched) {
  TempDir dir;
  const fs::path target = dir.path() / "site";
  Spit(target / "index.html", "old");
  {
    StagedDirectory staged(target);
    BOOST_REQUIRE(staged.Open().ok());
    Spit(staged.staging_path() / "index.html", "half");
  }  // A failed run returns without Commit().
  BOOST_TEST(Slurp(target / "index.html") == "old");
  BOOST_TEST(EntriesIn(dir.path()) == 1u);
}

BOOST_AUTO_TEST_CASE(staging_left_by_a_dead_process_is_removed) {
  TempDir dir;
  const fs::path target = dir.path() / "site";
  // PID 2^22+1 is above Linux's pid_max limit, so no process has it.
  const fs::path stale = dir.path() / "site.staging.4194305";
  Spit(stale / "index.html", "crashed run");
  StagedDirectory staged(target);
  BOOST_REQUIRE(staged.Open().ok());
  BOOST_TEST(!fs::exists(stale));
}

}  // namespace
}  // namespace portal
