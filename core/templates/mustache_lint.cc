#include "core/templates/mustache_lint.h"

#include <algorithm>

namespace portal {

namespace {

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return std::string();
  const size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Delimiters are never changed (a {{=...=}} tag is refused).
constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";

struct Tag {
  char type = 0;  // 0 for a variable; else one of # ^ / > ! = & {
  std::string name;
  size_t end = 0;  // Offset just past the tag.
};

class Linter {
 public:
  Linter(std::string_view text, std::string file, int line_offset, MustacheLintResult* out)
      : text_(text), file_(std::move(file)), line_offset_(line_offset), out_(out) {}

  Status Run() {
    size_t pos = 0;
    while (true) {
      const size_t at = text_.find(kOpen, pos);
      if (at == std::string_view::npos) break;
      AdvanceLine(at);
      Tag tag;
      PORTAL_RETURN_IF_ERROR(ReadTag(at, &tag));
      PORTAL_RETURN_IF_ERROR(Apply(tag));
      pos = tag.end;
    }
    if (!sections_.empty()) {
      return Error(sections_.back().line,
                   "section {{#" + sections_.back().name + "}} is never closed");
    }
    return Status::Ok();
  }

 private:
  void AdvanceLine(size_t to) {
    line_ += static_cast<int>(std::count(text_.begin() + counted_, text_.begin() + to, '\n'));
    counted_ = to;
  }

  Status Error(int line, const std::string& problem) const {
    return Status::InvalidInput(file_ + ":" + std::to_string(line + line_offset_) + ": " + problem);
  }

  Status ReadTag(size_t at, Tag* tag) {
    size_t p = at + kOpen.size();
    std::string_view close = kClose;
    if (p < text_.size() && text_[p] == '{') {
      tag->type = '{';
      close = "}}}";
      ++p;
    } else {
      // mstch reads the tag's kind after any white space ("{{ # a}}" opens a section).
      size_t q = p;
      while (q < text_.size() && std::string_view(" \t\r\n").find(text_[q]) != std::string::npos) {
        ++q;
      }
      if (q < text_.size() && std::string_view("#^/>!=&").find(text_[q]) != std::string::npos) {
        tag->type = text_[q];
        p = q + 1;
      }
    }
    const size_t end = text_.find(close, p);
    if (end == std::string_view::npos) return Error(line_, "tag '{{' is never closed");
    std::string_view body = text_.substr(p, end - p);
    // A tag opened inside another: mstch and a reader would disagree on where each ends.
    if (body.find(kOpen) != std::string_view::npos) {
      return Error(line_, "tag '{{' opened inside another tag");
    }
    if (tag->type == '=') {
      if (body.empty() || body.back() != '=') return Error(line_, "malformed delimiter change");
      body.remove_suffix(1);
    }
    tag->name = Trim(body);
    tag->end = end + close.size();
    // Only a comment may be empty, and not blank: mstch throws on "{{! }}" (found by fuzzing).
    if (tag->name.empty() && (tag->type != '!' || !body.empty())) {
      return Error(line_, "empty tag");
    }
    return Status::Ok();
  }

  Status Apply(const Tag& tag) {
    switch (tag.type) {
      case '#':
      case '^':
        sections_.push_back({tag.name, line_});
        break;
      case '/':
        if (sections_.empty()) {
          return Error(line_, "{{/" + tag.name + "}} closes a section that was never opened");
        }
        if (sections_.back().name != tag.name) {
          return Error(line_, "{{/" + tag.name + "}} does not match {{#" + sections_.back().name +
                                  "}} opened at line " +
                                  std::to_string(sections_.back().line + line_offset_));
        }
        sections_.pop_back();
        break;
      case '>':
        out_->partials.push_back({tag.name, line_ + line_offset_});
        break;
      case '{':
      case '&':
        out_->unescaped.push_back({tag.name, line_ + line_offset_});
        break;
      case '=':
        // A delimiter change: no template or page uses one, and with them mstch and this linter
        // disagree on where tags end ("{{={% %=}}{%{%" passes here, and mstch throws; found by
        // fuzzing). Refused, so a template means one thing.
        return Error(line_, "delimiter changes ({{=...=}}) are not allowed");
      default:
        break;
    }
    return Status::Ok();
  }

  std::string_view text_;
  std::string file_;
  int line_offset_;
  MustacheLintResult* out_;
  int line_ = 1;
  size_t counted_ = 0;
  std::vector<MustacheTagRef> sections_;
};

}  // namespace

Status LintMustache(std::string_view text, const std::string& file, int line_offset,
                    MustacheLintResult* out) {
  MustacheLintResult result;
  Linter linter(text, file, line_offset, &result);
  PORTAL_RETURN_IF_ERROR(linter.Run());
  *out = std::move(result);
  return Status::Ok();
}

}  // namespace portal
