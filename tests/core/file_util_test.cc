#define BOOST_TEST_MODULE file_util_test
#include "core/file_util.h"

#include <boost/test/unit_test.hpp>

#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;

BOOST_AUTO_TEST_CASE(writes_parts_creating_folders_and_reads_back) {
  testing::TempDir dir;
  const fs::path file = dir.path() / "a" / "b" / "c.txt";
  BOOST_REQUIRE(WriteFileParts(file, {"one ", "", "two"}).ok());
  std::string text;
  BOOST_REQUIRE(ReadFile(file, &text).ok());
  BOOST_TEST(text == "one two");
  BOOST_REQUIRE(WriteFile(file, "x").ok());  // Truncates.
  BOOST_REQUIRE(ReadFile(file, &text).ok());
  BOOST_TEST(text == "x");
}

BOOST_AUTO_TEST_CASE(writes_more_parts_than_one_system_call_takes) {
  testing::TempDir dir;
  std::vector<std::string_view> parts(5000, "ab");
  BOOST_REQUIRE(WriteFileParts(dir.path() / "big", parts).ok());
  BOOST_TEST(fs::file_size(dir.path() / "big") == 10000u);
}

BOOST_AUTO_TEST_CASE(errors_name_the_path) {
  testing::TempDir dir;
  std::string text;
  Status st = ReadFile(dir.path() / "missing.md", &text);
  BOOST_TEST((st.code() == Status::Code::kIoError));
  BOOST_TEST(st.message().find("missing.md") != std::string::npos);
  testing::Spit(dir.path() / "file", "");
  st = WriteFile(dir.path() / "file" / "under-a-file", "x");
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("file") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(lists_files_by_suffix_sorted_without_hidden_ones) {
  testing::TempDir dir;
  for (const char* name : {"b.md", "a.md", ".hidden.md", "c.txt"}) {
    testing::Spit(dir.path() / name, "");
  }
  fs::create_directory(dir.path() / "d.md");
  std::vector<fs::path> files;
  BOOST_REQUIRE(ListFiles(dir.path(), ".md", &files).ok());
  BOOST_REQUIRE_EQUAL(files.size(), 2u);
  BOOST_TEST(files[0].filename() == "a.md");
  BOOST_TEST(files[1].filename() == "b.md");
}

BOOST_AUTO_TEST_CASE(atomic_write_replaces_whole_files_and_leaves_no_temporaries) {
  testing::TempDir dir;
  const fs::path file = dir.path() / "a" / "b" / "summary.pgp";
  BOOST_REQUIRE(WriteFileAtomically(file, "first", 0700).ok());
  BOOST_TEST(testing::Slurp(file) == "first");
  BOOST_TEST(
      ((fs::status(dir.path() / "a").permissions() & fs::perms::all) == fs::perms::owner_all));
  BOOST_REQUIRE(WriteFileAtomically(file, "second").ok());
  BOOST_TEST(testing::Slurp(file) == "second");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(file.parent_path())) ++entries;
  BOOST_TEST(entries == 1u);  // No temporary file left beside it.

  // A folder in the way: an error naming the path, the old file untouched.
  fs::create_directories(dir.path() / "blocked" / "summary.pgp");
  Status st = WriteFileAtomically(dir.path() / "blocked" / "summary.pgp", "x");
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("summary.pgp") != std::string::npos);
  BOOST_REQUIRE(RemoveFileDurably(file).ok());
  BOOST_TEST(!fs::exists(file));
  BOOST_TEST(RemoveFileDurably(file).ok());  // Already gone is fine.
}

}  // namespace
}  // namespace portal
