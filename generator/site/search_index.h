#pragma once

#include <string>
#include <vector>

namespace portal {

struct SearchDocument {
  std::string title;
  std::string topic;
  std::string url;   // Root-relative.
  std::string text;  // Plain text; cut to kSearchTextLimit bytes on a character boundary.
};

inline constexpr size_t kSearchTextLimit = 2000;

// `text` cut to kSearchTextLimit bytes without splitting a UTF-8 sequence.
std::string SearchText(const std::string& text);

// The client-side search's index: a JSON array of {"t","s","u","x"} objects (title, topic,
// url, text), in FAQ order.
std::string SearchIndexJson(const std::vector<SearchDocument>& docs);

}  // namespace portal
