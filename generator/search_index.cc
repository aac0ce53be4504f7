#include "generator/search_index.h"

#include <nlohmann/json.hpp>

namespace portal {

namespace {

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string CutUtf8(const std::string& text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace

std::string SearchIndexJson(const std::vector<SearchDocument>& docs) {
  nlohmann::json index = nlohmann::json::array();
  for (const auto& d : docs) {
    index.push_back(
        {{"t", d.title}, {"s", d.topic}, {"u", d.url}, {"x", CutUtf8(d.text, kSearchTextLimit)}});
  }
  // Replace invalid UTF-8 rather than throw; content is validated by cmark already.
  return index.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace portal
