// STUB (issue 13 contract): the helper that owns this file replaces it.
#include "core/account_codes.h"

namespace portal {

std::string NewActivationCode() { return ""; }
bool NormalizeActivationCode(std::string_view, std::string*) { return false; }
std::string ActivationCodeHash(std::string_view) { return ""; }
std::string GroupActivationCode(std::string_view s) { return std::string(s); }
std::string NewMailedCode() { return ""; }
bool IsMailedCode(std::string_view) { return false; }

}  // namespace portal
