#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "core/status.h"

// libcurl stays out of the header (linked PRIVATE): its easy handle, as curl/curl.h declares it.
typedef void CURL;

namespace portal {

// The addr-spec of "Name <local@domain>" or of a bare "local@domain" (printable ASCII, one '@');
// "" if `mailbox` holds no such address.
std::string MailAddressIn(const std::string& mailbox);

// Plain-text e-mail through libcurl's SMTP client. Holds one CURL handle, so consecutive sends
// may reuse the connection; use one sender per thread. Each mail's Date header is `clock`'s time
// when it is sent; `clock` must outlive the sender.
class SmtpSender {
 public:
  explicit SmtpSender(const Clock& clock);
  ~SmtpSender();
  SmtpSender(const SmtpSender&) = delete;
  SmtpSender& operator=(const SmtpSender&) = delete;

  // Sends one mail from `config.from` to the bare address `to`, over TLS as `config` demands
  // (smtps:// always; smtp:// with STARTTLS per config.starttls), authenticated when
  // config.username is set (the password is read from config.password_file now; the file must
  // be readable by its owner only). Errors name the server URL and curl's message only: never
  // the recipient, subject or body.
  Status Send(const PortalConfig::Notifications& config, const std::string& to,
              const std::string& subject, const std::string& body);

 private:
  struct CurlDeleter {
    void operator()(CURL* curl) const;
  };
  const Clock& clock_;
  std::unique_ptr<CURL, CurlDeleter> curl_;
};

}  // namespace portal
