#define BOOST_TEST_MODULE staged_directory_test
#include "core/staged_directory.h"

#include <boost/test/unit_test.hpp>

#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::ReadTree;
using testing::Slurp;
using testing::Spit;
using testing::TempDir;

using Tree = std::map<std::string, std::string>;

// One publishing run that writes `files` and commits.
void Publish(const fs::path& target, const Tree& files) {
  StagedDirectory staged(target);
  Status st = staged.Open();
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  for (const auto& [rel, data] : files) BOOST_REQUIRE(staged.Write(rel, {data}).ok());
  st = staged.Commit();
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
}

BOOST_AUTO_TEST_CASE(first_commit_creates_the_target) {
  TempDir dir;
  const fs::path target = dir.path() / "site";
  StagedDirectory staged(target);
  BOOST_REQUIRE(staged.Open().ok());
  BOOST_REQUIRE(staged.Write("index.html", {"ne", "w"}).ok());
  BOOST_TEST(!fs::exists(target));  // Nothing visible before the commit.
  BOOST_REQUIRE(staged.Commit().ok());
  BOOST_TEST((ReadTree(target) == Tree{{"index.html", "new"}}));
}

BOOST_AUTO_TEST_CASE(each_commit_shows_exactly_what_the_run_wrote) {
  TempDir dir;
  const fs::path target = dir.path() / "site";
  const Tree one = {{"index.html", "1"}, {"faq/a.html", "a1"}, {"faq/b.html", "b1"}};
  const Tree two = {{"index.html", "2"}, {"faq/a.html", "a2"}, {"assets/x.css", "x"}};
  const Tree three = {{"index.html", "3"}};
  Publish(target, one);
  BOOST_TEST((ReadTree(target) == one));
  Publish(target, two);
  BOOST_TEST((ReadTree(target) == two));
  Publish(target, three);  // Reuses the first run's tree as its back buffer.
  BOOST_TEST((ReadTree(target) == three));
  BOOST_TEST(!fs::exists(target / "faq"));  // Emptied folders go too.
  Publish(target, one);
  BOOST_TEST((ReadTree(target) == one));
}

BOOST_AUTO_TEST_CASE(a_folder_can_become_a_file_and_back) {
  TempDir dir;
  const fs::path target = dir.path() / "site";
  const Tree folder = {{"faq/q/index.html", "as folder"}};
  const Tree file = {{"faq/q", "as file"}};
  Publish(target, folder);
  Publish(target, file);
  Publish(target, file);  // Back buffer holds the folder layout.
  BOOST_TEST((ReadTree(target) == file));
  Publish(target, folder);
  Publish(target, folder);
  BOOST_TEST((ReadTree(target) == folder));
}

BOOST_AUTO_TEST_CASE(a_failed_run_leaves_the_live_tree_untouched) {
  TempDir dir;
  const fs::path target = dir.path() / "site";
  const Tree live = {{"index.html", "live"}, {"faq/a.html", "a"}};
  Publish(target, live);
  Publish(target, live);  // Now there is a back buffer too.
  {
    StagedDirectory staged(target);
    BOOST_REQUIRE(staged.Open().ok());
    BOOST_REQUIRE(staged.Write("index.html", {"half"}).ok());
  }  // The run stops without Commit().
  BOOST_TEST((ReadTree(target) == live));
  Publish(target, {{"index.html", "next"}});  // The next run completes.
  BOOST_TEST((ReadTree(target) == Tree{{"index.html", "next"}}));
}

BOOST_AUTO_TEST_CASE(unchanged_files_are_left_alone_and_changed_ones_rewritten) {
  TempDir dir;
  const fs::path target = dir.path() / "site";
  Publish(target, {{"same.html", "same"}, {"changes.html", "v1"}});
  // Mark the first run's files with an old time; the third run reuses that tree.
  const auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(24 * 365);
  fs::last_write_time(target / "same.html", old_time);
  fs::last_write_time(target / "changes.html", old_time);
  Publish(target, {{"same.html", "same"}, {"changes.html", "v2"}});
  Publish(target, {{"same.html", "same"}, {"changes.html", "v3"}});
  BOOST_TEST((ReadTree(target) == Tree{{"same.html", "same"}, {"changes.html", "v3"}}));
  BOOST_TEST((fs::last_write_time(target / "same.html") == old_time));
  BOOST_TEST((fs::last_write_time(target / "changes.html") != old_time));
}

BOOST_AUTO_TEST_CASE(a_second_concurrent_run_is_refused) {
  TempDir dir;
  const fs::path target = dir.path() / "site";
  StagedDirectory first(target);
  BOOST_REQUIRE(first.Open().ok());
  StagedDirectory second(target);
  Status st = second.Open();
  BOOST_TEST((st.code() == Status::Code::kBusy));
  BOOST_TEST(st.ExitCode() == 4);
  BOOST_TEST(st.message().find("another run is publishing") != std::string::npos);
}

}  // namespace
}  // namespace portal
