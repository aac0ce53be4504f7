#define BOOST_TEST_MODULE sqlite_db_test
#include "core/sqlite_db.h"

#include <boost/test/unit_test.hpp>

#include "tests/test_util.h"

namespace portal {
namespace {

BOOST_AUTO_TEST_CASE(user_version_is_zero_for_a_new_file_then_what_was_set) {
  testing::TempDir dir;
  std::unique_ptr<SqliteDb> db;
  BOOST_REQUIRE(SqliteDb::Open(dir.path() / "a.sqlite", SqliteDb::Journal::kWal, &db).ok());
  int64_t version = -1;
  BOOST_REQUIRE(db->UserVersion(&version).ok());
  BOOST_TEST(version == 0);
  BOOST_REQUIRE(db->Exec("PRAGMA user_version = 3").ok());
  BOOST_REQUIRE(db->UserVersion(&version).ok());
  BOOST_TEST(version == 3);
}

BOOST_AUTO_TEST_CASE(a_settings_table_keeps_one_value_per_name) {
  testing::TempDir dir;
  std::unique_ptr<SqliteDb> db;
  BOOST_REQUIRE(SqliteDb::Open(dir.path() / "a.sqlite", SqliteDb::Journal::kWal, &db).ok());
  BOOST_REQUIRE(db->Exec("CREATE TABLE prefs(k TEXT PRIMARY KEY, value TEXT NOT NULL)").ok());
  SettingsTable prefs(db.get(), "prefs", "k");
  std::string value = "untouched";
  bool found = true;
  BOOST_REQUIRE(prefs.Get("colour", &value, &found).ok());
  BOOST_TEST(!found);
  BOOST_TEST(value == "untouched");
  BOOST_REQUIRE(prefs.Set("colour", "blue").ok());
  BOOST_REQUIRE(prefs.Set("colour", "green").ok());
  BOOST_REQUIRE(prefs.Get("colour", &value, &found).ok());
  BOOST_TEST(found);
  BOOST_TEST(value == "green");
  std::unique_ptr<SqliteStatement> q;
  BOOST_REQUIRE(db->Prepare("SELECT count(*) FROM prefs", &q).ok());
  BOOST_REQUIRE(q->Step().ok());
  BOOST_TEST(q->Int(0) == 1);
}

}  // namespace
}  // namespace portal
