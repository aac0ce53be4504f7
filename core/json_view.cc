#include "core/json_view.h"

namespace portal {

JsonView JsonView::operator[](std::string_view key) const {
  if (!IsObject()) return JsonView();
  const auto it = j_->find(key);
  return it == j_->end() ? JsonView() : JsonView(*it);
}

JsonView JsonView::operator[](size_t i) const {
  if (!IsArray() || i >= j_->size()) return JsonView();
  return JsonView((*j_)[i]);
}

std::string JsonView::Str(std::string_view fallback) const {
  if (!IsString()) return std::string(fallback);
  return j_->get_ref<const std::string&>();
}

bool JsonView::Int(int64_t* out) const {
  if (j_ == nullptr) return false;
  if (j_->is_number_integer() && !j_->is_number_unsigned()) {
    *out = j_->get<int64_t>();
    return true;
  }
  if (j_->is_number_unsigned()) {
    const uint64_t v = j_->get<uint64_t>();
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
    return true;
  }
  return false;
}

bool JsonView::Bool(bool* out) const {
  if (j_ == nullptr || !j_->is_boolean()) return false;
  *out = j_->get<bool>();
  return true;
}

const nlohmann::json& JsonView::json() const {
  static const nlohmann::json kNull;
  return j_ == nullptr ? kNull : *j_;
}

bool ParseJson(std::string_view text, nlohmann::json* out) {
  *out = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  return !out->is_discarded();
}

}  // namespace portal
