#include "core/templates/template_set.h"

#include <mutex>

#include "core/file_util.h"
#include "core/html_escape.h"
#include "core/templates/mustache_lint.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

constexpr char kSuffix[] = ".mustache";

// Loads every template in `dir` into `out` (by name without suffix) and lints it, collecting
// the partials each one uses.
Status LoadDir(const fs::path& dir, std::map<std::string, std::string>* out,
               std::vector<std::pair<std::string, MustacheTagRef>>* uses) {
  std::vector<fs::path> files;
  PORTAL_RETURN_IF_ERROR(ListFiles(dir, kSuffix, &files));
  for (const auto& file : files) {
    std::string text;
    PORTAL_RETURN_IF_ERROR(ReadFile(file, &text));
    MustacheLintResult lint;
    PORTAL_RETURN_IF_ERROR(LintMustache(text, file.string(), 0, &lint));
    for (const auto& p : lint.partials) uses->push_back({file.string(), p});
    std::string name = file.filename().string();
    name.resize(name.size() - (sizeof(kSuffix) - 1));
    (*out)[name] = std::move(text);
  }
  return Status::Ok();
}

}  // namespace

void InstallMstchEscape() {
  static std::once_flag once;
  std::call_once(
      once, [] { mstch::config::escape = [](const std::string& s) { return HtmlEscape(s); }; });
}

Status TemplateSet::Load(const fs::path& dir, const std::vector<std::string>& required,
                         TemplateSet* out) {
  InstallMstchEscape();
  TemplateSet set;
  std::vector<std::pair<std::string, MustacheTagRef>> uses;
  PORTAL_RETURN_IF_ERROR(LoadDir(dir, &set.templates_, &uses));
  std::error_code ec;
  if (fs::is_directory(dir / "partials", ec)) {
    PORTAL_RETURN_IF_ERROR(LoadDir(dir / "partials", &set.partials_, &uses));
  }
  for (const auto& name : required) {
    if (set.templates_.count(name) == 0) {
      return Status::InvalidInput((dir / (name + kSuffix)).string() +
                                  ": missing template (the site needs it)");
    }
  }
  for (const auto& [file, ref] : uses) {
    if (set.partials_.count(ref.name) == 0) {
      return Status::InvalidInput(file + ":" + std::to_string(ref.line) + ": partial '" + ref.name +
                                  "' not found (expected " +
                                  (dir / "partials" / (ref.name + kSuffix)).string() + ")");
    }
  }
  *out = std::move(set);
  return Status::Ok();
}

std::string TemplateSet::Render(const std::string& name, const mstch::node& context) const {
  return mstch::render(templates_.at(name), context, partials_);
}

}  // namespace portal
