#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace portal {

// A content file: TOML front matter with at least a title, then Markdown.
struct ContentPage {
  std::string file;   // As shown in messages.
  std::string title;  // Not empty.
  std::string body;   // Markdown; a Mustache template over the config's facts.
  int body_line = 1;
};

// One FAQ question, from one file under content/faq/; its title is the question.
struct FaqEntry : ContentPage {
  std::string topic;  // A topic id from the config.
  long long weight = 0;
  std::string anchor;  // Explicit, or the GitHub slug of the title. Unique across the FAQ.
};

struct SiteContent {
  ContentPage home;
  std::vector<FaqEntry> faq;  // Sorted by topic order, then weight, then file name.
};

// Reads the home page and every *.md under the FAQ folder, and checks them: front matter keys
// and types, known topics, unique anchors, well-formed Mustache with no partials or unescaped
// tags. Files are read on `jobs` threads. Errors name the file and line; with several bad
// files, the first by name is reported.
// One FAQ question from the text of file `file`: front matter (title, topic among `topics`,
// weight, optional anchor; nothing else) and a linted body. Errors name the file and line.
Status ParseFaqEntry(std::string_view text, const std::string& file,
                     const std::map<std::string, size_t>& topics, FaqEntry* out);

Status LoadSiteContent(const PortalConfig& config, int jobs, SiteContent* out);

}  // namespace portal
