#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace portal {

// The mailbox queue's words, spelled once: what the SQL columns hold, what staff type and what
// the daemon answers. Parse* are false for anything else.

// What a patient sent.
enum class ItemKind { kMessage, kProfileChange };
std::string_view ToString(ItemKind kind);  // "message", "profile-change".
bool ParseItemKind(std::string_view text, ItemKind* out);
// Every kind's word, in declaration order (help texts, SQL CHECKs).
const std::vector<std::string_view>& ItemKindNames();

// Where an item is: FHIR Task status. received on arrival; accepted | rejected by staff;
// completed once exported, replied or read. requested is kept for documents queued before
// the daemon set received.
enum class ItemState { kRequested, kReceived, kAccepted, kRejected, kCompleted };
std::string_view ToString(ItemState state);
bool ParseItemState(std::string_view text, ItemState* out);
const std::vector<std::string_view>& ItemStateNames();

// Why staff rejected a request: codes only, because free text could put PHI in the clear.
enum class RejectionReason {
  kDuplicate,
  kUnverifiable,
  kInvalidValue,
  kNotAllowed,
  kWithdrawn,
  kOther,
};
std::string_view ToString(RejectionReason reason);
bool ParseRejectionReason(std::string_view text, RejectionReason* out);
const std::vector<std::string_view>& RejectionReasonNames();

// "'a', 'b', 'c'": the names quoted for an SQL IN (...) list.
std::string SqlList(const std::vector<std::string_view>& names);

}  // namespace portal
