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

std::string Rows(SqliteDb* db) {
  std::unique_ptr<SqliteStatement> q;
  BOOST_REQUIRE(
      db->Prepare("SELECT coalesce(group_concat(v, ','), '') FROM (SELECT v FROM t ORDER BY v)", &q)
          .ok());
  BOOST_REQUIRE(q->Step().ok());
  return q->Text(0);
}

void Insert(SqliteDb* db, const char* v) {
  BOOST_REQUIRE(db->Exec(std::string("INSERT INTO t(v) VALUES('") + v + "')").ok());
}

BOOST_AUTO_TEST_CASE(a_transaction_inside_another_is_a_savepoint_of_it) {
  testing::TempDir dir;
  const auto path = dir.path() / "a.sqlite";
  std::unique_ptr<SqliteDb> db;
  BOOST_REQUIRE(SqliteDb::Open(path, SqliteDb::Journal::kWal, &db).ok());
  BOOST_REQUIRE(db->Exec("CREATE TABLE t(v TEXT)").ok());
  BOOST_TEST(!db->InTransaction());

  // The inner one rolls back (no Commit): the outer's own writes stay and commit.
  {
    SqliteTransaction outer(db.get());
    BOOST_REQUIRE(outer.Begin().ok());
    Insert(db.get(), "a");
    {
      SqliteTransaction inner(db.get());
      BOOST_REQUIRE(inner.Begin().ok());
      Insert(db.get(), "b");
    }
    BOOST_TEST(db->InTransaction());  // Still the outer's.
    Insert(db.get(), "c");
    BOOST_REQUIRE(outer.Commit().ok());
  }
  BOOST_TEST(!db->InTransaction());
  BOOST_TEST(Rows(db.get()) == "a,c");

  // The inner one commits, the outer rolls back: both are gone.
  {
    SqliteTransaction outer(db.get());
    BOOST_REQUIRE(outer.Begin().ok());
    Insert(db.get(), "d");
    {
      SqliteTransaction inner(db.get());
      BOOST_REQUIRE(inner.Begin().ok());
      Insert(db.get(), "e");
      BOOST_REQUIRE(inner.Commit().ok());
    }
  }
  BOOST_TEST(!db->InTransaction());
  BOOST_TEST(Rows(db.get()) == "a,c");

  // Both commit, two levels deep: durable (seen by another connection).
  {
    SqliteTransaction outer(db.get());
    BOOST_REQUIRE(outer.Begin().ok());
    {
      SqliteTransaction inner(db.get());
      BOOST_REQUIRE(inner.Begin().ok());
      {
        SqliteTransaction innermost(db.get());
        BOOST_REQUIRE(innermost.Begin().ok());
        Insert(db.get(), "f");
      }  // Rolled back: only f goes.
      Insert(db.get(), "g");
      BOOST_REQUIRE(inner.Commit().ok());
    }
    BOOST_REQUIRE(outer.Commit().ok());
  }
  std::unique_ptr<SqliteDb> other;
  BOOST_REQUIRE(SqliteDb::Open(path, SqliteDb::Journal::kWal, &other).ok());
  BOOST_TEST(Rows(other.get()) == "a,c,g");
}

}  // namespace
}  // namespace portal
