#include "tests/mailbox_fixture.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "core/base64.h"
#include "core/sqlite_db.h"

namespace portal::testing {

namespace fs = std::filesystem;

MailboxFixture::MailboxFixture(
    const std::vector<std::pair<std::string, std::string>>& config_edits) {
  for (const auto& [from, to] : config_edits) ReplaceInFile(config, from, to);
  alice = NewPerson("patient_a");
  bob = NewPerson("patient_b");
  stranger = NewPerson("stranger");
  staff = NewPerson("staff_rjones");
  Init();
  WriteExtract("patients.ndjson",
               {PatientLine({"pat-a", kMrnA, "Annika", "Lindqvist", "1970-05-05"}),
                PatientLine({"pat-b", kMrnB, "Percival", "Quenneville", "1968-09-09"})});
  auto r = Gen({"ingest", extracts.string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  Enroll(kMrnA, alice);
  Enroll(kMrnB, bob);
  r = Staff({"staff", "add", "--key", staff.key_file.string(), "--user", "rjones"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  r = RunCommand({"/usr/bin/gpg", "--batch", "--with-colons", "--show-keys",
                  (var / "mailbox-service-key.asc").string()});
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("fpr:") && service_fingerprint.empty()) {
      service_fingerprint = line.substr(12, line.find(':', 12) - 12);
    }
  }
  BOOST_REQUIRE_MESSAGE(service_fingerprint.size() == 40u, r.out);
  keys.Import(staff.home, var / "mailbox-service-key.asc");
  daemon = std::make_unique<MailboxDaemon>(config, root() / "mailboxd.log");
}

void MailboxFixture::StartDaemon() {
  std::string why;
  BOOST_REQUIRE_MESSAGE(daemon->Start(&why), why);
}

CommandResult MailboxFixture::StaffAs(const Person& who, std::vector<std::string> args) const {
  args.insert(args.begin(), {"/usr/bin/env", "GNUPGHOME=" + who.home.string(),
                             (BinaryDir() / "bin" / "portal-staff").string()});
  args.insert(args.end(), {"--config", config.string()});
  return RunCommand(args);
}

std::string MailboxFixture::MessageBody(const std::string& mrn, const std::string& to,
                                        const std::string& subject, const std::string& text,
                                        const std::string& nonce, const std::string& timestamp) {
  nlohmann::ordered_json j = {{"version", 1},
                              {"mrn", mrn},
                              {"to", to},
                              {"subject", subject},
                              {"body", text},
                              {"nonce", nonce},
                              {"timestamp", timestamp.empty() ? InstantFromNow() : timestamp}};
  return j.dump();
}

std::string MailboxFixture::Nonce() {
  static std::mt19937_64 rng(std::random_device{}());
  static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string n;
  for (int i = 0; i < 24; ++i) n += kChars[rng() % 62];
  return n;
}

HttpResult MailboxFixture::Post(const std::string& path, const std::string& body,
                                const Person* signer, std::map<std::string, std::string> headers) {
  headers.emplace("Content-Type", "application/json");
  if (signer != nullptr) {
    headers.emplace("Portal-Signature",
                    Base64Encode(keys.SignDetached(signer->home, signer->fingerprint, body)));
  }
  return HttpCall(daemon->port(), "POST", path, headers, body);
}

HttpResult MailboxFixture::QueryReceipt(const std::string& receipt, const std::string& mrn,
                                        const Person& signer, const std::string& nonce_in) {
  const std::string nonce = nonce_in.empty() ? Nonce() : nonce_in;
  const std::string ts = InstantFromNow();
  const std::string text =
      "GET /v1/receipts/" + receipt + "\n" + mrn + "\n" + ts + "\n" + nonce + "\n";
  return HttpCall(daemon->port(), "GET", "/v1/receipts/" + receipt,
                  {{"Portal-Mrn", mrn},
                   {"Portal-Timestamp", ts},
                   {"Portal-Nonce", nonce},
                   {"Portal-Signature",
                    Base64Encode(keys.SignDetached(signer.home, signer.fingerprint, text))}},
                  "");
}

std::map<std::string, std::string> MailboxFixture::QueuedDocuments() const {
  std::map<std::string, std::string> out;
  if (!fs::exists(var / "mailbox.sqlite")) return out;
  std::unique_ptr<SqliteDb> db;
  BOOST_REQUIRE(SqliteDb::Open(var / "mailbox.sqlite", SqliteDb::Journal::kWal, &db).ok());
  std::unique_ptr<SqliteStatement> q;
  BOOST_REQUIRE(db->Prepare("SELECT receipt, document FROM documents", &q).ok());
  for (bool row = false;;) {
    BOOST_REQUIRE(q->Step(&row).ok());
    if (!row) break;
    out[q->Text(0)] = q->Text(1);
  }
  return out;
}

bool MailboxFixture::OpenDocument(const std::string& sealed, std::string* plaintext) {
  const fs::path file = root() / "document.pgp";
  Spit(file, sealed);
  const auto r = keys.Decrypt(staff.home, file, plaintext);
  fs::remove(file);
  return r.exit_code == 0 &&
         r.out.find("[GNUPG:] VALIDSIG " + service_fingerprint) != std::string::npos;
}

}  // namespace portal::testing
