#include "tests/html_doc.h"

namespace portal::testing {

HtmlDoc::HtmlDoc(std::string html)
    : html_(std::move(html)),
      output_(gumbo_parse_with_options(&kGumboDefaultOptions, html_.data(), html_.size())) {}

HtmlDoc::~HtmlDoc() { gumbo_destroy_output(&kGumboDefaultOptions, output_); }

std::vector<const GumboNode*> HtmlDoc::Where(const std::function<bool(const GumboNode*)>& pred,
                                             const GumboNode* from) const {
  std::vector<const GumboNode*> out;
  std::vector<const GumboNode*> stack = {from != nullptr ? from : root()};
  while (!stack.empty()) {
    const GumboNode* n = stack.back();
    stack.pop_back();
    if (n->type != GUMBO_NODE_ELEMENT) continue;
    if (pred(n)) out.push_back(n);
    const GumboVector& kids = n->v.element.children;
    for (unsigned i = kids.length; i > 0; --i) {
      stack.push_back(static_cast<const GumboNode*>(kids.data[i - 1]));
    }
  }
  return out;
}

std::vector<const GumboNode*> HtmlDoc::All(GumboTag tag, const GumboNode* from) const {
  return Where([tag](const GumboNode* n) { return n->v.element.tag == tag; }, from);
}

const GumboNode* HtmlDoc::ById(std::string_view id) const {
  auto found = Where([id](const GumboNode* n) { return Attr(n, "id") == id; });
  return found.empty() ? nullptr : found.front();
}

std::string HtmlDoc::Attr(const GumboNode* el, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&el->v.element.attributes, name);
  return a != nullptr ? a->value : "";
}

std::string HtmlDoc::Text(const GumboNode* node) {
  if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
      node->type == GUMBO_NODE_CDATA) {
    return node->v.text.text;
  }
  if (node->type != GUMBO_NODE_ELEMENT) return "";
  std::string text;
  const GumboVector& kids = node->v.element.children;
  for (unsigned i = 0; i < kids.length; ++i)
    text += Text(static_cast<const GumboNode*>(kids.data[i]));
  return text;
}

const GumboNode* HtmlDoc::Ancestor(const GumboNode* node, GumboTag tag) {
  for (const GumboNode* n = node; n != nullptr; n = n->parent) {
    if (n->type == GUMBO_NODE_ELEMENT && n->v.element.tag == tag) return n;
  }
  return nullptr;
}

}  // namespace portal::testing
