#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

// SQLite stays out of the header (core links it PRIVATE): its handles, as sqlite3.h declares them.
struct sqlite3;
struct sqlite3_stmt;

namespace portal {

// One prepared statement. Bind parameters by 1-based index, Step() through rows, read columns
// by 0-based index. Reset() makes it reusable. Bound text is not copied: it must stay alive
// until the statement is reset (Run() resets).
class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& Bind(int index, std::string_view text);
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& BindNull(int index);
  // Binary bytes (not copied either), stored as a BLOB.
  SqliteStatement& BindBlob(int index, std::string_view bytes);

  // Runs one step: *row is true when a row is available. Errors name the statement.
  Status Step(bool* row = nullptr);
  // Steps until done (for statements that return no rows).
  Status Run();
  void Reset();

  std::string Text(int column) const;
  int64_t Int(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// An open SQLite database (RAII), with synchronous=FULL and foreign keys on.
class SqliteDb {
 public:
  enum class Journal {
    kWal,       // Readers never wait for the writer: for small, frequent transactions.
    kRollback,  // A rollback journal: only replaced pages are journaled, so big batch
                // transactions write their data once (WAL writes it twice).
  };
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Opens (creating if needed, with its folder) the database at `path`.
  static Status Open(const std::filesystem::path& path, Journal journal,
                     std::unique_ptr<SqliteDb>* out);
  // Opens the existing database at `path` for reading only: never creates it (a missing file
  // is an error), writes no pragma, and every write through it fails. For a file another
  // process replaces whole (core/patient_directory.h).
  static Status OpenReadOnly(const std::filesystem::path& path, std::unique_ptr<SqliteDb>* out);

  Status Exec(const std::string& sql);
  Status Prepare(const std::string& sql, std::unique_ptr<SqliteStatement>* out);
  int64_t Changes() const;
  // True inside BEGIN ... COMMIT (or a savepoint) on this connection.
  bool InTransaction() const;
  const std::filesystem::path& path() const { return path_; }
  // The schema version kept in the file (PRAGMA user_version; 0 for a new file).
  Status UserVersion(int64_t* version);

 private:
  SqliteDb(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::filesystem::path path_;
};

// A name -> value table of a database's own settings (`table`(`key_column` TEXT PRIMARY KEY,
// value TEXT)); the names are the code's, never a client's.
class SettingsTable {
 public:
  SettingsTable(SqliteDb* db, std::string table, std::string key_column)
      : db_(db), table_(std::move(table)), key_column_(std::move(key_column)) {}
  // *found false (and *value untouched) when `key` has no value.
  Status Get(const std::string& key, std::string* value, bool* found);
  Status Set(const std::string& key, const std::string& value);

 private:
  SqliteDb* db_;
  std::string table_;
  std::string key_column_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless Commit() succeeded. Begun
// inside another transaction on the same connection it is a savepoint of it (SAVEPOINT ...
// RELEASE, rolled back to on failure): what it wrote becomes durable only with the outer
// COMMIT, so a caller can join several operations into one transaction.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb* db) : db_(db) {}
  ~SqliteTransaction();
  Status Begin();
  Status Commit();

 private:
  SqliteDb* db_;
  bool open_ = false;
  bool nested_ = false;
};

}  // namespace portal
