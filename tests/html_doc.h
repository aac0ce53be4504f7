#pragma once

#include <gumbo.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace portal::testing {

// A parsed HTML5 document (gumbo, the browser parsing algorithm), for tests that check pages
// the way a browser sees them rather than by string matching.
class HtmlDoc {
 public:
  explicit HtmlDoc(std::string html);
  ~HtmlDoc();
  HtmlDoc(const HtmlDoc&) = delete;
  HtmlDoc& operator=(const HtmlDoc&) = delete;

  const GumboNode* root() const { return output_->root; }

  // Elements with tag `tag` (e.g. GUMBO_TAG_H3) below `from` (default: the whole document).
  std::vector<const GumboNode*> All(GumboTag tag, const GumboNode* from = nullptr) const;
  std::vector<const GumboNode*> Where(const std::function<bool(const GumboNode*)>& pred,
                                      const GumboNode* from = nullptr) const;
  const GumboNode* ById(std::string_view id) const;

  static std::string Attr(const GumboNode* el, const char* name);  // "" when absent.
  static std::string Text(const GumboNode* node);                  // Text content.
  // Nearest ancestor (or self) with this tag, or nullptr.
  static const GumboNode* Ancestor(const GumboNode* node, GumboTag tag);

 private:
  std::string html_;
  GumboOutput* output_;
};

}  // namespace portal::testing
