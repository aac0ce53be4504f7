#define BOOST_TEST_MODULE registration_test
// POST /v1/registrations and /v1/recoveries on the real daemon with mail on (Debian's aiosmtpd on
// loopback): one 202 for everybody, and the mail the records call for — a code, a pointer to
// Forgot Password or to Register, "visit Medical Records" — or none; at most three codes a day;
// the per-MRN bucket; strict bodies; nothing sealed in the log. The patient directory comes from
// a real `portal-gen nightly`; invented people only.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "core/account_store.h"
#include "core/enrollment_registry.h"
#include "core/parse_number.h"
#include "core/sqlite_db.h"
#include "tests/account_client.h"
#include "tests/mailbox_fixture.h"
#include "tests/smtp_sink.h"

namespace portal::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Edits = std::vector<std::pair<std::string, std::string>>;

// What the copied content/portal.toml says, written out.
constexpr char kRegisterUrl[] = "https://www.backushospital.org/portal-help/account/register";
constexpr char kRecoverUrl[] = "https://www.backushospital.org/portal-help/account/recover";
constexpr char kHelpLine[] = "860 823-6363";
constexpr char kRecordsDepartment[] = "Backus Medical Records Department";
constexpr char kCodeSubject[] = "Your Patient Portal code";
constexpr char kMailOff[] = "self-enrolment by e-mail is not available; visit Medical Records";

struct Invented {
  FakePatient patient;
  std::string email;  // The address on record.
};
const Invented kEligible{{"pat-ig", "M300001", "Ingeborg", "Wrexhamsted", "1975-08-19"},
                         "i.wrexhamsted@example.net"};
const Invented kWithAccount{{"pat-co", "M300002", "Cornelius", "Abernathwaite", "1958-02-11"},
                            "cornelius.abernathwaite@example.org"};
const Invented kDeskEnrolled{{"pat-ro", "M300003", "Rosalind", "Fitzwarrenby", "1983-12-01"},
                             "rfitzwarrenby@example.com"};
const Invented kMinor{{"pat-pe", "M300004", "Peregrine", "Hollowstitch", "2015-04-04"},
                      "hollowstitch.family@example.org"};
const Invented kDeceased{{"pat-au", "M300005", "Augustina", "Penhaligon", "1931-07-07", true},
                         "penhaligon.estate@example.com"};
constexpr char kUnknownMrn[] = "M399999";

std::string PatientWithEmail(const Invented& who) {
  json j = json::parse(PatientLine(who.patient));
  j["telecom"] = json::array({{{"system", "phone"}, {"value", "860-555-0142"}},
                              {{"system", "email"}, {"value", who.email}}});
  return j.dump();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

json Json(const HttpResult& r) { return json::parse(r.body, nullptr, false); }
std::string Header(const HttpResult& r, const std::string& name) {
  const auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

// Every request here comes from 127.0.0.1: the per-address buckets must not be what answers.
Edits OpenBuckets(const std::string& per_mrn_per_hour) {
  return {{"per_address_per_minute = 120", "per_address_per_minute = 100000"},
          {"per_address_burst = 60", "per_address_burst = 100000"},
          {"per_address_per_minute = 20 ", "per_address_per_minute = 100000 "},
          {"per_address_burst = 10\n", "per_address_burst = 100000\n"},
          {"per_mrn_per_hour = 6 ", "per_mrn_per_hour = " + per_mrn_per_hour + " "}};
}

Edits MailOn(uint16_t smtp_port, const std::string& per_mrn_per_hour) {
  Edits e = OpenBuckets(per_mrn_per_hour);
  e.insert(e.end(), {{"# smtp_url = \"smtp://mail.backushospital.org:587\"",
                      "smtp_url = \"smtp://127.0.0.1:" + std::to_string(smtp_port) + "\""},
                     {"starttls = \"required\"", "starttls = \"off\""},
                     {"# from = \"Backus", "from = \"Backus"},
                     {"poll_seconds = 30 ", "poll_seconds = 1 "},
                     {"retry_initial_seconds = 60", "retry_initial_seconds = 1"},
                     {"retry_max_seconds = 3600", "retry_max_seconds = 2"}});
  return e;
}

// The SMTP port, chosen before the fixture writes it into the config.
struct SmtpPort {
  uint16_t smtp_port = FreePort();
};

// Mail on, the invented patients ingested (one desk-enrolled, one with an account), the
// directory built by a nightly run, the daemon up.
class MailFixture : public SmtpPort, public MailboxFixture {
 public:
  explicit MailFixture(const std::string& per_mrn_per_hour = "1000")
      : MailboxFixture(MailOn(smtp_port, per_mrn_per_hour)), sink(root(), smtp_port) {
    std::string why;
    BOOST_REQUIRE_MESSAGE(sink.Start(&why), why);
    WriteExtract("invented.ndjson", {PatientWithEmail(kEligible), PatientWithEmail(kWithAccount),
                                     PatientWithEmail(kDeskEnrolled), PatientWithEmail(kMinor),
                                     PatientWithEmail(kDeceased)});
    auto r = Gen({"ingest", extracts.string()});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    Enroll(kDeskEnrolled.patient.mrn, NewPerson("patient_ro"));
    OpenAccount(kWithAccount, NewPerson("patient_co"));
    r = Gen({"nightly"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    StartDaemon();
  }

  SmtpSink sink;

  HttpResult Ask(const std::string& mrn, const std::string& email, bool recover = false) {
    return Post(recover ? "/v1/recoveries" : "/v1/registrations", CodeRequestBody(mrn, email),
                nullptr);
  }

  // Mails to `to` so far, compared without letter case (the mail goes to the address as typed).
  std::vector<ArrivedMail> MailsTo(const std::string& to) const {
    std::vector<ArrivedMail> mine;
    for (auto& m : sink.Mails()) {
      if (m.headers.count("To") && Lower(m.headers.at("To")).find(Lower(to)) != std::string::npos) {
        mine.push_back(m);
      }
    }
    return mine;
  }
  // Waits (at most 30 s) until `count` mails went to `to`; all of them.
  std::vector<ArrivedMail> WaitForMails(const std::string& to, size_t count) {
    for (int i = 0; i < 300; ++i) {
      auto mails = MailsTo(to);
      if (mails.size() >= count) return mails;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    BOOST_FAIL("an awaited mail to an invented patient did not arrive");
    return {};
  }
  // The mailer works requests in order and the outbox sends them in order: once a mail asked for
  // after some requests has arrived, whatever those requests sent has arrived too. Asks for the
  // minor's "visit" mail and waits for it.
  void Barrier() {
    const size_t before = MailsTo(kMinor.email).size();
    BOOST_REQUIRE_EQUAL(Ask(kMinor.patient.mrn, kMinor.email).status, 202);
    WaitForMails(kMinor.email, before + 1);
  }

  // The mailed_codes rows of `mrn`, read straight from the registry's file.
  struct CodeRow {
    std::string purpose, code_hash, email;
    int64_t created_at = 0, expires_at = 0;
  };
  std::vector<CodeRow> CodeRows(const std::string& mrn) const {
    std::unique_ptr<SqliteDb> db;
    BOOST_REQUIRE(SqliteDb::Open(var / "registry.sqlite", SqliteDb::Journal::kWal, &db).ok());
    std::unique_ptr<SqliteStatement> q;
    BOOST_REQUIRE(db->Prepare("SELECT purpose, code_hash, email, created_at, expires_at FROM "
                              "mailed_codes WHERE mrn = ?1 ORDER BY id",
                              &q)
                      .ok());
    q->Bind(1, mrn);
    std::vector<CodeRow> rows;
    for (bool row = false;;) {
      BOOST_REQUIRE(q->Step(&row).ok());
      if (!row) break;
      rows.push_back({q->Text(0), q->Text(1), q->Text(2), q->Int(3), q->Int(4)});
    }
    return rows;
  }
  // Mail rows in the outbox, sent or not.
  int64_t OutboxRows() const {
    if (!fs::exists(var / "outbox.sqlite")) return 0;
    std::unique_ptr<SqliteDb> db;
    BOOST_REQUIRE(SqliteDb::Open(var / "outbox.sqlite", SqliteDb::Journal::kWal, &db).ok());
    std::unique_ptr<SqliteStatement> q;
    BOOST_REQUIRE(db->Prepare("SELECT count(*) FROM mail", &q).ok());
    bool row = false;
    BOOST_REQUIRE(q->Step(&row).ok() && row);
    return q->Int(0);
  }

  // What is stored of an e-mailed code, worked out apart from the daemon (Python): hex of
  // HMAC-SHA256 keyed with HMAC-SHA256(pepper, "portal accounts v1 mailed-code") over
  // mrn + "\n" + code.
  std::string CodeHashByPython(const std::string& mrn, const std::string& code) const {
    const std::string program =
        "import hashlib, hmac, sys\n"
        "pepper = open(sys.argv[1], 'rb').read()\n"
        "key = hmac.new(pepper, b'portal accounts v1 mailed-code', hashlib.sha256).digest()\n"
        "print(hmac.new(key, (sys.argv[2] + '\\n' + sys.argv[3]).encode(), "
        "hashlib.sha256).hexdigest(), end='')\n";
    const CommandResult r = RunCommand(
        {"/usr/bin/python3", "-c", program, (var / "accounts.pepper").string(), mrn, code});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    return r.out;
  }

  // No invented person's MRN, name or address, and none of `more`, in the daemon's log; nor any
  // name, MRN, birth date or address in a mail (but the recipient's in To).
  void CheckNothingLeaked(const std::vector<std::string>& more = {}) {
    std::vector<std::string> sealed = more;
    for (const Invented* who : {&kEligible, &kWithAccount, &kDeskEnrolled, &kMinor, &kDeceased}) {
      sealed.insert(sealed.end(), {who->patient.mrn, who->patient.given, who->patient.family,
                                   who->email, Lower(who->email)});
    }
    sealed.insert(sealed.end(), {kUnknownMrn, kMrnA, kMrnB, "Annika", "Lindqvist"});
    const std::string log = daemon->Log();
    BOOST_TEST(!log.empty());
    for (const auto& s : sealed) {
      BOOST_TEST(log.find(s) == std::string::npos, "a sealed value is in the daemon's log");
    }
    for (const auto& mail : sink.Mails()) {
      std::string text = mail.body;
      for (const auto& [name, value] : mail.headers) {
        // The recipient, and the sink's own note of it (aiosmtpd adds X-RcptTo).
        if (name != "To" && name != "X-RcptTo") text += "\n" + name + ": " + value;
      }
      for (const Invented* who : {&kEligible, &kWithAccount, &kDeskEnrolled, &kMinor, &kDeceased}) {
        for (const std::string& s : {who->patient.mrn, who->patient.given, who->patient.family,
                                     Lower(who->email), who->patient.birth_date}) {
          BOOST_TEST(Lower(text).find(Lower(s)) == std::string::npos,
                     "a record value in a mail: " << mail.headers.at("Subject"));
        }
      }
    }
  }

 private:
  // A self account on `who`'s record, opened with a staff code through the account store as an
  // activation opens it (the endpoint itself is activation_test's).
  void OpenAccount(const Invented& who, const Person& key) {
    std::unique_ptr<EnrollmentRegistry> registry;
    BOOST_REQUIRE(EnrollmentRegistry::Open(var / "registry.sqlite", var / "keys", &registry).ok());
    std::unique_ptr<AccountStore> store;
    BOOST_REQUIRE(AccountStore::Open(registry.get(), &store).ok());
    ActivationCode code;
    code.code_hash = "test-code";
    code.mrn = who.patient.mrn;
    code.created_at = 1'700'000'000;
    code.expires_at = code.created_at + 86400;
    BOOST_REQUIRE(store->AddActivationCode(code).ok());
    NewAccount a;
    a.logon_id = "cornelius.a";
    a.kdf.salt = std::string(16, 's');
    a.auth_verifier = std::string(32, 'v');
    a.key_blob = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n";
    a.key.fingerprint = key.fingerprint;
    a.key_data = Slurp(key.key_file);
    a.mrn = who.patient.mrn;
    a.patient_id = who.patient.id;
    a.activation_code_hash = code.code_hash;
    AccountOutcome outcome = AccountOutcome::kCodeSpent;
    std::string token;
    BOOST_REQUIRE(store->CreateAccount(a, code.created_at + 1, 5, &outcome, &token).ok());
    BOOST_REQUIRE(outcome == AccountOutcome::kDone);
  }
};

// The 8-digit code a mail carries ("" if none).
std::string CodeIn(const ArrivedMail& mail) {
  std::smatch m;
  static const std::regex kCode("Your code is ([0-9]{8})\\. It is valid for 30 minutes\\.");
  return std::regex_search(mail.body, m, kCode) ? m[1].str() : "";
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// What every mail carries: the hospital, the help line, nothing to answer.
void ExpectCommonParts(const ArrivedMail& mail) {
  BOOST_TEST(Has(mail.body, "Backus Hospital"), mail.body);
  BOOST_TEST(Has(mail.body, kHelpLine));
}

void ExpectVisitMail(const ArrivedMail& mail) {
  ExpectCommonParts(mail);
  BOOST_TEST(mail.headers.at("Subject") == "Your Patient Portal account");
  BOOST_TEST(Has(mail.body, kRecordsDepartment), mail.body);
  BOOST_TEST(Has(mail.body, "photo ID"));
  BOOST_TEST(CodeIn(mail).empty());
  BOOST_TEST(!Has(Lower(mail.body), "minor"));  // No reason given.
  BOOST_TEST(!Has(Lower(mail.body), "deceased"));
  BOOST_TEST(!Has(Lower(mail.body), "died"));
}

BOOST_AUTO_TEST_CASE(without_a_mail_server_everybody_gets_the_same_503) {
  MailboxFixture f(OpenBuckets("6"));
  f.WriteExtract("invented.ndjson", {PatientWithEmail(kEligible)});
  BOOST_REQUIRE_EQUAL(f.Gen({"ingest", f.extracts.string()}).exit_code, 0);
  BOOST_REQUIRE_EQUAL(f.Gen({"nightly"}).exit_code, 0);
  f.StartDaemon();
  const HttpResult known =
      f.Post("/v1/registrations", CodeRequestBody(kEligible.patient.mrn, kEligible.email), nullptr);
  BOOST_TEST(known.status == 503);
  BOOST_TEST(Json(known).value("detail", "") == kMailOff, known.body);
  for (const char* path : {"/v1/registrations", "/v1/recoveries"}) {
    for (const std::string& body :
         {CodeRequestBody(kUnknownMrn, "someone@example.org"),
          CodeRequestBody(kEligible.patient.mrn, kEligible.email), std::string("not json"),
          std::string("{\"mrn\":\"M300001\"}")}) {
      const HttpResult r = f.Post(path, body, nullptr);
      BOOST_TEST(r.status == 503, path << " " << r.body);
      BOOST_TEST(r.body == known.body);
    }
  }
  // Nothing was looked up or kept: no code, no mail.
  std::unique_ptr<SqliteDb> db;
  BOOST_REQUIRE(SqliteDb::Open(f.var / "registry.sqlite", SqliteDb::Journal::kWal, &db).ok());
  std::unique_ptr<SqliteStatement> q;
  BOOST_REQUIRE(db->Prepare("SELECT count(*) FROM mailed_codes", &q).ok());
  bool row = false;
  BOOST_REQUIRE(q->Step(&row).ok() && row);
  BOOST_TEST(q->Int(0) == 0);
  const std::string log = f.daemon->Log();
  BOOST_TEST(!Has(log, kEligible.patient.mrn));
  BOOST_TEST(!Has(log, kEligible.email));
}

BOOST_FIXTURE_TEST_CASE(registrations_mail_what_the_record_calls_for, MailFixture) {
  // Eligible, not enrolled, the address on record typed in other letter case: a code.
  const std::string typed = "I.Wrexhamsted@Example.NET";
  const HttpResult first = Ask(kEligible.patient.mrn, typed);
  BOOST_REQUIRE_EQUAL(first.status, 202);
  BOOST_TEST(Header(first, "content-type") == "application/json");
  const json accepted = Json(first);
  BOOST_TEST(accepted.value("status", "") == "accepted");
  BOOST_TEST(accepted.size() == 2u);
  BOOST_TEST(!accepted.value("detail", "").empty());
  auto mails = WaitForMails(kEligible.email, 1);
  BOOST_TEST(mails[0].headers.at("Subject") == kCodeSubject);
  BOOST_TEST(mails[0].headers.at("To").find(typed) != std::string::npos);
  BOOST_TEST(Has(mails[0].body, kRegisterUrl), mails[0].body);
  BOOST_TEST(Has(mails[0].body, "If you did not ask for it, ignore this mail"));
  ExpectCommonParts(mails[0]);
  std::set<std::string> codes = {CodeIn(mails[0])};
  BOOST_TEST(std::regex_match(*codes.begin(), std::regex("[0-9]{8}")), mails[0].body);

  // Its row: the code's HMAC (not the code), the address it went to, valid 30 minutes.
  auto rows = CodeRows(kEligible.patient.mrn);
  BOOST_REQUIRE_EQUAL(rows.size(), 1u);
  BOOST_TEST(rows[0].purpose == "register");
  BOOST_TEST(rows[0].code_hash == CodeHashByPython(kEligible.patient.mrn, *codes.begin()));
  BOOST_TEST(rows[0].email == typed);
  BOOST_TEST(rows[0].expires_at - rows[0].created_at == 30 * 60);

  // Every other case: the same 202, byte for byte, and the right mail or none.
  auto same = [&](const HttpResult& r) {
    BOOST_TEST(r.status == 202);
    BOOST_TEST(r.body == first.body);
  };
  same(Ask(kEligible.patient.mrn, "someone.else@example.net"));  // Not on record: nothing.
  same(Ask(kUnknownMrn, kEligible.email));                       // No such patient: nothing.
  same(Ask(kMinor.patient.mrn, kEligible.email));                // Another record's: nothing.
  same(Ask(kDeceased.patient.mrn, kDeceased.email));             // Visit Medical Records.
  same(Ask(kWithAccount.patient.mrn, kWithAccount.email));       // Forgot Password.
  same(Ask(kDeskEnrolled.patient.mrn, kDeskEnrolled.email));     // Enrolled, no account: a code.
  Barrier();
  BOOST_TEST(MailsTo(kEligible.email).size() == 1u);
  BOOST_TEST(CodeRows(kUnknownMrn).empty());
  BOOST_TEST(CodeRows(kMinor.patient.mrn).empty());
  BOOST_TEST(CodeRows(kDeceased.patient.mrn).empty());
  BOOST_TEST(CodeRows(kWithAccount.patient.mrn).empty());
  ExpectVisitMail(WaitForMails(kMinor.email, 1)[0]);
  const auto deceased = WaitForMails(kDeceased.email, 1);
  BOOST_TEST(deceased.size() == 1u);
  ExpectVisitMail(deceased[0]);
  BOOST_TEST(Has(deceased[0].body, "open a Patient Portal account"), deceased[0].body);
  const auto pointer = WaitForMails(kWithAccount.email, 1);
  BOOST_TEST(pointer.size() == 1u);
  ExpectCommonParts(pointer[0]);
  BOOST_TEST(pointer[0].headers.at("Subject") == "Your Patient Portal account");
  BOOST_TEST(Has(pointer[0].body, kRecoverUrl), pointer[0].body);
  BOOST_TEST(Has(pointer[0].body, "Logon ID"));
  BOOST_TEST(CodeIn(pointer[0]).empty());
  const auto desk = WaitForMails(kDeskEnrolled.email, 1);
  BOOST_TEST(desk.size() == 1u);
  const std::string desk_code = CodeIn(desk[0]);
  BOOST_TEST(!desk_code.empty(), desk[0].body);
  BOOST_TEST(CodeRows(kDeskEnrolled.patient.mrn).size() == 1u);

  // Two more codes in the day; the fourth request gets the same 202 and no code.
  for (size_t n = 2; n <= 3; ++n) {
    same(Ask(kEligible.patient.mrn, kEligible.email));
    mails = WaitForMails(kEligible.email, n);
    for (const auto& m : mails) codes.insert(CodeIn(m));
    BOOST_TEST(codes.size() == n);  // Each a new code.
  }
  same(Ask(kEligible.patient.mrn, kEligible.email));
  Barrier();
  BOOST_TEST(MailsTo(kEligible.email).size() == 3u);
  rows = CodeRows(kEligible.patient.mrn);
  BOOST_REQUIRE_EQUAL(rows.size(), 3u);
  std::set<std::string> hashes;
  for (const std::string& code : codes)
    hashes.insert(CodeHashByPython(kEligible.patient.mrn, code));
  for (const auto& row : rows) BOOST_TEST(hashes.count(row.code_hash) == 1u);

  std::vector<std::string> sealed(codes.begin(), codes.end());
  sealed.insert(sealed.end(), {desk_code, typed, "someone.else@example.net"});
  CheckNothingLeaked(sealed);
}

BOOST_FIXTURE_TEST_CASE(recoveries_mail_what_the_record_calls_for, MailFixture) {
  // The record has an account: a code to reset the password.
  const HttpResult first = Ask(kWithAccount.patient.mrn, kWithAccount.email, /*recover=*/true);
  BOOST_REQUIRE_EQUAL(first.status, 202);
  BOOST_TEST(Json(first).value("status", "") == "accepted");
  // The same answer as a registration's.
  BOOST_TEST(Ask(kUnknownMrn, kWithAccount.email).body == first.body);
  auto mails = WaitForMails(kWithAccount.email, 1);
  BOOST_TEST(mails[0].headers.at("Subject") == kCodeSubject);
  BOOST_TEST(Has(mails[0].body, kRecoverUrl), mails[0].body);
  BOOST_TEST(Has(mails[0].body, "reset your password"));
  ExpectCommonParts(mails[0]);
  std::set<std::string> codes = {CodeIn(mails[0])};
  BOOST_TEST(!codes.begin()->empty(), mails[0].body);
  auto rows = CodeRows(kWithAccount.patient.mrn);
  BOOST_REQUIRE_EQUAL(rows.size(), 1u);
  BOOST_TEST(rows[0].purpose == "recover");
  BOOST_TEST(rows[0].code_hash == CodeHashByPython(kWithAccount.patient.mrn, *codes.begin()));
  BOOST_TEST(rows[0].expires_at - rows[0].created_at == 30 * 60);

  auto same = [&](const HttpResult& r) {
    BOOST_TEST(r.status == 202);
    BOOST_TEST(r.body == first.body);
  };
  same(Ask(kEligible.patient.mrn, kEligible.email, true));             // No account: Register.
  same(Ask(kDeceased.patient.mrn, kDeceased.email, true));             // Visit Medical Records.
  same(Ask(kWithAccount.patient.mrn, "cornelius@example.org", true));  // Not on record: none.
  same(Ask(kUnknownMrn, kWithAccount.email, true));                    // No such patient: none.
  same(Ask(kDeskEnrolled.patient.mrn, kDeskEnrolled.email, true));     // No account: Register.
  Barrier();
  const auto to_register = WaitForMails(kEligible.email, 1);
  BOOST_TEST(to_register.size() == 1u);
  ExpectCommonParts(to_register[0]);
  BOOST_TEST(Has(to_register[0].body, kRegisterUrl), to_register[0].body);
  BOOST_TEST(CodeIn(to_register[0]).empty());
  BOOST_TEST(CodeRows(kEligible.patient.mrn).empty());
  BOOST_TEST(WaitForMails(kDeskEnrolled.email, 1).size() == 1u);
  BOOST_TEST(CodeRows(kDeskEnrolled.patient.mrn).empty());
  const auto visit = WaitForMails(kDeceased.email, 1);
  ExpectVisitMail(visit[0]);
  BOOST_TEST(Has(visit[0].body, "reset the password"), visit[0].body);
  BOOST_TEST(MailsTo(kWithAccount.email).size() == 1u);

  // Codes of either purpose count toward the three a day.
  same(Ask(kWithAccount.patient.mrn, kWithAccount.email, true));
  same(Ask(kWithAccount.patient.mrn, kWithAccount.email, true));
  mails = WaitForMails(kWithAccount.email, 3);
  for (const auto& m : mails) codes.insert(CodeIn(m));
  BOOST_TEST(codes.size() == 3u);
  same(Ask(kWithAccount.patient.mrn, kWithAccount.email, true));
  Barrier();
  BOOST_TEST(MailsTo(kWithAccount.email).size() == 3u);
  BOOST_TEST(CodeRows(kWithAccount.patient.mrn).size() == 3u);

  std::vector<std::string> sealed(codes.begin(), codes.end());
  sealed.push_back("cornelius@example.org");
  sealed.push_back("cornelius.a");  // The account's Logon ID.
  CheckNothingLeaked(sealed);
}

BOOST_FIXTURE_TEST_CASE(bad_bodies_are_refused_naming_the_field_and_nothing_is_kept, MailFixture) {
  const std::string mrn = kEligible.patient.mrn;
  const std::string email = kEligible.email;
  struct Bad {
    std::string body;
    int status;
    std::string field;  // "" = the body as a whole.
  };
  const std::vector<Bad> bads = {
      {"{\"mrn\": \"" + mrn + "\", \"email\": ", 400, ""},
      {"[\"" + mrn + "\", \"" + email + "\"]", 400, ""},
      {"\"" + mrn + "\"", 400, ""},
      {"{\"mrn\":\"" + mrn + "\",\"email\":\"" + email + "\",\"birth_date\":\"1975-08-19\"}", 400,
       ""},
      // A key twice is named (issue 15): the request's own names only.
      {"{\"mrn\":\"" + mrn + "\",\"email\":\"" + email + "\",\"email\":\"" + email + "\"}", 422,
       "email"},
      {"{\"mrn\":\"" + mrn + "\",\"mrn\":\"" + mrn + "\",\"email\":\"" + email + "\"}", 422, "mrn"},
      {"{\"email\":\"" + email + "\"}", 422, "mrn"},
      {"{\"mrn\":\"" + mrn + "\"}", 422, "email"},
      {"{\"mrn\":300001,\"email\":\"" + email + "\"}", 422, "mrn"},
      {"{\"mrn\":\"" + mrn + "\",\"email\":[\"" + email + "\"]}", 422, "email"},
      {"{\"mrn\":\"m300001\",\"email\":\"" + email + "\"}", 422, "mrn"},
      {"{\"mrn\":\"M30000\",\"email\":\"" + email + "\"}", 422, "mrn"},
      {"{\"mrn\":\"M300001 \",\"email\":\"" + email + "\"}", 422, "mrn"},
      {"{\"mrn\":\"" + mrn + "\",\"email\":\"i.wrexhamsted.example.net\"}", 422, "email"},
      {"{\"mrn\":\"" + mrn + "\",\"email\":\"Ingeborg <" + email + ">\"}", 422, "email"},
      {"{\"mrn\":\"" + mrn + "\",\"email\":\"" + email + "\\r\\nBcc: x@example.org\"}", 422,
       "email"},
      {"{\"mrn\":\"" + mrn + "\",\"email\":\"" + std::string(300, 'i') + "@example.net\"}", 422,
       "email"},
  };
  for (const char* path : {"/v1/registrations", "/v1/recoveries"}) {
    for (const Bad& b : bads) {
      const HttpResult r = Post(path, b.body, nullptr);
      BOOST_TEST(r.status == b.status,
                 path << " " << b.body << " -> " << r.status << " " << r.body);
      BOOST_TEST(Header(r, "content-type") == "application/problem+json");
      BOOST_TEST(Json(r).value("field", "") == b.field, r.body);
      BOOST_TEST(!Has(r.body, "wrexhamsted"), r.body);
      BOOST_TEST(!Has(r.body, "300001"), r.body);
    }
    BOOST_TEST(HttpCall(daemon->port(), "POST", path, {{"Content-Type", "text/plain"}},
                        CodeRequestBody(mrn, email))
                   .status == 415);
    BOOST_TEST(HttpCall(daemon->port(), "GET", path, {}, "").status == 405);
    // Over the body limit (max_body_kib = 64).
    const std::string huge =
        "{\"mrn\":\"" + mrn + "\",\"email\":\"" + std::string(70000, 'i') + "@example.net\"}";
    BOOST_TEST(Post(path, huge, nullptr).status == 413);
  }
  Barrier();
  BOOST_TEST(CodeRows(mrn).empty());
  BOOST_TEST(MailsTo(email).empty());
  BOOST_TEST(OutboxRows() == 1);  // The barrier's own mail only.
  CheckNothingLeaked();
}

// The per-MRN bucket: the seventh request within the hour is refused, for an MRN nobody has
// exactly as for a patient's.
class BucketFixture : public MailFixture {
 public:
  BucketFixture() : MailFixture("6") {}
};

BOOST_FIXTURE_TEST_CASE(the_per_mrn_bucket_refuses_everybody_alike, BucketFixture) {
  std::vector<HttpResult> refused;
  for (const std::string& mrn : {std::string(kUnknownMrn), kEligible.patient.mrn}) {
    for (int i = 0; i < 6; ++i) {
      // Registrations and recoveries share the bucket.
      BOOST_TEST(Ask(mrn, kEligible.email, /*recover=*/i % 2 == 1).status == 202);
    }
    refused.push_back(Ask(mrn, kEligible.email));
    refused.push_back(Ask(mrn, kEligible.email, true));
  }
  for (const HttpResult& r : refused) {
    BOOST_TEST(r.status == 429, r.body);
    BOOST_TEST(r.body == refused[0].body);
    int64_t wait = 0;
    BOOST_TEST(ParseInt64(Header(r, "retry-after"), &wait));
    BOOST_TEST(wait > 0);
    BOOST_TEST(wait <= 600);  // One request refills in 10 minutes at 6 an hour.
  }
  // Another MRN is not held up.
  BOOST_TEST(Ask(kDeceased.patient.mrn, kDeceased.email).status == 202);
  CheckNothingLeaked();
}

// The 202's time must not tell an enrolled MRN from an unknown one: the handler only checks the
// form and hands the request on. Measured here, interleaved, and printed (docs/benchmarks.md
// keeps the figure); no assertion on it.
BOOST_FIXTURE_TEST_CASE(the_202_takes_as_long_whatever_the_records_say, MailFixture) {
  constexpr int kRounds = 200;
  std::vector<double> enrolled, unknown;
  auto timed = [&](const std::string& mrn, const std::string& email) {
    const auto start = std::chrono::steady_clock::now();
    const HttpResult r = Ask(mrn, email);
    const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start;
    BOOST_TEST(r.status == 202);
    return ms.count();
  };
  for (int i = 0; i < kRounds; ++i) {
    // The account holder's own address (a mail is made every time) against nobody at all.
    enrolled.push_back(timed(kWithAccount.patient.mrn, kWithAccount.email));
    unknown.push_back(timed(kUnknownMrn, "nobody.at.all@example.org"));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  BOOST_TEST_MESSAGE("registrations: median 202 over " << kRounds << " interleaved requests each: "
                                                       << "enrolled MRN " << median(enrolled)
                                                       << " ms, unknown MRN " << median(unknown)
                                                       << " ms");
  // The mailer did the work behind the answers: one pointer mail per enrolled request.
  Barrier();
  BOOST_TEST(MailsTo(kWithAccount.email).size() == static_cast<size_t>(kRounds));
}

}  // namespace
}  // namespace portal::testing
