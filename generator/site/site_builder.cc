#include "generator/site/site_builder.h"

#include <array>
#include <map>
#include <vector>

#include "core/file_util.h"
#include "core/html_escape.h"
#include "core/parallel.h"
#include "core/sha256.h"
#include "core/staged_directory.h"
#include "core/templates/facts.h"
#include "core/templates/spliced_text.h"
#include "core/templates/template_set.h"
#include "core/version.h"
#include "generator/site/app_pages.h"
#include "generator/site/assets.h"
#include "generator/site/content.h"
#include "generator/site/markdown.h"
#include "generator/site/search_index.h"
#include "generator/site/sitemap.h"

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

struct PageMeta {
  std::string title;  // Not empty (content loading checks).
  std::string path;   // Site-relative URL path: "", "faq/", "faq/<anchor>.html".
  bool indexable = true;
};

class SiteRenderer {
 public:
  SiteRenderer(const PortalConfig& config, const TemplateSet& templates, const SiteContent& content,
               mstch::map base, StagedDirectory* out)
      : config_(config),
        templates_(templates),
        content_(content),
        base_(std::move(base)),
        out_(out) {
    // The layout's only per-page values are the title, canonical URL, noindex flag and body, so
    // it is rendered once per noindex value with tokens for the rest, and each page is spliced
    // into that shell. Mustache is logic-less: a template can only print a value or test it, and
    // a token prints where the value would and tests the same (non-empty), so the page is the
    // one a full render would give, except that page_title and canonical_url are always escaped.
    for (bool noindex : {false, true}) {
      SplicedText tokens;
      mstch::map page = base_;
      page["page_title"] = tokens.Add({});
      page["canonical_url"] = tokens.Add({});
      page["body"] = tokens.Add({});
      page["noindex"] = noindex;
      shells_[noindex ? 1 : 0] = templates_.Render("layout", page);
    }
  }

  // Renders page template `tmpl` with `page` (see Context()), wraps it in the layout and writes
  // it to `file` under the site root.
  Status WritePage(const std::string& file, const std::string& tmpl, const mstch::map& page,
                   SplicedText* spliced, const PageMeta& meta) const {
    const std::string body = templates_.Render(tmpl, page);
    const std::string title = HtmlEscape(meta.title);
    const std::string url = HtmlEscape(config_.site.base_url + meta.path);
    SplicedText values;  // Same token order as the shells.
    values.Add({title});
    values.Add({url});
    values.Add(spliced->Assemble(body));
    return out_->Write(file, values.Assemble(shells_[meta.indexable ? 0 : 1]));
  }

  // Content Markdown with the facts filled in (mstch only runs where there is a tag), rendered
  // once per variant.
  Status Markdown(const std::string& body, const std::string& file, const mstch::map& facts,
                  const std::vector<MarkdownVariant>& variants,
                  std::vector<RenderedMarkdown>* out) const {
    const bool has_tags = body.find("{{") != std::string::npos;
    const std::string md = has_tags ? mstch::render(body, facts) : std::string();
    return RenderMarkdownVariants(has_tags ? md : body, variants, out).WithPrefix(file);
  }

  QuestionResult Question(const FaqEntry& q, const mstch::map& facts) const {
    QuestionResult r;
    SlugSet faq_slugs(q.anchor + "--");  // Answer headings on the FAQ page: h4 and below.
    SlugSet page_slugs;                  // On the question's own page: h2 and below.
    for (const auto& id : kLayoutIds) page_slugs.Reserve(id);
    page_slugs.Reserve(q.anchor);
    std::vector<RenderedMarkdown> md;
    r.status = Markdown(q.body, q.file, facts, {{3, &faq_slugs}, {1, &page_slugs}}, &md);
    if (!r.status.ok()) return r;
    const RenderedMarkdown& faq_md = md[0];
    const RenderedMarkdown& page_md = md[1];
    SplicedText spliced;
    const std::string path = "faq/" + q.anchor + ".html";
    mstch::map page = Context({{"anchor", q.anchor},
                               {"title", q.title},
                               {"topic_id", q.topic},
                               {"topic_title", TopicTitle(q.topic)},
                               {"answer_html", spliced.Add({faq_md.html})},
                               {"page_url", config_.site.base_path + path}});
    const std::string block = templates_.Render("faq_question", page);
    for (std::string_view piece : spliced.Assemble(block)) r.faq_block += piece;
    page["answer_html"] = spliced.Add({page_md.html});
    page["faq_url"] = config_.site.base_path + "faq/#" + q.anchor;
    r.status = WritePage(path, "question", page, &spliced, {q.title, path, true});
    r.text = SearchText(page_md.plain_text);
    return r;
  }

  std::string TopicTitle(const std::string& id) const {
    for (const auto& t : config_.site.topics) {
      if (t.id == id) return t.title;
    }
    return id;
  }

  // Topics with their questions and, when `spliced` is given, a token for their FAQ blocks.
  mstch::array Topics(const std::vector<QuestionResult>* blocks, SplicedText* spliced) const {
    mstch::array topics;
    for (const auto& t : config_.site.topics) {
      mstch::array questions;
      std::vector<std::string_view> html;
      for (size_t i = 0; i < content_.faq.size(); ++i) {
        const FaqEntry& q = content_.faq[i];
        if (q.topic != t.id) continue;
        questions.push_back(mstch::map{{"anchor", q.anchor}, {"title", q.title}});
        if (blocks != nullptr) html.push_back((*blocks)[i].faq_block);
      }
      if (questions.empty()) continue;
      mstch::map topic{{"id", t.id}, {"title", t.title}, {"questions", std::move(questions)}};
      if (spliced != nullptr) topic["questions_html"] = spliced->Add(std::move(html));
      topics.push_back(std::move(topic));
    }
    return topics;
  }

  // The site context with `ctx`'s keys added.
  mstch::map Context(mstch::map ctx) const {
    mstch::map page = base_;
    for (auto& [k, v] : ctx) page[k] = std::move(v);
    return page;
  }

 private:
  const PortalConfig& config_;
  const TemplateSet& templates_;
  const SiteContent& content_;
  const mstch::map base_;
  StagedDirectory* const out_;
  std::array<std::string, 2> shells_;  // Layout shells: [0] indexable, [1] noindex.
};

// Fingerprint of everything the search index is made from, known before any page renders, so
// pages can link the index while they are rendered in parallel.
std::string ContentFingerprint(const PortalConfig& config, const SiteContent& content) {
  std::string config_text;
  // The config was read moments ago (LoadConfig); were it gone now, the fingerprint still
  // changes with the content, which is all it is for.
  (void)ReadFile(config.config_path, &config_text);
  std::string all = std::string(kVersion) + '\0' + config_text;
  for (const auto& q : content.faq) {
    all += '\0' + q.anchor + '\0' + q.title + '\0' + q.topic + '\0' + q.body;
  }
  return Sha256Hex(all).substr(0, 10);
}

Status WriteAll(StagedDirectory* out, const std::vector<Asset>& files, SiteReport* report) {
  for (const auto& f : files) {
    PORTAL_RETURN_IF_ERROR(out->Write(f.path, {f.data}));
    if (report != nullptr) ++report->files;
  }
  return Status::Ok();
}

// The home page, the FAQ page with every answer, and the 404 page.
Status WriteListPages(const SiteRenderer& renderer, const SiteContent& content,
                      const std::vector<QuestionResult>& questions, const mstch::map& facts) {
  SlugSet home_slugs;
  for (const auto& id : kLayoutIds) home_slugs.Reserve(id);
  std::vector<RenderedMarkdown> home;
  PORTAL_RETURN_IF_ERROR(
      renderer.Markdown(content.home.body, content.home.file, facts, {{1, &home_slugs}}, &home));
  SplicedText spliced;
  PORTAL_RETURN_IF_ERROR(
      renderer.WritePage("index.html", "home",
                         renderer.Context({{"intro_html", spliced.Add({home[0].html})},
                                           {"topics", renderer.Topics(nullptr, nullptr)}}),
                         &spliced, {content.home.title, "", true}));
  PORTAL_RETURN_IF_ERROR(
      renderer.WritePage("faq/index.html", "faq",
                         renderer.Context({{"topics", renderer.Topics(&questions, &spliced)}}),
                         &spliced, {"Frequently asked questions", "faq/", true}));
  return renderer.WritePage("404.html", "404", renderer.Context({}), &spliced,
                            {"Page not found", "404.html", false});
}

// What the site is made from, all loaded and checked before anything renders.
struct SiteInputs {
  TemplateSet templates;
  SiteContent content;
  std::vector<Asset> assets;
  std::map<std::string, std::string> asset_urls;  // Asset name -> its fingerprinted path.
  std::string index_path;                         // The search index's path.
  AppBuild app;                                   // The patient app, when it is built.
};

Status LoadSiteInputs(const PortalConfig& config, int jobs, SiteInputs* in) {
  PORTAL_RETURN_IF_ERROR(LoadApp(config, &in->app));
  std::vector<std::string> templates = kTemplates;
  if (in->app.built) templates.push_back(kAppTemplate);
  PORTAL_RETURN_IF_ERROR(TemplateSet::Load(config.paths.templates_dir, templates, &in->templates));
  PORTAL_RETURN_IF_ERROR(LoadSiteContent(config, jobs, &in->content));
  PORTAL_RETURN_IF_ERROR(
      LoadAssets(config.paths.templates_dir / "assets", &in->assets, &in->asset_urls));
  for (const char* required : {"site.css", "search.js"}) {
    if (in->asset_urls.count(required) == 0) {
      return Status::InvalidInput((config.paths.templates_dir / "assets" / required).string() +
                                  ": missing asset");
    }
  }
  in->index_path = "assets/search-index." + ContentFingerprint(config, in->content) + ".json";
  return Status::Ok();
}

// The values every page sees: the facts, the language, where the site and its assets are.
mstch::map BaseContext(const PortalConfig& config, SiteInputs* in) {
  const std::string& base = config.site.base_path;
  mstch::map ctx = FactsContext(config, FactsFor::kHtml);
  ctx["lang"] = config.site.language;
  ctx["base_path"] = base;
  ctx["assets"] = mstch::map{{"css", base + in->asset_urls["site.css"]},
                             {"js", base + in->asset_urls["search.js"]},
                             {"search_index", base + in->index_path}};
  return ctx;
}

// Every question's page, in parallel; each answer's Markdown is dropped once rendered.
std::vector<QuestionResult> RenderQuestions(const SiteRenderer& renderer, SiteContent* content,
                                            const std::vector<mstch::map>& facts, int jobs) {
  std::vector<QuestionResult> questions(content->faq.size());
  ParallelFor(content->faq.size(), jobs, [&](size_t i, int worker) {
    questions[i] = renderer.Question(content->faq[i], facts[worker]);
    std::string().swap(content->faq[i].body);  // Not needed again; keeps memory flat.
  });
  return questions;
}

// The search index's documents and the sitemap's paths, in content order; the first question
// that failed stops the build.
Status IndexEntries(const PortalConfig& config, const SiteRenderer& renderer,
                    const SiteContent& content, std::vector<QuestionResult>* questions,
                    std::vector<SearchDocument>* docs, std::vector<std::string>* sitemap) {
  *sitemap = {"", "faq/"};
  for (size_t i = 0; i < questions->size(); ++i) {
    PORTAL_RETURN_IF_ERROR((*questions)[i].status);
    const FaqEntry& q = content.faq[i];
    docs->push_back({q.title, renderer.TopicTitle(q.topic),
                     config.site.base_path + "faq/" + q.anchor + ".html",
                     std::move((*questions)[i].text)});
    sitemap->push_back("faq/" + q.anchor + ".html");
  }
  return Status::Ok();
}

// The list pages and the machine-readable files are independent: made side by side.
Status WriteListsAndIndexes(const PortalConfig& config, const SiteRenderer& renderer,
                            const SiteInputs& in, const std::vector<QuestionResult>& questions,
                            const std::vector<SearchDocument>& docs,
                            const std::vector<std::string>& sitemap, const mstch::map& facts,
                            int jobs, StagedDirectory* staged) {
  Status lists, indexes;
  ParallelFor(2, jobs, [&](size_t task, int) {
    if (task == 0) {
      lists = WriteListPages(renderer, in.content, questions, facts);
    } else {
      indexes = WriteAll(staged,
                         {{"sitemap.xml", SitemapXml(config.site.base_url, sitemap)},
                          {"robots.txt", RobotsTxt(config.site.base_url)},
                          {in.index_path, SearchIndexJson(docs)}},
                         nullptr);
    }
  });
  PORTAL_RETURN_IF_ERROR(lists);
  return indexes;
}

}  // namespace

Status BuildSite(const PortalConfig& config, const fs::path& output_dir, int jobs,
                 SiteReport* report) {
  SiteReport result;
  RegisterMarkdownExtensions();
  jobs = std::max(1, jobs);
  SiteInputs in;
  PORTAL_RETURN_IF_ERROR(LoadSiteInputs(config, jobs, &in));
  StagedDirectory staged(output_dir);
  PORTAL_RETURN_IF_ERROR(staged.Open());
  SiteRenderer renderer(config, in.templates, in.content, BaseContext(config, &in), &staged);
  PORTAL_RETURN_IF_ERROR(WriteAll(&staged, in.assets, &result));
  // The app's pages are not in the sitemap: they are noindex, and the same shell three times.
  PORTAL_RETURN_IF_ERROR(
      WriteApp(config, in.templates, BaseContext(config, &in), in.app, &staged, &result.files));
  result.app = in.app.note;
  result.clock.Mark("load");

  std::vector<mstch::map> facts(jobs);  // One per worker: mstch data is not shared.
  for (auto& f : facts) f = FactsContext(config, FactsFor::kMarkdown);
  std::vector<QuestionResult> questions = RenderQuestions(renderer, &in.content, facts, jobs);
  result.clock.Mark("pages");
  std::vector<SearchDocument> docs;
  std::vector<std::string> sitemap;
  PORTAL_RETURN_IF_ERROR(IndexEntries(config, renderer, in.content, &questions, &docs, &sitemap));
  result.questions = questions.size();
  PORTAL_RETURN_IF_ERROR(WriteListsAndIndexes(config, renderer, in, questions, docs, sitemap,
                                              facts[0], jobs, &staged));
  result.files += 6;
  result.files += result.questions;
  result.clock.Mark("lists");
  PORTAL_RETURN_IF_ERROR(staged.Commit());
  result.clock.Mark("publish");
  *report = result;
  return Status::Ok();
}

}  // namespace portal
