#include "mailbox/daemon/code_mails.h"

namespace portal {

namespace {

constexpr char kCodeSubject[] = "Your Patient Portal code";
constexpr char kAccountSubject[] = "Your Patient Portal account";

std::string PageUrl(const PortalConfig& config, const std::string& path) {
  return config.site.base_url + path;
}

// The close every mail shares: the help line, that no medical information is inside, and who
// sent it.
std::string Closing(const PortalConfig& config) {
  return "\nQuestions? Call the " + config.help_line.name + " at " + config.help_line.display +
         ".\n\nThis e-mail was sent automatically and holds no medical information. Please do "
         "not reply to it.\n\n" +
         config.hospital.name + "\n";
}

// A mail without a code: what to do instead.
CodeMail PointerMail(const PortalConfig& config, const std::string& text) {
  return {kAccountSubject, text + "\n\nIf you did not ask, ignore this mail.\n" + Closing(config)};
}

std::string CodeBody(const PortalConfig& config, const std::string& code, const std::string& url,
                     const std::string& what, const std::string& otherwise) {
  return "Your code is " + code + ". It is valid for " +
         std::to_string(config.accounts.email_code_minutes) + " minutes. Enter it at " + url +
         what + ".\n\nIf you did not ask for it, ignore this mail" + otherwise + ".\n" +
         Closing(config);
}

}  // namespace

CodeMail RegisterCodeMail(const PortalConfig& config, const std::string& code) {
  return {kCodeSubject,
          CodeBody(config, code, PageUrl(config, config.accounts.register_path),
                   " to open your " + config.hospital.name + " Patient Portal account", "")};
}

CodeMail RecoverCodeMail(const PortalConfig& config, const std::string& code) {
  return {kCodeSubject, CodeBody(config, code, PageUrl(config, config.accounts.recover_path),
                                 " to reset your password", "; your password stays as it is")};
}

CodeMail HasAccountMail(const PortalConfig& config) {
  return PointerMail(config, "You asked to register for the " + config.hospital.name +
                                 " Patient Portal, but this record already has an account.\n\n"
                                 "Forgot your password? Reset it at " +
                                 PageUrl(config, config.accounts.recover_path) +
                                 ".\nForgot your Logon ID? Call the " + config.help_line.name +
                                 " at " + config.help_line.display + ".");
}

CodeMail NoAccountMail(const PortalConfig& config) {
  return PointerMail(config, "You asked to reset the password of a " + config.hospital.name +
                                 " Patient Portal account, but this record has no account "
                                 "yet.\n\nTo open one, register at " +
                                 PageUrl(config, config.accounts.register_path) + ".");
}

CodeMail VisitMail(const PortalConfig& config, bool recover) {
  const std::string what =
      recover ? "reset the password of a Patient Portal account" : "open a Patient Portal account";
  return PointerMail(config, "We cannot " + what + " for this record online. Please visit the " +
                                 config.hospital.records_department +
                                 " with photo ID; they will help you there.");
}

}  // namespace portal
