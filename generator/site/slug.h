#pragma once

#include <map>
#include <string>
#include <string_view>

namespace portal {

// GitHub-style heading anchor: lower-case, punctuation and symbols dropped (but '-' and '_'),
// each space becomes '-'. Non-ASCII letters are kept (Latin-1, Greek and Cyrillic capitals
// lower-cased); Latin-1 symbols and the General Punctuation, arrows/symbols and CJK punctuation
// blocks are dropped.
std::string GithubSlug(std::string_view text);

// Hands out unique slugs within one page the way GitHub does: "a", then "a-1", "a-2".
class SlugSet {
 public:
  // Every slug handed out starts with `prefix` (e.g. "question-anchor--").
  explicit SlugSet(std::string prefix = "") : prefix_(std::move(prefix)) {}
  std::string Unique(std::string_view text);
  // Reserves an exact anchor; false if it is already taken.
  bool Reserve(const std::string& anchor);

 private:
  std::string prefix_;
  std::map<std::string, int> used_;
};

}  // namespace portal
