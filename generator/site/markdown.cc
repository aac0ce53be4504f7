#include "generator/site/markdown.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "core/html_escape.h"

namespace portal {

namespace {

constexpr int kOptions =
    CMARK_OPT_DEFAULT | CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE | CMARK_OPT_VALIDATE_UTF8;
constexpr const char* kExtensions[] = {"table", "autolink", "strikethrough", "tagfilter"};

struct ParserDeleter {
  void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct NodeDeleter {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct IterDeleter {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};
struct CharDeleter {
  void operator()(char* p) const { std::free(p); }
};

void AppendCollapsed(std::string_view text, std::string* out) {
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space) {
      if (!out->empty() && out->back() != ' ') *out += ' ';
    } else {
      *out += c;
    }
  }
}

// Text of a heading's inline children.
std::string HeadingText(cmark_node* heading) {
  std::string text;
  std::unique_ptr<cmark_iter, IterDeleter> it(cmark_iter_new(heading));
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
    cmark_node* n = cmark_iter_get_node(it.get());
    const auto type = cmark_node_get_type(n);
    if (ev == CMARK_EVENT_ENTER && (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE)) {
      text += cmark_node_get_literal(n);
    } else if (ev == CMARK_EVENT_ENTER && type == CMARK_NODE_SOFTBREAK) {
      text += ' ';
    }
  }
  return text;
}

struct HeadingNode {
  cmark_node* node;
  int level;  // As written.
  std::string text;
};

// Walks the tree once: finds the headings and gathers the plain text.
void Walk(cmark_node* doc, std::vector<HeadingNode>* headings, std::string* plain_text) {
  std::unique_ptr<cmark_iter, IterDeleter> it(cmark_iter_new(doc));
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
    if (ev != CMARK_EVENT_ENTER) continue;
    cmark_node* n = cmark_iter_get_node(it.get());
    const auto type = cmark_node_get_type(n);
    if (type == CMARK_NODE_HEADING) {
      headings->push_back({n, cmark_node_get_heading_level(n), HeadingText(n)});
    } else if (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE ||
               type == CMARK_NODE_CODE_BLOCK) {
      AppendCollapsed(cmark_node_get_literal(n), plain_text);
      AppendCollapsed(" ", plain_text);
    } else if (type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK) {
      AppendCollapsed(" ", plain_text);
    }
  }
  while (!plain_text->empty() && plain_text->back() == ' ') plain_text->pop_back();
}

// Adds id attributes to the headings, in document order. With raw HTML off every "<hN>" in
// cmark's output is a heading it rendered (text and code are escaped), so a scan is exact.
std::string AddHeadingIds(const std::string& html, const std::vector<MarkdownHeading>& headings) {
  std::string out;
  out.reserve(html.size() + headings.size() * 32);
  size_t pos = 0;
  for (const auto& h : headings) {
    const std::string open = "<h" + std::to_string(h.level) + ">";
    const size_t at = html.find(open, pos);
    if (at == std::string::npos) break;
    out.append(html, pos, at - pos);
    out += "<h" + std::to_string(h.level) + " id=\"" + HtmlEscape(h.id) + "\">";
    pos = at + open.size();
  }
  out.append(html, pos, std::string::npos);
  return out;
}

}  // namespace

void RegisterMarkdownExtensions() {
  static std::once_flag once;
  std::call_once(once, [] { cmark_gfm_core_extensions_ensure_registered(); });
}

Status RenderMarkdown(std::string_view markdown, int heading_shift, SlugSet* slugs,
                      RenderedMarkdown* out) {
  std::vector<RenderedMarkdown> results;
  PORTAL_RETURN_IF_ERROR(RenderMarkdownVariants(markdown, {{heading_shift, slugs}}, &results));
  *out = std::move(results[0]);
  return Status::Ok();
}

Status RenderMarkdownVariants(std::string_view markdown,
                              const std::vector<MarkdownVariant>& variants,
                              std::vector<RenderedMarkdown>* out) {
  RegisterMarkdownExtensions();
  std::unique_ptr<cmark_parser, ParserDeleter> parser(cmark_parser_new(kOptions));
  if (!parser) return Status::IoError("markdown: out of memory");
  for (const char* name : kExtensions) {
    cmark_syntax_extension* ext = cmark_find_syntax_extension(name);
    if (ext == nullptr || cmark_parser_attach_syntax_extension(parser.get(), ext) == 0) {
      return Status::IoError(std::string("markdown: extension '") + name + "' is not available");
    }
  }
  cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
  std::unique_ptr<cmark_node, NodeDeleter> doc(cmark_parser_finish(parser.get()));
  if (!doc) return Status::IoError("markdown: parse failed");
  std::vector<HeadingNode> headings;
  std::string plain_text;
  Walk(doc.get(), &headings, &plain_text);
  std::vector<RenderedMarkdown> results(variants.size());
  for (size_t v = 0; v < variants.size(); ++v) {
    RenderedMarkdown& result = results[v];
    for (const HeadingNode& h : headings) {
      const int level = std::min(6, h.level + variants[v].heading_shift);
      cmark_node_set_heading_level(h.node, level);
      result.headings.push_back({level, h.text, variants[v].slugs->Unique(h.text)});
    }
    std::unique_ptr<char, CharDeleter> html(
        cmark_render_html(doc.get(), kOptions, cmark_parser_get_syntax_extensions(parser.get())));
    if (!html) return Status::IoError("markdown: render failed");
    result.html = AddHeadingIds(html.get(), result.headings);
    result.plain_text = plain_text;
  }
  *out = std::move(results);
  return Status::Ok();
}

}  // namespace portal
