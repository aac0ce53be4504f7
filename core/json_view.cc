#include "core/json_view.h"

#include <unordered_set>

namespace portal {

namespace {

using json = nlohmann::json;

// nlohmann's own DOM builder, with each event checked first: a key seen before in the open
// object, or one level too many, stops the parse (a handler returning false ends sax_parse).
class StrictSax {
 public:
  StrictSax(json* root, size_t max_depth)
      : dom_(*root, /*allow_exceptions=*/false), max_depth_(max_depth) {}

  bool null() { return Value() && dom_.null(); }
  bool boolean(bool v) { return Value() && dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return Value() && dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return Value() && dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const json::string_t& s) {
    return Value() && dom_.number_float(v, s);
  }
  bool string(json::string_t& v) { return Value() && dom_.string(v); }
  bool binary(json::binary_t& v) { return Value() && dom_.binary(v); }
  bool start_object(size_t n) { return Open(true) && dom_.start_object(n); }
  bool end_object() {
    frames_.pop_back();
    return dom_.end_object();
  }
  bool start_array(size_t n) { return Open(false) && dom_.start_array(n); }
  bool end_array() {
    frames_.pop_back();
    return dom_.end_array();
  }
  bool key(json::string_t& k) {
    Frame& f = frames_.back();
    f.key = k;
    if (!f.keys.insert(k).second) {
      problem_ = Problem::kDuplicate;
      return false;
    }
    return dom_.key(k);
  }
  template <class Exception>
  bool parse_error(size_t position, const std::string& token, const Exception& e) {
    problem_ = Problem::kMalformed;
    return dom_.parse_error(position, token, e);
  }

  enum class Problem { kNone, kMalformed, kTooDeep, kDuplicate };
  Problem problem() const { return problem_; }

  // The path to the current key (the duplicate, once the parse stopped there).
  std::vector<std::string> Path() const {
    std::vector<std::string> path;
    for (const Frame& f : frames_) {
      path.push_back(f.object ? f.key : "[" + std::to_string(f.elements - 1) + "]");
    }
    return path;
  }

 private:
  struct Frame {
    bool object = false;
    std::string key;                       // Objects: the member being read.
    size_t elements = 0;                   // Arrays: how many have started.
    std::unordered_set<std::string> keys;  // Objects: the keys so far.
  };

  // Before any value: counts an array's elements, for the path.
  bool Value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().elements;
    return true;
  }

  bool Open(bool object) {
    Value();
    if (frames_.size() >= max_depth_) {
      problem_ = Problem::kTooDeep;
      return false;
    }
    frames_.emplace_back().object = object;
    return true;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  const size_t max_depth_;
  std::vector<Frame> frames_;
  Problem problem_ = Problem::kNone;
};

}  // namespace

Status ParseStrictJson(std::string_view text, json* out, const StrictJsonOptions& options,
                       std::vector<std::string>* duplicate) {
  *out = json(json::value_t::discarded);
  if (text.size() > options.max_bytes) {
    return Status::InvalidInput("larger than " + std::to_string(options.max_bytes) + " bytes");
  }
  json parsed;
  StrictSax sax(&parsed, options.max_depth);
  bool ok = false;
  try {
    ok = json::sax_parse(text.begin(), text.end(), &sax, json::input_format_t::json,
                         /*strict=*/true);
  } catch (const std::exception&) {  // Defensive: the DOM builder's exceptions are turned off.
    ok = false;
  }
  if (ok && sax.problem() == StrictSax::Problem::kNone) {
    *out = std::move(parsed);
    return Status::Ok();
  }
  switch (sax.problem()) {
    case StrictSax::Problem::kTooDeep:
      return Status::InvalidInput("nested deeper than " + std::to_string(options.max_depth) +
                                  " levels");
    case StrictSax::Problem::kDuplicate: {
      const std::vector<std::string> path = sax.Path();
      if (duplicate != nullptr) *duplicate = path;
      return Status::InvalidInput("duplicate key \"" + JsonPathText(path) + "\"");
    }
    default:
      return Status::InvalidInput("not valid JSON (UTF-8)");
  }
}

std::string JsonPathText(const std::vector<std::string>& path) {
  std::string text;
  for (const std::string& segment : path) {
    if (!text.empty() && !segment.starts_with('[')) text += '.';
    text += segment;
  }
  return text;
}

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
  return ParseStrictJson(text, out).ok();
}

}  // namespace portal
