#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace portal {

// A read-only, never-throwing view of parsed JSON (nlohmann): a missing key, a wrong type or an
// index past the end gives an empty view instead of an exception or undefined behaviour, so
// documents from outside can be read down any path and checked at the end.
//   JsonView(doc)["payload"][0]["contentString"].Str()
class JsonView {
 public:
  JsonView() = default;
  explicit JsonView(const nlohmann::json& j) : j_(&j) {}

  // The member `key` of an object; empty otherwise.
  JsonView operator[](std::string_view key) const;
  // Element `i` of an array; empty otherwise.
  JsonView operator[](size_t i) const;
  JsonView operator[](int i) const { return (*this)[static_cast<size_t>(i < 0 ? -1 : i)]; }

  bool empty() const { return j_ == nullptr; }
  bool IsString() const { return j_ != nullptr && j_->is_string(); }
  bool IsObject() const { return j_ != nullptr && j_->is_object(); }
  bool IsArray() const { return j_ != nullptr && j_->is_array(); }

  // The string's value; `fallback` for anything but a string.
  std::string Str(std::string_view fallback = "") const;
  // True and *out for an integer (signed or unsigned, in range); false otherwise.
  bool Int(int64_t* out) const;
  // True and *out for a boolean.
  bool Bool(bool* out) const;
  // Number of elements of an array (0 for anything else).
  size_t size() const { return IsArray() ? j_->size() : 0; }
  // The JSON itself; an empty view is null.
  const nlohmann::json& json() const;

  // Iterates an array's elements as views (nothing for anything else).
  class Iterator {
   public:
    Iterator(const nlohmann::json* array, size_t i) : array_(array), i_(i) {}
    JsonView operator*() const { return JsonView((*array_)[i_]); }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return i_ != other.i_; }

   private:
    const nlohmann::json* array_;
    size_t i_;
  };
  Iterator begin() const { return Iterator(j_, 0); }
  Iterator end() const { return Iterator(j_, size()); }

 private:
  const nlohmann::json* j_ = nullptr;
};

// What ParseStrictJson takes. The defaults suit files the portal reads (documents, the
// directory's patients, package pins); the daemon sets its own for request bodies.
struct StrictJsonOptions {
  size_t max_depth = 64;         // Objects and arrays open at once.
  size_t max_bytes = 64u << 20;  // The text's length.
};

// Parses `text` as one JSON value, refusing what nlohmann alone would take silently: a key named
// twice in one object, at any depth (nlohmann keeps the last, simdjson and the generator's
// readers the first: one text must mean one thing), nesting deeper than options.max_depth and
// text longer than options.max_bytes; malformed JSON and invalid UTF-8 as nlohmann refuses them.
// No exception escapes. Errors are InvalidInput: "not valid JSON (UTF-8)", "larger than N
// bytes", "nested deeper than N levels", "duplicate key \"a.b[2].c\"" (key names, never a
// value). On a duplicate, *duplicate (when given) is that key's path, one segment per level:
// {"a", "b", "[2]", "c"}.
Status ParseStrictJson(std::string_view text, nlohmann::json* out,
                       const StrictJsonOptions& options = {},
                       std::vector<std::string>* duplicate = nullptr);

// A path as ParseStrictJson gives it, written "a.b[2].c".
std::string JsonPathText(const std::vector<std::string>& path);

// ParseStrictJson with the default options: false (and *out discarded) for malformed JSON, a
// duplicate key, or too deep or too large a text.
bool ParseJson(std::string_view text, nlohmann::json* out);

}  // namespace portal
