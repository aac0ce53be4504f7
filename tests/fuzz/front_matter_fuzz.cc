// A content page as staff write it (content/faq/*.md): "+++" TOML front matter, "+++", then a
// Mustache-templated Markdown body; read by generator/site/content.h's ParseFaqEntry, which
// splits it (front_matter.h), reads the keys strictly (core/toml_reader.h) and lints the body
// (core/templates/mustache_lint.h). Properties: no crash or exception; an error names the file
// and a line ("FILE:LINE: ..."); an accepted page has a title, a configured topic and an anchor
// that is its own GitHub slug.

#include <map>
#include <string>

#include "generator/site/content.h"
#include "generator/site/slug.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::map<std::string, size_t> topics = [] {
    std::map<std::string, size_t> t;
    const auto& config = portal::fuzz::ProjectConfig();
    for (size_t i = 0; i < config.site.topics.size(); ++i) t[config.site.topics[i].id] = i;
    return t;
  }();
  const std::string file = "content/faq/fuzz.md";
  portal::FaqEntry entry;
  const portal::Status st =
      portal::ParseFaqEntry(portal::fuzz::AsText(data, size), file, topics, &entry);
  if (!st.ok()) {
    FUZZ_CHECK(portal::fuzz::NamesFileAndLine(st.message(), file));
    return 0;
  }
  FUZZ_CHECK(!entry.title.empty());
  FUZZ_CHECK(topics.count(entry.topic) == 1);
  FUZZ_CHECK(!entry.anchor.empty() && portal::GithubSlug(entry.anchor) == entry.anchor);
  FUZZ_CHECK(entry.body_line >= 1);
  return 0;
}
