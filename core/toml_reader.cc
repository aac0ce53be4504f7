#include "core/toml_reader.h"

namespace portal {

TomlTableReader::TomlTableReader(const toml::table& table, std::string file, std::string prefix,
                                 int line_offset)
    : table_(table),
      file_(std::move(file)),
      prefix_(std::move(prefix)),
      line_offset_(line_offset) {}

std::string TomlTableReader::Where(const std::string& key, int line) const {
  std::string where = file_;
  if (line > 0) where += ":" + std::to_string(line + line_offset_);
  return where + ": " + (prefix_.empty() ? key : prefix_ + "." + key);
}

int TomlTableReader::LineOf(const std::string& key) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return static_cast<int>(table_.source().begin.line);
  return static_cast<int>(node->source().begin.line);
}

void TomlTableReader::Fail(const std::string& key, const std::string& problem) {
  if (!status_.ok()) return;
  status_ = Status::InvalidInput(Where(key, LineOf(key)) + ": " + problem);
}

void TomlTableReader::Absorb(const Status& st) {
  if (status_.ok()) status_ = st;
}

const toml::node* TomlTableReader::Get(const std::string& key, bool required, const char* what) {
  used_.insert(key);
  const toml::node* node = table_.get(key);
  if (node == nullptr && required) Fail(key, std::string("missing (expected ") + what + ")");
  return node;
}

void TomlTableReader::String(const std::string& key, std::string* out, bool required) {
  const toml::node* node = Get(key, required, "a string");
  if (node == nullptr) return;
  if (const auto* v = node->as_string()) {
    *out = v->get();
  } else {
    Fail(key, "expected a string");
  }
}

void TomlTableReader::Int(const std::string& key, long long* out, bool required) {
  const toml::node* node = Get(key, required, "an integer");
  if (node == nullptr) return;
  if (const auto* v = node->as_integer()) {
    *out = v->get();
  } else {
    Fail(key, "expected an integer");
  }
}

void TomlTableReader::Bool(const std::string& key, bool* out, bool required) {
  const toml::node* node = Get(key, required, "true or false");
  if (node == nullptr) return;
  if (const auto* v = node->as_boolean()) {
    *out = v->get();
  } else {
    Fail(key, "expected true or false");
  }
}

void TomlTableReader::StringArray(const std::string& key, std::vector<std::string>* out,
                                  bool required) {
  const toml::node* node = Get(key, required, "an array of strings");
  if (node == nullptr) return;
  const auto* arr = node->as_array();
  if (arr == nullptr) return Fail(key, "expected an array of strings");
  out->clear();
  for (const auto& item : *arr) {
    const auto* s = item.as_string();
    if (s == nullptr) return Fail(key, "expected an array of strings");
    out->push_back(s->get());
  }
}

const toml::table* TomlTableReader::Table(const std::string& key, bool required) {
  const toml::node* node = Get(key, required, "a table");
  if (node == nullptr) return nullptr;
  const auto* t = node->as_table();
  if (t == nullptr) Fail(key, "expected a table");
  return t;
}

const toml::array* TomlTableReader::TableArray(const std::string& key, bool required) {
  const toml::node* node = Get(key, required, "an array of tables");
  if (node == nullptr) return nullptr;
  const auto* arr = node->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    Fail(key,
         "expected an array of tables ([[" + (prefix_.empty() ? key : prefix_ + "." + key) + "]])");
    return nullptr;
  }
  return arr;
}

TomlTableReader TomlTableReader::Child(const toml::table& table, const std::string& key) const {
  return TomlTableReader(table, file_, prefix_.empty() ? key : prefix_ + "." + key, line_offset_);
}

Status TomlTableReader::Finish() {
  if (!status_.ok()) return status_;
  for (const auto& [key, node] : table_) {
    const std::string name(key.str());
    if (used_.count(name) == 0) {
      return Status::InvalidInput(Where(name, static_cast<int>(node.source().begin.line)) +
                                  ": unknown key");
    }
  }
  return Status::Ok();
}

Status ParseToml(std::string_view text, const std::string& file, int line_offset,
                 toml::table* out) {
  // Debian's toml++ is built with exceptions; this is the one place they are turned into a
  // Status.
  try {
    *out = toml::parse(text, file);
  } catch (const toml::parse_error& err) {
    return Status::InvalidInput(file + ":" + std::to_string(err.source().begin.line + line_offset) +
                                ": " + std::string(err.description()));
  }
  return Status::Ok();
}

}  // namespace portal
