#include "mailbox/common/queue_vocabulary.h"

namespace portal {

namespace {

template <typename E>
bool ParseName(const std::vector<std::string_view>& names, std::string_view text, E* out) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) {
      *out = static_cast<E>(i);
      return true;
    }
  }
  return false;
}

}  // namespace

const std::vector<std::string_view>& ItemKindNames() {
  static const std::vector<std::string_view> kNames = {"message", "profile-change"};
  return kNames;
}

std::string_view ToString(ItemKind kind) { return ItemKindNames()[static_cast<size_t>(kind)]; }

bool ParseItemKind(std::string_view text, ItemKind* out) {
  return ParseName(ItemKindNames(), text, out);
}

const std::vector<std::string_view>& ItemStateNames() {
  static const std::vector<std::string_view> kNames = {"requested", "received", "accepted",
                                                       "rejected", "completed"};
  return kNames;
}

std::string_view ToString(ItemState state) { return ItemStateNames()[static_cast<size_t>(state)]; }

bool ParseItemState(std::string_view text, ItemState* out) {
  return ParseName(ItemStateNames(), text, out);
}

const std::vector<std::string_view>& RejectionReasonNames() {
  static const std::vector<std::string_view> kNames = {
      "duplicate", "unverifiable", "invalid-value", "not-allowed", "withdrawn", "other"};
  return kNames;
}

std::string_view ToString(RejectionReason reason) {
  return RejectionReasonNames()[static_cast<size_t>(reason)];
}

bool ParseRejectionReason(std::string_view text, RejectionReason* out) {
  return ParseName(RejectionReasonNames(), text, out);
}

std::string SqlList(const std::vector<std::string_view>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += "'" + std::string(n) + "'";
  }
  return out;
}

}  // namespace portal
