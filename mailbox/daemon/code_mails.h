#pragma once

#include <string>

#include "core/config.h"

namespace portal {

// The mails a registration or recovery can send (design: "E-mails"). Each carries the hospital's
// name, the code or a pointer, and the help line; never a name, MRN, Logon ID or record value.
struct CodeMail {
  std::string subject;
  std::string body;
};

// "Your code is NNNNNNNN ..." for the register page.
CodeMail RegisterCodeMail(const PortalConfig& config, const std::string& code);
// The same for Forgot Password (the recover page).
CodeMail RecoverCodeMail(const PortalConfig& config, const std::string& code);
// Registering again: the record has an account; Forgot Password and the help line.
CodeMail HasAccountMail(const PortalConfig& config);
// Forgot Password for a record without an account: Register.
CodeMail NoAccountMail(const PortalConfig& config);
// Not online (minor, deceased, any other standing): visit Medical Records with photo ID. No
// reason given.
CodeMail VisitMail(const PortalConfig& config, bool recover);

}  // namespace portal
