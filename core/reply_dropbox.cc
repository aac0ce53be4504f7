#include "core/reply_dropbox.h"

#include "core/fhir_time.h"

namespace portal {

namespace {

constexpr std::string_view kPrefix = "reply-";
constexpr std::string_view kSuffix = ".html.pgp";
constexpr size_t kMaxIdChars = 64;

bool IdChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
}

}  // namespace

std::filesystem::path ReplyFolder(const std::filesystem::path& replies_dir,
                                  const std::string& token) {
  return replies_dir / token;
}

std::string NewReplyFileName(int64_t now, const std::string& random_hex) {
  return std::string(kPrefix) + FormatInstant(now).substr(0, 10) + "-" + random_hex +
         std::string(kSuffix);
}

bool IsReplyFileName(std::string_view name) {
  if (name.size() <= kPrefix.size() + kSuffix.size()) return false;
  if (name.substr(0, kPrefix.size()) != kPrefix) return false;
  if (name.substr(name.size() - kSuffix.size()) != kSuffix) return false;
  const std::string_view id =
      name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (id.size() > kMaxIdChars) return false;
  for (char c : id) {
    if (!IdChar(c)) return false;
  }
  return true;
}

}  // namespace portal
