#pragma once

#include <set>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "core/status.h"

namespace portal {

// Reads one TOML table strictly: typed getters record which keys were used, and Finish()
// reports the first error, or a key nobody asked for. Errors read "FILE:LINE: KEY: problem".
class TomlTableReader {
 public:
  // `file` names the source in messages; `prefix` is the dotted path of this table ("" = root);
  // `line_offset` is added to TOML line numbers (front matter starts below line 1).
  TomlTableReader(const toml::table& table, std::string file, std::string prefix,
                  int line_offset = 0);

  void String(const std::string& key, std::string* out, bool required = true);
  void Int(const std::string& key, long long* out, bool required = true);
  void Bool(const std::string& key, bool* out, bool required = true);
  void StringArray(const std::string& key, std::vector<std::string>* out, bool required = true);
  // Sub-table or array of tables; nullptr (and an error if required) when absent.
  const toml::table* Table(const std::string& key, bool required = true);
  const toml::array* TableArray(const std::string& key, bool required = true);

  // A reader for a sub-table, sharing this reader's file and offset.
  TomlTableReader Child(const toml::table& table, const std::string& key) const;
  // Records an error about `key` (e.g. a failed range check) unless one is already recorded.
  void Fail(const std::string& key, const std::string& problem);
  int LineOf(const std::string& key) const;
  // Records `st` (a child reader's result) unless an error is already recorded.
  void Absorb(const Status& st);

  Status Finish();

 private:
  const toml::node* Get(const std::string& key, bool required, const char* what);
  std::string Where(const std::string& key, int line) const;

  const toml::table& table_;
  std::string file_;
  std::string prefix_;
  int line_offset_;
  std::set<std::string> used_;
  Status status_;
};

// Parses TOML text; a syntax error becomes InvalidInput "FILE:LINE: message".
Status ParseToml(std::string_view text, const std::string& file, int line_offset, toml::table* out);

}  // namespace portal
