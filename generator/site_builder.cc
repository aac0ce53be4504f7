#include "generator/site_builder.h"

#include <map>
#include <vector>

#include "core/file_util.h"
#include "core/parallel.h"
#include "core/sha256.h"
#include "core/staged_directory.h"
#include "core/version.h"
#include "generator/assets.h"
#include "generator/content.h"
#include "generator/facts.h"
#include "generator/markdown.h"
#include "generator/search_index.h"
#include "generator/sitemap.h"
#include "generator/template_set.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTemplates = {"layout",       "home",     "faq",
                                             "faq_question", "question", "404"};
// Ids the layout itself uses; Markdown headings never take them.
const std::vector<std::string> kLayoutIds = {"main", "site-search", "search-input",
                                             "search-results", "top"};

// What one worker produces for one question.
struct QuestionResult {
  Status status;
  std::string faq_block;  // The question's block on the FAQ page.
  std::string text;       // Plain text for the search index.
};

class SiteRenderer {
 public:
  SiteRenderer(const PortalConfig& config, const TemplateSet& templates, const SiteContent& content,
               mstch::map base)
      : config_(config), templates_(templates), content_(content), base_(std::move(base)) {}

  // Renders `body` through the template and then the layout.
  std::string Page(const std::string& tmpl, mstch::map ctx, const std::string& title,
                   const std::string& path, bool indexable) const {
    mstch::map page = base_;
    for (auto& [k, v] : ctx) page[k] = v;
    std::string body = templates_.Render(tmpl, page);
    page["page_title"] = title;
    page["body"] = std::move(body);
    page["canonical_url"] = config_.site.base_url + path;
    page["noindex"] = !indexable;
    return templates_.Render("layout", page);
  }

  // Content Markdown with the facts filled in, rendered to HTML.
  Status Markdown(const std::string& body, const std::string& file, int shift, SlugSet* slugs,
                  const mstch::map& facts, RenderedMarkdown* out) const {
    const std::string md = mstch::render(body, facts);
    return RenderMarkdown(md, shift, slugs, out).WithPrefix(file);
  }

  QuestionResult Question(const FaqEntry& q, const mstch::map& facts, const fs::path& root) const {
    QuestionResult r;
    SlugSet faq_slugs(q.anchor + "--");
    RenderedMarkdown faq_md, page_md;
    r.status = Markdown(q.body, q.file, 3, &faq_slugs, facts, &faq_md);
    if (!r.status.ok()) return r;
    SlugSet page_slugs;
    for (const auto& id : kLayoutIds) page_slugs.Reserve(id);
    page_slugs.Reserve(q.anchor);
    r.status = Markdown(q.body, q.file, 1, &page_slugs, facts, &page_md);
    if (!r.status.ok()) return r;
    const std::string path = "faq/" + q.anchor + "/";
    mstch::map ctx{{"anchor", q.anchor},         {"title", q.title},
                   {"topic_id", q.topic},        {"topic_title", TopicTitle(q.topic)},
                   {"answer_html", faq_md.html}, {"page_url", config_.site.base_path + path}};
    r.faq_block = templates_.Render("faq_question", Merge(ctx));
    ctx["answer_html"] = page_md.html;
    ctx["faq_url"] = config_.site.base_path + "faq/#" + q.anchor;
    r.status = WriteFile(root / path / "index.html", Page("question", ctx, q.title, path, true));
    r.text = std::move(page_md.plain_text);
    return r;
  }

  std::string TopicTitle(const std::string& id) const {
    for (const auto& t : config_.site.topics) {
      if (t.id == id) return t.title;
    }
    return id;
  }

  // Topics with their questions (and, for the FAQ page, their rendered blocks).
  mstch::array Topics(const std::vector<QuestionResult>* blocks) const {
    mstch::array topics;
    for (const auto& t : config_.site.topics) {
      mstch::array questions;
      std::string html;
      for (size_t i = 0; i < content_.faq.size(); ++i) {
        const FaqEntry& q = content_.faq[i];
        if (q.topic != t.id) continue;
        questions.push_back(mstch::map{{"anchor", q.anchor}, {"title", q.title}});
        if (blocks != nullptr) html += (*blocks)[i].faq_block;
      }
      if (questions.empty()) continue;
      topics.push_back(mstch::map{{"id", t.id},
                                  {"title", t.title},
                                  {"questions", std::move(questions)},
                                  {"questions_html", std::move(html)}});
    }
    return topics;
  }

 private:
  mstch::map Merge(mstch::map ctx) const {
    mstch::map page = base_;
    for (auto& [k, v] : ctx) page[k] = std::move(v);
    return page;
  }

  const PortalConfig& config_;
  const TemplateSet& templates_;
  const SiteContent& content_;
  const mstch::map base_;
};

// Fingerprint of everything the search index is made from, known before any page renders, so
// pages can link the index while they are rendered in parallel.
std::string ContentFingerprint(const PortalConfig& config, const SiteContent& content) {
  std::string config_text;
  (void)ReadFile(config.config_path, &config_text);
  std::string all = std::string(kVersion) + '\0' + config_text;
  for (const auto& q : content.faq) {
    all += '\0' + q.anchor + '\0' + q.title + '\0' + q.topic + '\0' + q.body;
  }
  return Sha256Hex(all).substr(0, 10);
}

Status WriteAll(const fs::path& root, const std::vector<Asset>& files, SiteReport* report) {
  for (const auto& f : files) {
    PORTAL_RETURN_IF_ERROR(WriteFile(root / f.path, f.data));
    ++report->files;
  }
  return Status::Ok();
}

}  // namespace

Status BuildSite(const PortalConfig& config, const fs::path& output_dir, int jobs,
                 SiteReport* report) {
  RegisterMarkdownExtensions();
  TemplateSet templates;
  PORTAL_RETURN_IF_ERROR(TemplateSet::Load(config.paths.templates_dir, kTemplates, &templates));
  SiteContent content;
  PORTAL_RETURN_IF_ERROR(LoadSiteContent(config, &content));
  std::vector<Asset> assets;
  std::map<std::string, std::string> asset_urls;
  PORTAL_RETURN_IF_ERROR(LoadAssets(config.paths.templates_dir / "assets", &assets, &asset_urls));
  for (const char* required : {"site.css", "search.js"}) {
    if (asset_urls.count(required) == 0) {
      return Status::InvalidInput((config.paths.templates_dir / "assets" / required).string() +
                                  ": missing asset");
    }
  }
  const std::string index_path =
      "assets/search-index." + ContentFingerprint(config, content) + ".json";
  const std::string& base = config.site.base_path;

  mstch::map base_ctx = FactsContext(config, FactsFor::kHtml);
  base_ctx["lang"] = config.site.language;
  base_ctx["base_path"] = base;
  base_ctx["assets"] = mstch::map{{"css", base + asset_urls["site.css"]},
                                  {"js", base + asset_urls["search.js"]},
                                  {"search_index", base + index_path}};
  SiteRenderer renderer(config, templates, content, base_ctx);

  StagedDirectory staged(output_dir);
  PORTAL_RETURN_IF_ERROR(staged.Open());
  const fs::path root = staged.staging_path();
  SiteReport result;
  PORTAL_RETURN_IF_ERROR(WriteAll(root, assets, &result));

  jobs = std::max(1, jobs);
  std::vector<mstch::map> facts(jobs);  // One per worker: mstch data is not shared.
  for (auto& f : facts) f = FactsContext(config, FactsFor::kMarkdown);
  std::vector<QuestionResult> questions(content.faq.size());
  ParallelFor(content.faq.size(), jobs, [&](size_t i, int worker) {
    questions[i] = renderer.Question(content.faq[i], facts[worker], root);
  });
  std::vector<SearchDocument> docs;
  std::vector<std::string> sitemap = {"", "faq/"};
  for (size_t i = 0; i < questions.size(); ++i) {
    PORTAL_RETURN_IF_ERROR(questions[i].status);
    const FaqEntry& q = content.faq[i];
    docs.push_back({q.title, renderer.TopicTitle(q.topic), base + "faq/" + q.anchor + "/",
                    std::move(questions[i].text)});
    sitemap.push_back("faq/" + q.anchor + "/");
  }
  result.questions = questions.size();

  SlugSet home_slugs;
  for (const auto& id : kLayoutIds) home_slugs.Reserve(id);
  RenderedMarkdown home_md;
  PORTAL_RETURN_IF_ERROR(
      renderer.Markdown(content.home.body, content.home.file, 1, &home_slugs, facts[0], &home_md));
  std::vector<Asset> pages;
  pages.push_back(
      {"index.html",
       renderer.Page("home", {{"intro_html", home_md.html}, {"topics", renderer.Topics(nullptr)}},
                     content.home.title, "", true)});
  pages.push_back({"faq/index.html", renderer.Page("faq", {{"topics", renderer.Topics(&questions)}},
                                                   "Frequently asked questions", "faq/", true)});
  questions.clear();
  pages.push_back({"404.html", renderer.Page("404", {}, "Page not found", "404.html", false)});
  pages.push_back({"sitemap.xml", SitemapXml(config.site.base_url, sitemap)});
  pages.push_back({"robots.txt", RobotsTxt(config.site.base_url)});
  pages.push_back({index_path, SearchIndexJson(docs)});
  PORTAL_RETURN_IF_ERROR(WriteAll(root, pages, &result));
  result.files += result.questions;
  PORTAL_RETURN_IF_ERROR(staged.Commit());
  *report = result;
  return Status::Ok();
}

}  // namespace portal
