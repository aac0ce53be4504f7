#pragma once

#include <string>
#include <string_view>

#include <mstch/mstch.hpp>

#include "core/config.h"

namespace portal {

// How a fact's text is prepared before mstch HTML-escapes it.
enum class FactsFor {
  kHtml,      // Templates: plain text.
  kMarkdown,  // Content Markdown: Markdown punctuation backslash-escaped, so a value prints as
              // written and can never become markup.
};

// The config's facts as a mstch context: hospital, help_line, site, mrn, messaging.providers,
// release (with sections), profile.fields. Build one per worker thread.
mstch::map FactsContext(const PortalConfig& config, FactsFor target);

// Backslash-escapes ASCII punctuation that Markdown could read as syntax, except & < > " ',
// which mstch turns into entities that Markdown prints literally. Line breaks become spaces.
std::string MarkdownEscape(std::string_view text);

}  // namespace portal
