#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "generator/site/slug.h"

namespace portal {

// Registers cmark-gfm's core extensions. Call once from the main thread before any worker
// starts; later calls do nothing.
void RegisterMarkdownExtensions();

struct MarkdownHeading {
  int level = 0;  // After the shift.
  std::string text;
  std::string id;
};

struct RenderedMarkdown {
  std::string html;
  std::vector<MarkdownHeading> headings;
  std::string plain_text;  // Text content, whitespace-collapsed, for the search index.
};

// Renders trusted Markdown (GFM tables, autolinks, ~~strikethrough~~ only with double tildes,
// tagfilter; raw HTML omitted). Heading levels are shifted down by `heading_shift` (capped at 6)
// and each heading gets an id unique within `slugs`.
Status RenderMarkdown(std::string_view markdown, int heading_shift, SlugSet* slugs,
                      RenderedMarkdown* out);

// One rendering of a document: its heading shift and the page's slug set.
struct MarkdownVariant {
  int heading_shift = 0;
  SlugSet* slugs = nullptr;
};

// Parses once and renders once per variant (a page shows the same answer at several heading
// depths); (*out)[i] belongs to variants[i].
Status RenderMarkdownVariants(std::string_view markdown,
                              const std::vector<MarkdownVariant>& variants,
                              std::vector<RenderedMarkdown>* out);

}  // namespace portal
