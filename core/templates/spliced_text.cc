#include "core/templates/spliced_text.h"

#include <cstdlib>
#include <random>

namespace portal {

namespace {

constexpr char kMark = '\x1e';  // ASCII record separator.

const std::string& TokenPrefix() {
  static const std::string prefix = [] {
    std::random_device rd;
    const unsigned long long nonce = (static_cast<unsigned long long>(rd()) << 32) ^ rd();
    return std::string(1, kMark) + "splice-" + std::to_string(nonce) + "-";
  }();
  return prefix;
}

}  // namespace

SplicedText::SplicedText() : prefix_(TokenPrefix()) {}

std::string SplicedText::Add(std::vector<std::string_view> parts) {
  parts_.push_back(std::move(parts));
  return prefix_ + std::to_string(parts_.size() - 1) + kMark;
}

std::vector<std::string_view> SplicedText::Assemble(std::string_view rendered) const {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    const size_t at = rendered.find(prefix_, pos);
    if (at == std::string_view::npos) break;
    const size_t num = at + prefix_.size();
    const size_t end = rendered.find(kMark, num);
    if (end == std::string_view::npos) break;
    const size_t index =
        std::strtoul(std::string(rendered.substr(num, end - num)).c_str(), nullptr, 10);
    if (index >= parts_.size()) break;
    out.push_back(rendered.substr(pos, at - pos));
    out.insert(out.end(), parts_[index].begin(), parts_[index].end());
    pos = end + 1;
  }
  out.push_back(rendered.substr(pos));
  return out;
}

}  // namespace portal
