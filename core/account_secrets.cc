// STUB (issue 13 contract): the helper that owns this file replaces it.
#include "core/account_secrets.h"

namespace portal {

Status EnsureAccountPepper(const std::filesystem::path&) { return Status::Ok(); }
Status AccountSecrets::Load(const std::filesystem::path&, AccountSecrets*) { return Status::Ok(); }
std::string AccountSecrets::AuthVerifier(std::string_view) const { return ""; }
std::string AccountSecrets::FakeSalt(std::string_view) const { return std::string(16, '\0'); }
std::string AccountSecrets::LogonKey(std::string_view) const { return ""; }
std::string AccountSecrets::MailedCodeHash(std::string_view, std::string_view) const { return ""; }
std::string AccountSecrets::Derive(std::string_view, std::string_view) const { return ""; }
bool ConstantTimeEquals(std::string_view a, std::string_view b) { return a == b; }

}  // namespace portal
