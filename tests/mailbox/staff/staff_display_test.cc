#define BOOST_TEST_MODULE staff_display_test
// What staff are shown, end to end on real parts (the daemon on loopback, real keys, the real
// mailbox.sqlite, portal-staff and portal-gen as built): a proxy's message and profile change
// are recorded and shown as the proxy's, for the patient; a sealed document copied into another
// queue row is refused; controls in a queued document or in record data reach the terminal only
// escaped. One portal and one daemon serve every case, in order.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/account_codes.h"
#include "core/account_store.h"
#include "core/enrollment_registry.h"
#include "core/sqlite_db.h"
#include "tests/mailbox_fixture.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::CommandResult;
using testing::HttpResult;
using testing::InstantFromNow;
using testing::MailboxFixture;
using Person = testing::PortalFixture::Person;

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

constexpr char kLabel[] = "Neighbour K.";

struct Portal : MailboxFixture {
  Person neighbour = NewPerson("proxy_neighbour");  // A proxy through a proxy code (labelled).
  Person desk_proxy;                                // A proxy staff granted at the desk.

  Portal() {
    desk_proxy = stranger;
    auto r = Staff({"proxy", "grant", "--mrn", kMrnA, "--key", desk_proxy.key_file.string()});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    LinkNeighbour();
    StartDaemon();
  }

  // The neighbour's account, made by the account store as an activation with a proxy code does:
  // the key pinned as Annika's proxy, the link labelled as staff wrote it on the code.
  void LinkNeighbour() {
    std::unique_ptr<EnrollmentRegistry> registry;
    BOOST_REQUIRE(EnrollmentRegistry::Open(var / "registry.sqlite", var / "keys", &registry).ok());
    std::unique_ptr<AccountStore> store;
    BOOST_REQUIRE(AccountStore::Open(registry.get(), &store).ok());
    std::string normalized;
    BOOST_REQUIRE(NormalizeActivationCode(NewActivationCode(), &normalized));
    ActivationCode code;
    code.code_hash = ActivationCodeHash(normalized);
    code.mrn = kMrnA;
    code.kind = CodeKind::kProxy;
    code.label = kLabel;
    code.created_at = 1;
    code.expires_at = 4102444800;  // 2100.
    BOOST_REQUIRE(store->AddActivationCode(code).ok());
    NewAccount a;
    a.logon_id = "neighbour.k";
    a.auth_verifier = std::string(32, 'v');
    a.key_blob = "opaque";
    a.key.fingerprint = neighbour.fingerprint;
    a.key_data = testing::Slurp(neighbour.key_file);
    a.mrn = kMrnA;
    a.patient_id = "pat-a";
    a.role = RecordRole::kProxy;
    a.activation_code_hash = code.code_hash;
    AccountOutcome outcome = AccountOutcome::kCodeSpent;
    std::string token;
    BOOST_REQUIRE(store->CreateAccount(a, 2, 5, &outcome, &token).ok());
    BOOST_REQUIRE((outcome == AccountOutcome::kDone));
    BOOST_REQUIRE(registry->SweepKeyFiles().ok());
  }

  std::string Submit(const std::string& path, const std::string& body, const Person& who) {
    const HttpResult r = Post(path, body, &who);
    BOOST_REQUIRE_MESSAGE(r.status == 202, r.status << " " << r.body);
    return json::parse(r.body)["receipt"].get<std::string>();
  }
  std::string Message(const Person& who, const char* mrn, const char* to, const std::string& body) {
    return Submit("/v1/messages", MessageBody(mrn, to, "A question", body, Nonce()), who);
  }
  static std::string Change(const char* mrn, const json& changes) {
    return json({{"version", 1},
                 {"mrn", mrn},
                 {"changes", changes},
                 {"nonce", Nonce()},
                 {"timestamp", InstantFromNow()}})
        .dump();
  }
  // The queued document of `receipt`, decrypted and its service signature checked.
  json Document(const std::string& receipt) {
    const auto rows = QueuedDocuments();
    BOOST_REQUIRE(rows.count(receipt) == 1u);
    std::string plain;
    BOOST_REQUIRE(OpenDocument(rows.at(receipt), &plain));
    return json::parse(plain);
  }
  json Json(const CommandResult& r) {
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    return json::parse(r.out);
  }
  // Sets [accounts] proxy_profile_changes and restarts the daemon with it.
  void ProxyProfileChanges(bool allowed) {
    testing::ReplaceInFile(
        config, allowed ? "proxy_profile_changes = false" : "proxy_profile_changes = true",
        allowed ? "proxy_profile_changes = true" : "proxy_profile_changes = false");
    daemon->Terminate();
    StartDaemon();
  }
};

// One portal for the whole binary (keys, ingest and daemon cost seconds each).
struct SharedPortal {
  SharedPortal() { portal = new Portal(); }
  ~SharedPortal() { delete portal; }
  static Portal* portal;
};
Portal* SharedPortal::portal = nullptr;
BOOST_TEST_GLOBAL_FIXTURE(SharedPortal);

Portal& P() { return *SharedPortal::portal; }

// The patient, as FHIR's identifier reference in the documents.
void CheckPatientReference(const json& ref) {
  BOOST_TEST(ref["reference"] == "Patient/pat-a");
  BOOST_TEST(ref["identifier"]["value"] == MailboxFixture::kMrnA);
}

// The document's contained RelatedPerson and Provenance for a proxy with key `fingerprint`.
void CheckProxyDocument(const json& doc, const char* sender_field, const std::string& fingerprint,
                        const std::string& label) {
  BOOST_TEST(doc[sender_field] == json({{"reference", "#proxy"}}));
  BOOST_REQUIRE(doc["contained"].is_array());
  json person, provenance;
  for (const auto& c : doc["contained"])
    (c["resourceType"] == "RelatedPerson" ? person : provenance) = c;
  BOOST_TEST(person["id"] == "proxy");
  BOOST_TEST(person["identifier"] ==
             json::array({{{"system", "urn:portal:proxy-key"}, {"value", fingerprint}}}));
  CheckPatientReference(person["patient"]);
  if (label.empty()) {
    BOOST_TEST(!person.contains("name"));
  } else {
    BOOST_TEST(person["name"] == json::array({{{"text", label}}}));
  }
  BOOST_TEST(provenance["resourceType"] == "Provenance");
  BOOST_TEST(provenance["target"] == json::array({{{"reference", "#"}}}));
  BOOST_TEST(provenance["agent"][0]["who"] == json({{"reference", "#proxy"}}));
  CheckPatientReference(provenance["agent"][0]["onBehalfOf"]);
  // Never the proxy's account name.
  BOOST_TEST(!Has(doc.dump(), "neighbour.k"));
}

BOOST_AUTO_TEST_CASE(a_proxys_message_is_recorded_and_shown_as_the_proxys_for_the_patient) {
  Portal& p = P();
  const std::string receipt = p.Message(p.neighbour, MailboxFixture::kMrnA, "conncare",
                                        "Could someone call her about the refill?");
  const json doc = p.Document(receipt);
  CheckProxyDocument(doc, "sender", p.neighbour.fingerprint, kLabel);
  CheckPatientReference(doc["subject"]);

  const auto shown = p.StaffAs(p.staff, {"show", receipt});
  BOOST_REQUIRE_MESSAGE(shown.exit_code == 0, shown.out);
  BOOST_TEST(Has(shown.out, "sent by proxy Neighbour K. for MRN M100001\n"), shown.out);
  BOOST_TEST(Has(shown.out, "proxy signature: good, key " + p.neighbour.fingerprint), shown.out);
  BOOST_TEST(!Has(shown.out, "patient signature"), shown.out);
  const json shown_json = p.Json(p.StaffAs(p.staff, {"show", receipt, "--json"}));
  BOOST_TEST(
      shown_json["sender"] ==
      json({{"role", "proxy"}, {"fingerprint", p.neighbour.fingerprint}, {"label", kLabel}}));

  const auto read = p.StaffAs(p.staff, {"inbox", "conncare", "--read", receipt});
  BOOST_REQUIRE_MESSAGE(read.exit_code == 0, read.out);
  BOOST_TEST(Has(read.out, "sent by proxy Neighbour K. for MRN M100001, sent "), read.out);
  BOOST_TEST(Has(read.out, "(proxy signature good, key " + p.neighbour.fingerprint + ")"),
             read.out);

  // A proxy staff pinned at the desk has no label: the key names them.
  const std::string desk = p.Message(p.desk_proxy, MailboxFixture::kMrnA, "conncare", "Hello?");
  CheckProxyDocument(p.Document(desk), "sender", p.desk_proxy.fingerprint, "");
  const auto desk_shown = p.StaffAs(p.staff, {"show", desk});
  BOOST_TEST(
      Has(desk_shown.out, "sent by proxy key " + p.desk_proxy.fingerprint + " for MRN M100001\n"),
      desk_shown.out);
}

BOOST_AUTO_TEST_CASE(the_patients_own_message_is_shown_as_before) {
  Portal& p = P();
  const std::string receipt =
      p.Message(p.alice, MailboxFixture::kMrnA, "conncare", "Do I need a visit?");
  const json doc = p.Document(receipt);
  BOOST_TEST(!doc.contains("contained"));
  BOOST_TEST(doc["sender"] == doc["subject"]);
  CheckPatientReference(doc["sender"]);
  const auto shown = p.StaffAs(p.staff, {"show", receipt});
  BOOST_TEST(
      Has(shown.out, "patient signature: good, key " + p.alice.fingerprint + "\nMRN: M100001\n"),
      shown.out);
  BOOST_TEST(!Has(shown.out, "proxy"), shown.out);
  const auto read = p.StaffAs(p.staff, {"inbox", "conncare", "--read", receipt});
  BOOST_TEST(Has(read.out, "from MRN M100001, sent "), read.out);
  BOOST_TEST(Has(read.out, "(patient signature good)"), read.out);
}

BOOST_AUTO_TEST_CASE(a_proxys_profile_change_is_refused_unless_the_config_allows_it) {
  Portal& p = P();
  const size_t before = p.QueuedDocuments().size();
  const std::string change = Portal::Change(MailboxFixture::kMrnA, {{"religion", "Quakerly"}});
  HttpResult r = p.Post("/v1/profile-changes", change, &p.neighbour);
  BOOST_TEST(r.status == 403, r.body);
  BOOST_TEST(Has(r.body, "a proxy may not request profile changes"), r.body);
  BOOST_TEST(Has(r.body, "nothing was stored"), r.body);
  BOOST_TEST(!Has(r.body, "Quakerly"), r.body);
  BOOST_TEST(p.QueuedDocuments().size() == before);
  // The patient's own change is taken as ever.
  p.Submit("/v1/profile-changes", Portal::Change(MailboxFixture::kMrnA, {{"religion", "Quakerly"}}),
           p.alice);

  p.ProxyProfileChanges(true);
  const std::string receipt =
      p.Submit("/v1/profile-changes",
               Portal::Change(MailboxFixture::kMrnA, {{"religion", "Quakerly"}}), p.neighbour);
  const json doc = p.Document(receipt);
  CheckProxyDocument(doc, "requester", p.neighbour.fingerprint, kLabel);
  CheckPatientReference(doc["for"]);
  const auto shown = p.StaffAs(p.staff, {"show", receipt});
  BOOST_TEST(Has(shown.out, "sent by proxy Neighbour K. for MRN M100001\n"), shown.out);
  BOOST_REQUIRE(p.StaffAs(p.staff, {"claim", receipt}).exit_code == 0);
  const json accepted = p.Json(p.StaffAs(p.staff, {"accept", receipt, "--json"}));
  std::istringstream lines(testing::Slurp(accepted["export"].get<std::string>()));
  std::string line;
  BOOST_REQUIRE(std::getline(lines, line));
  const json task = json::parse(line);
  BOOST_TEST(task["requester"] == json({{"reference", "#proxy"}}));
  BOOST_TEST(task["businessStatus"]["text"] ==
             "accepted: religion; rejected: none; requested by a proxy for the patient");
  CheckProxyDocument(task, "requester", p.neighbour.fingerprint, kLabel);
  p.ProxyProfileChanges(false);
}

// Copies row `from`'s sealed document over row `to`'s with the sqlite3 command line.
void CopyDocument(const Portal& p, const std::string& from, const std::string& to) {
  const auto r = testing::RunCommand(
      {"/usr/bin/sqlite3", (p.var / "mailbox.sqlite").string(),
       "UPDATE documents SET document = (SELECT document FROM documents WHERE receipt = '" + from +
           "') WHERE receipt = '" + to + "'; SELECT changes();"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0 && r.out == "1\n", r.out);
}

BOOST_AUTO_TEST_CASE(a_sealed_document_copied_into_another_row_is_refused) {
  Portal& p = P();
  // A private message to OB/Gyn, and another patient's to ConnCare.
  const std::string private_one =
      p.Message(p.alice, MailboxFixture::kMrnA, "ob-gyn-services", "A private question.");
  const std::string other = p.Message(p.bob, MailboxFixture::kMrnB, "conncare", "Refill?");
  CopyDocument(p, private_one, other);
  const std::string moved =
      "the document in queue row " + other + " belongs to another row; it was moved or copied";
  auto r = p.StaffAs(p.staff, {"show", other});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(Has(r.out, moved), r.out);
  BOOST_TEST(!Has(r.out, "A private question."), r.out);
  r = p.StaffAs(p.staff, {"inbox", "conncare", "--read", other});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(Has(r.out, moved), r.out);
  BOOST_TEST(!Has(r.out, "A private question."), r.out);
  // Still unread: nothing was marked read.
  bool listed = false;
  for (const auto& i : p.Json(p.StaffAs(p.staff, {"inbox", "conncare", "--json"}))) {
    listed = listed || i["receipt"] == other;
  }
  BOOST_TEST(listed);
  // The original row still shows, under its own provider.
  r = p.StaffAs(p.staff, {"show", private_one});
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(Has(r.out, "to: ob-gyn-services\n"), r.out);
  // A message copied into a profile change's row is refused the same way.
  const std::string change = p.Submit(
      "/v1/profile-changes", Portal::Change(MailboxFixture::kMrnB, {{"religion", "Stoic"}}), p.bob);
  CopyDocument(p, other, change);
  r = p.StaffAs(p.staff, {"show", change});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(Has(r.out, "the document in queue row " + change + " belongs to another row"), r.out);
}

// Seals `document` as the daemon does (signed by the mailbox's service key, encrypted to the
// staff key) with gpg, and puts it in row `receipt`: a document queued before the daemon
// refused controls, or one that a path it misses let through.
void QueueSealed(Portal& p, const std::string& receipt, const std::string& document) {
  const fs::path plain = p.root() / "crafted.json";
  const fs::path sealed = p.root() / "crafted.pgp";
  testing::Spit(plain, document);
  const auto r = testing::RunCommand(
      {"/usr/bin/gpg", "--homedir", (p.var / "gnupg" / "mailbox").string(), "--batch", "--yes",
       "-u", p.service_fingerprint, "-f", p.staff.key_file.string(), "--sign", "--encrypt", "-o",
       sealed.string(), plain.string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  std::unique_ptr<SqliteDb> db;
  BOOST_REQUIRE(SqliteDb::Open(p.var / "mailbox.sqlite", SqliteDb::Journal::kWal, &db).ok());
  std::unique_ptr<SqliteStatement> q;
  BOOST_REQUIRE(db->Prepare("UPDATE documents SET document = ?1 WHERE receipt = ?2", &q).ok());
  const std::string bytes = testing::Slurp(sealed);
  q->BindBlob(1, bytes).Bind(2, receipt);
  BOOST_REQUIRE(q->Run().ok());
  fs::remove(plain);
}

// None of the raw bytes a terminal acts on.
void CheckNoControls(const std::string& out) {
  BOOST_TEST(!Has(out, "\x1b"), out);
  BOOST_TEST(!Has(out, std::string(1, '\0')), out);
  BOOST_TEST(!Has(out, "\xc2\x9b"), out);
  BOOST_TEST(!Has(out, "\x07"), out);
}

BOOST_AUTO_TEST_CASE(controls_in_a_queued_document_are_shown_escaped) {
  Portal& p = P();
  const std::string receipt = p.Message(p.alice, MailboxFixture::kMrnA, "conncare", "Plain.");
  json doc = p.Document(receipt);
  // The review's cursor move over the MRN line, OSC 52 to the clipboard, a NUL, an 8-bit CSI.
  const std::string body = std::string("Hi\x1b[2A\rMRN: M100005\x1b]52;c;ZXZpbA==\x07 and") + '\0' +
                           "hidden \xc2\x9b"
                           "31mred";
  doc["topic"]["text"] = "Sub\x1b]0;title\x07ject";
  for (auto& part : doc["payload"]) {
    if (part.contains("contentString")) part["contentString"] = body;
  }
  QueueSealed(p, receipt, doc.dump());

  const auto shown = p.StaffAs(p.staff, {"show", receipt});
  BOOST_REQUIRE_MESSAGE(shown.exit_code == 0, shown.out);
  CheckNoControls(shown.out);
  BOOST_TEST(Has(shown.out,
                 "Hi\\x1b[2A\\x0dMRN: M100005\\x1b]52;c;ZXZpbA==\\x07 and\\x00hidden "
                 "\\u009b31mred"),
             shown.out);
  BOOST_TEST(Has(shown.out, "subject: Sub\\x1b]0;title\\x07ject\n"), shown.out);
  BOOST_TEST(Has(shown.out, "MRN: M100001\n"), shown.out);

  const auto read = p.StaffAs(p.staff, {"inbox", "conncare", "--read", receipt});
  BOOST_REQUIRE_MESSAGE(read.exit_code == 0, read.out);
  CheckNoControls(read.out);
  BOOST_TEST(Has(read.out, "\\x1b]52;c;ZXZpbA==\\x07 and\\x00hidden \\u009b31mred"), read.out);
  // --json keeps the text itself (the JSON writer escapes C0 as \u001b, \u0000).
  const json as_json = p.Json(p.StaffAs(p.staff, {"show", receipt, "--json"}));
  BOOST_TEST(as_json["body"] == body);
}

BOOST_AUTO_TEST_CASE(controls_in_a_profile_change_and_the_record_are_shown_escaped) {
  Portal& p = P();
  const std::string receipt = p.Submit(
      "/v1/profile-changes", Portal::Change(MailboxFixture::kMrnB, {{"religion", "Stoic"}}), p.bob);
  json doc = p.Document(receipt);
  for (auto& input : doc["input"]) {
    if (input.contains("valueCodeableConcept")) {
      input["valueCodeableConcept"]["text"] = "Sto\x1b[8mic\xc2\x9b";
    }
  }
  QueueSealed(p, receipt, doc.dump());
  const auto shown = p.StaffAs(p.staff, {"show", receipt});
  BOOST_REQUIRE_MESSAGE(shown.exit_code == 0, shown.out);
  CheckNoControls(shown.out);
  BOOST_TEST(Has(shown.out, "Sto\\x1b[8mic\\u009b"), shown.out);
}

BOOST_AUTO_TEST_CASE(portal_gen_preview_shows_controls_from_record_data_escaped) {
  Portal& p = P();
  p.WriteExtract("labs.ndjson",
                 {testing::LabLine("lab-esc", "pat-a", "Potassium\x1b[2J\x1b]52;c;eA==\x07 level",
                                   "2025-01-10T09:00:00Z")});
  auto r = p.Gen({"ingest", p.extracts.string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  r = p.Gen({"preview", "--mrn", MailboxFixture::kMrnA});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  CheckNoControls(r.out);
  BOOST_TEST(Has(r.out, "Potassium\\x1b[2J\\x1b]52;c;eA==\\x07 level"), r.out);
}

}  // namespace
}  // namespace portal
