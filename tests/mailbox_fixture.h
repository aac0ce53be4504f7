#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/mailbox_support.h"
#include "tests/portal_fixture.h"

namespace portal::testing {

// A portal with two enrolled patients, a records-staff key and portal-mailboxd's state, all
// real: keys made at run time, the records ingested with portal-gen, the daemon's binary.
// Invented people only, with names unusual enough that finding one in output cannot be chance.
class MailboxFixture : public PortalFixture {
 public:
  // `config_edits`: (from, to) replacements in the config before anything runs.
  explicit MailboxFixture(
      const std::vector<std::pair<std::string, std::string>>& config_edits = {});

  static constexpr const char* kMrnA = "M100001";  // Annika Lindqvist.
  static constexpr const char* kMrnB = "M100005";  // Percival Quenneville.
  Person alice, bob, stranger, staff;
  std::string service_fingerprint;  // The mailbox's service key.
  std::unique_ptr<MailboxDaemon> daemon;

  // Starts (or restarts) the daemon; the test fails if it does not come up.
  void StartDaemon();

  // portal-staff run by `who`, with their own GnuPG home (GNUPGHOME).
  CommandResult StaffAs(const Person& who, std::vector<std::string> args) const;

  // A message request body, as a patient's app would write it.
  static std::string MessageBody(const std::string& mrn, const std::string& to,
                                 const std::string& subject, const std::string& text,
                                 const std::string& nonce, const std::string& timestamp = "");
  // A fresh nonce.
  static std::string Nonce();

  // POSTs `body` to `path`, signed by `signer` (no signature when signer is null).
  HttpResult Post(const std::string& path, const std::string& body, const Person* signer,
                  std::map<std::string, std::string> headers = {});
  // A signed status query for `receipt`.
  HttpResult QueryReceipt(const std::string& receipt, const std::string& mrn, const Person& signer,
                          const std::string& nonce = "");

  // Queued rows: receipt -> document bytes (read straight from mailbox.sqlite).
  std::map<std::string, std::string> QueuedDocuments() const;
  // Decrypts a queued document with the staff key; true only if the mailbox's service key made
  // a good signature over it. *plaintext gets the document.
  bool OpenDocument(const std::string& sealed, std::string* plaintext);
};

}  // namespace portal::testing
