#include "generator/site/front_matter.h"

#include "core/toml_reader.h"

namespace portal {

namespace {

constexpr std::string_view kFence = "+++";

// True when the line starting at `pos` is exactly the fence; sets *next to the next line.
bool FenceAt(std::string_view text, size_t pos, size_t* next) {
  if (text.substr(pos, kFence.size()) != kFence) return false;
  size_t p = pos + kFence.size();
  while (p < text.size() && (text[p] == ' ' || text[p] == '\t' || text[p] == '\r')) ++p;
  if (p < text.size() && text[p] != '\n') return false;
  *next = p < text.size() ? p + 1 : p;
  return true;
}

}  // namespace

Status ParseFrontMatter(std::string_view text, const std::string& file, FrontMatterDocument* out) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  size_t pos = 0;
  if (!FenceAt(text, 0, &pos)) {
    return Status::InvalidInput(file + ":1: expected front matter starting with a '+++' line");
  }
  const size_t toml_start = pos;
  int line = 2;
  while (pos < text.size()) {
    size_t next = 0;
    if (FenceAt(text, pos, &next)) {
      FrontMatterDocument doc;
      PORTAL_RETURN_IF_ERROR(
          ParseToml(text.substr(toml_start, pos - toml_start), file, 1, &doc.front_matter));
      doc.body = std::string(text.substr(next));
      doc.body_line = line + 1;
      *out = std::move(doc);
      return Status::Ok();
    }
    const size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
    ++line;
  }
  return Status::InvalidInput(file + ":1: front matter is never closed by a '+++' line");
}

}  // namespace portal
