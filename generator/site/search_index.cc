#include "generator/site/search_index.h"

#include <nlohmann/json.hpp>

namespace portal {

std::string SearchText(const std::string& text) {
  if (text.size() <= kSearchTextLimit) return text;
  size_t end = kSearchTextLimit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
  return text.substr(0, end);
}

std::string SearchIndexJson(const std::vector<SearchDocument>& docs) {
  nlohmann::json index = nlohmann::json::array();
  for (const auto& d : docs) {
    index.push_back({{"t", d.title}, {"s", d.topic}, {"u", d.url}, {"x", SearchText(d.text)}});
  }
  // Replace invalid UTF-8 rather than throw; content is validated by cmark already.
  return index.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace portal
