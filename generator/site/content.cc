#include "generator/site/content.h"

#include <algorithm>
#include <functional>
#include <map>

#include "core/file_util.h"
#include "core/parallel.h"
#include "core/templates/mustache_lint.h"
#include "core/toml_reader.h"
#include "generator/site/front_matter.h"
#include "generator/site/slug.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

// Content Markdown may only print facts, escaped: no partials, no {{{raw}}} values.
Status LintContentBody(const std::string& body, const std::string& file, int body_line) {
  MustacheLintResult lint;
  PORTAL_RETURN_IF_ERROR(LintMustache(body, file, body_line - 1, &lint));
  if (!lint.partials.empty()) {
    return Status::InvalidInput(file + ":" + std::to_string(lint.partials[0].line) +
                                ": partials are not allowed in content");
  }
  if (!lint.unescaped.empty()) {
    return Status::InvalidInput(file + ":" + std::to_string(lint.unescaped[0].line) +
                                ": unescaped values ({{{...}}} or {{&...}}) are not allowed in "
                                "content");
  }
  return Status::Ok();
}

// Reads a content file into `out`: the title and whatever `read_more` reads from the front
// matter (unknown keys are errors), then the body, linted.
using ReadMore = std::function<void(const toml::table&, TomlTableReader*)>;

// The same for the text of a file named `file`.
Status ParsePage(std::string_view text, const std::string& file, ContentPage* out,
                 const ReadMore& read_more) {
  FrontMatterDocument doc;
  PORTAL_RETURN_IF_ERROR(ParseFrontMatter(text, file, &doc));
  TomlTableReader r(doc.front_matter, file, "", doc.front_matter_line - 1);
  r.String("title", &out->title);
  if (doc.front_matter.contains("title") && out->title.empty()) r.Fail("title", "is empty");
  if (read_more) read_more(doc.front_matter, &r);
  PORTAL_RETURN_IF_ERROR(r.Finish());
  PORTAL_RETURN_IF_ERROR(LintContentBody(doc.body, file, doc.body_line));
  out->file = file;
  out->body = std::move(doc.body);
  out->body_line = doc.body_line;
  return Status::Ok();
}

Status LoadPage(const fs::path& path, ContentPage* out, const ReadMore& read_more) {
  std::string text;
  PORTAL_RETURN_IF_ERROR(ReadFile(path, &text));
  return ParsePage(text, path.string(), out, read_more);
}

}  // namespace

Status ParseFaqEntry(std::string_view text, const std::string& file,
                     const std::map<std::string, size_t>& topics, FaqEntry* out) {
  return ParsePage(text, file, out, [&](const toml::table& front_matter, TomlTableReader* r) {
    r->String("topic", &out->topic);
    if (front_matter.contains("topic") && out->topic.empty()) r->Fail("topic", "is empty");
    r->Int("weight", &out->weight);
    r->String("anchor", &out->anchor, false);
    if (!out->topic.empty() && topics.count(out->topic) == 0) {
      r->Fail("topic", "unknown topic '" + out->topic + "' (topics are listed in [[site.topics]])");
    }
    if (out->anchor.empty()) out->anchor = GithubSlug(out->title);
    if (out->anchor.empty() || GithubSlug(out->anchor) != out->anchor) {
      r->Fail(front_matter.contains("anchor") ? "anchor" : "title",
              "gives the anchor '" + out->anchor + "', which is not a valid anchor");
    }
  });
}

namespace {

Status LoadFaqEntry(const fs::path& path, const std::map<std::string, size_t>& topics,
                    FaqEntry* out) {
  std::string text;
  PORTAL_RETURN_IF_ERROR(ReadFile(path, &text));
  return ParseFaqEntry(text, path.string(), topics, out);
}

}  // namespace

Status LoadSiteContent(const PortalConfig& config, int jobs, SiteContent* out) {
  SiteContent content;
  PORTAL_RETURN_IF_ERROR(LoadPage(config.paths.home_page, &content.home, nullptr));
  std::map<std::string, size_t> topics;
  for (size_t i = 0; i < config.site.topics.size(); ++i) topics[config.site.topics[i].id] = i;

  std::vector<fs::path> files;
  PORTAL_RETURN_IF_ERROR(ListFiles(config.paths.faq_dir, ".md", &files));
  if (files.empty()) {
    return Status::InvalidInput(config.paths.faq_dir.string() + ": no FAQ files (*.md)");
  }
  std::map<std::string, std::string> anchor_owner;
  for (const auto& topic : config.site.topics) anchor_owner[topic.id] = "topic '" + topic.id + "'";
  content.faq.resize(files.size());
  std::vector<Status> loaded(files.size());
  ParallelFor(files.size(), jobs,
              [&](size_t i, int) { loaded[i] = LoadFaqEntry(files[i], topics, &content.faq[i]); });
  for (size_t i = 0; i < files.size(); ++i) {
    PORTAL_RETURN_IF_ERROR(loaded[i]);
    const FaqEntry& entry = content.faq[i];
    auto [it, fresh] = anchor_owner.emplace(entry.anchor, entry.file);
    if (!fresh) {
      return Status::InvalidInput(entry.file + ":1: duplicate anchor '" + entry.anchor +
                                  "' (also used by " + it->second + ")");
    }
  }
  std::stable_sort(content.faq.begin(), content.faq.end(),
                   [&](const FaqEntry& a, const FaqEntry& b) {
                     const size_t ta = topics.at(a.topic), tb = topics.at(b.topic);
                     if (ta != tb) return ta < tb;
                     return a.weight < b.weight;
                   });
  *out = std::move(content);
  return Status::Ok();
}

}  // namespace portal
