#define BOOST_TEST_MODULE accounts_e2e_test
// Patients' accounts end to end, with nothing but real parts: portal-mailboxd, portal-staff and
// portal-gen as built, Debian's aiosmtpd for the mail, gpg on both sides, and the test client
// (tests/account_client.h) doing what the patient's app does. Invented people only.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "core/parse_number.h"
#include "tests/account_client.h"
#include "tests/mailbox_fixture.h"
#include "tests/smtp_sink.h"
#include "tests/test_checks.h"

namespace portal::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// What the copied content/portal.toml says, written out.
constexpr char kRegisterUrl[] = "https://www.backushospital.org/portal-help/account/register";
constexpr char kRecoverUrl[] = "https://www.backushospital.org/portal-help/account/recover";
constexpr char kHelpLine[] = "860 823-6363";
constexpr char kRecordsDepartment[] = "Backus Medical Records Department";
constexpr char kAccepted[] = "accepted";
constexpr char kNoMatch[] =
    "the code, MRN or date of birth does not match, or the code has expired or was used";

struct Invented {
  FakePatient patient;
  std::string email;  // The address on record.
};
// Beyond the fixture's two enrolled patients. Names unusual enough that finding one in output
// cannot be chance.
const Invented kOttoline{{"pat-ot", "M200001", "Ottoline", "Vaskebrekke", "1961-03-14"},
                         "ottoline.vaskebrekke@example.org"};
const Invented kThaddeus{{"pat-th", "M200002", "Thaddeus", "Ombrevielle", "1979-11-02"},
                         "t.ombrevielle@example.net"};
const Invented kMinor{{"pat-mi", "M200003", "Wilhelmina", "Dravendorff", "2016-06-30"},
                      "dravendorff.household@example.org"};
const Invented kDeceased{{"pat-de", "M200004", "Barnaby", "Quillfeather", "1940-01-20", true},
                         "quillfeather.estate@example.com"};
constexpr char kUnknownMrn[] = "M299999";
constexpr char kAliceBirthDate[] = "1970-05-05";  // MailboxFixture's kMrnA.

std::string PatientWithEmail(const Invented& who) {
  json j = json::parse(PatientLine(who.patient));
  j["telecom"] = json::array({{{"system", "phone"}, {"value", "860-555-0199"}},
                              {{"system", "email"}, {"value", who.email}}});
  return j.dump();
}

// Sets `key = value` in the config's [section] (replacing an active line for the key, else
// adding it under the header; the section is added at the end if missing).
void SetTomlKey(const fs::path& config, const std::string& section, const std::string& key,
                const std::string& value) {
  std::vector<std::string> lines;
  std::istringstream in(Slurp(config));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const std::string header = "[" + section + "]";
  auto it = std::find(lines.begin(), lines.end(), header);
  if (it == lines.end()) {
    lines.push_back("");
    lines.push_back(header);
    lines.push_back(key + " = " + value);
  } else {
    auto at = it + 1;
    for (; at != lines.end() && !at->starts_with("["); ++at) {
      if (at->starts_with(key + " =") || at->starts_with(key + "=")) break;
    }
    if (at != lines.end() && !at->starts_with("[")) {
      *at = key + " = " + value;
    } else {
      lines.insert(it + 1, key + " = " + value);
    }
  }
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  Spit(config, text);
}

json Json(const HttpResult& r) { return json::parse(r.body, nullptr, false); }

// The portal with mail on (a real SMTP server on loopback), the invented patients ingested and
// the patient directory built by a nightly run, the daemon up.
class AccountsFixture : public MailboxFixture {
 public:
  static uint16_t smtp_port;
  SmtpSink sink{root(), smtp_port = FreePort()};
  fs::path client_dir = root() / "clients";  // The devices' GnuPG homes.

  AccountsFixture() {
    SetTomlKey(config, "notifications", "smtp_url",
               "\"smtp://127.0.0.1:" + std::to_string(smtp_port) + "\"");
    SetTomlKey(config, "notifications", "starttls", "\"off\"");
    SetTomlKey(config, "notifications", "from",
               "\"Backus Hospital Patient Portal <portal@backushospital.org>\"");
    SetTomlKey(config, "notifications", "poll_seconds", "1");
    SetTomlKey(config, "notifications", "retry_initial_seconds", "1");
    SetTomlKey(config, "notifications", "retry_max_seconds", "2");
    // Every request here comes from 127.0.0.1: the per-address buckets must not be what answers.
    for (const char* section : {"mailbox", "accounts"}) {
      SetTomlKey(config, section, "per_address_per_minute", "100000");
      SetTomlKey(config, section, "per_address_burst", "100000");
    }
    SetTomlKey(config, "accounts", "per_mrn_per_hour", "1000");
    fs::create_directory(client_dir);
    std::string why;
    BOOST_REQUIRE_MESSAGE(sink.Start(&why), why);
    WriteExtract("accounts.ndjson", {PatientWithEmail(kOttoline), PatientWithEmail(kThaddeus),
                                     PatientWithEmail(kMinor), PatientWithEmail(kDeceased)});
    const auto r = Gen({"ingest", extracts.string()});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    Nightly();
    StartDaemon();
    for (const Invented* who : {&kOttoline, &kThaddeus, &kMinor, &kDeceased}) {
      Sealed(who->patient.mrn);
      Sealed(who->patient.given);
      Sealed(who->patient.family);
      Sealed(who->email);
    }
    for (const char* s : {kMrnA, kMrnB, "Annika", "Lindqvist", "Percival", "Quenneville"}) {
      Sealed(s);
    }
  }

  uint16_t port() const { return daemon->port(); }

  void Nightly() {
    const auto r = Gen({"nightly"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  }

  // A value that must never appear in the daemon's log (nor in any mail, unless it is a code in
  // its own mail).
  void Sealed(const std::string& value) { sealed_.insert(value); }

  // An activation code as the desk makes it after photo ID.
  std::string DeskCode(const std::string& mrn, bool proxy, const std::string& holder = "") {
    std::vector<std::string> args = {"activation-code", "--mrn", mrn, "--json"};
    if (proxy) args.insert(args.end(), {"--proxy", "--key-holder", holder});
    const auto r = StaffAs(staff, args);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0 && r.out.find('{') != std::string::npos, r.out);
    const json j = json::parse(r.out.substr(r.out.find('{')), nullptr, false);
    BOOST_REQUIRE_MESSAGE(j.is_object() && j.contains("code") && j["code"].is_string(), r.out);
    const std::string code = j["code"].get<std::string>();
    Sealed(code);
    // Typed without dashes, too: never in a log.
    Sealed(std::regex_replace(code, std::regex("-"), ""));
    return code;
  }

  // Mails to `to` so far (addresses compared without case: the mail goes to the address as
  // typed, which matched the record's).
  std::vector<ArrivedMail> MailsTo(const std::string& to) const {
    std::vector<ArrivedMail> mine;
    for (auto& m : sink.Mails()) {
      if (m.headers.count("To") && Lower(m.headers.at("To")).find(Lower(to)) != std::string::npos) {
        mine.push_back(m);
      }
    }
    return mine;
  }
  // Waits (at most 30 s) for a mail to `to` not returned before (the Maildir's file names do
  // not sort by arrival, so each mail is awaited before the next one to the same address is
  // asked for).
  ArrivedMail WaitForNew(const std::string& to) {
    for (int i = 0; i < 300; ++i) {
      for (auto& m : MailsTo(to)) {
        const std::string id = m.headers["Message-ID"] + m.headers["Date"] + m.body;
        if (seen_.insert(id).second) return m;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    BOOST_FAIL("an awaited mail to an invented patient did not arrive");
    return {};
  }
  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  // The mail counts of `quiet` still hold one poll after a mail asked for later arrived: the
  // mailer works requests in order, so anything queued before that one was sent by then.
  void ExpectCounts(const std::map<std::string, size_t>& quiet) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    for (const auto& [to, count] : quiet) BOOST_TEST(MailsTo(to).size() == count);
  }

  // The 8-digit code a mail carries.
  std::string CodeIn(const ArrivedMail& mail) {
    std::smatch m;
    static const std::regex kCode("Your code is ([0-9]{8})\\b");
    BOOST_REQUIRE_MESSAGE(std::regex_search(mail.body, m, kCode), "no code in: " << mail.body);
    mailed_codes_.insert(m[1].str());
    Sealed(m[1].str());
    return m[1].str();
  }

  HttpResult Register(const std::string& mrn, const std::string& email, bool recover = false) {
    return SendJson(port(), "POST", recover ? "/v1/recoveries" : "/v1/registrations",
                    CodeRequestBody(mrn, email), nullptr);
  }

  // A sign-up on a new device; the answer must be `status`.
  AccountSession SignUpOk(const std::string& device, const std::string& password,
                          ActivationFields fields, bool reset, int status) {
    AccountSession s;
    HttpResult r;
    Sealed(fields.logon_id);
    Sealed(Lower(fields.logon_id));
    REQUIRE_OK(SignUp(port(), client_dir, device, password, fields, reset, &s, &r));
    BOOST_REQUIRE_MESSAGE(r.status == status, r.status << " " << r.body);
    if (s.answer.is_object()) Sealed(s.answer.value("token", ""));
    return s;
  }
  AccountSession SignInOk(const std::string& device, const std::string& logon_id,
                          const std::string& password) {
    AccountSession s;
    HttpResult r;
    REQUIRE_OK(SignIn(port(), client_dir, device, logon_id, password, &s, &r));
    BOOST_REQUIRE_EQUAL(r.status, 200);
    return s;
  }

  // GET /v1/me: 200 and its JSON.
  json Me(const AccountDevice& device) {
    const HttpResult r = GetMe(port(), device);
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.status << " " << r.body);
    const json me = Json(r);
    BOOST_REQUIRE(me.is_object() && me.contains("records") && me["records"].is_array());
    for (const auto& rec : me["records"]) Sealed(rec.value("token", ""));
    return me;
  }
  static json RecordOf(const json& me, const std::string& mrn) {
    for (const auto& rec : me["records"]) {
      if (rec.value("mrn", "") == mrn) return rec;
    }
    BOOST_FAIL("no record for an invented MRN in GET /v1/me");
    return {};
  }

  // Opens the published summary of `record` (from GET me) on `device`: the page, and the
  // signer must be the portal's key.
  Status OpenSummary(const AccountDevice& device, const json& record, std::string* page) {
    const fs::path file = output / record["summary_path"].get<std::string>();
    if (!fs::exists(file)) return Status::IoError("no published summary");
    std::string signer;
    PORTAL_RETURN_IF_ERROR(
        device.Decrypt(Slurp(file), var / "portal-signing-key.asc", page, &signer));
    if (signer != PortalFingerprint()) return Status::InvalidInput("not signed by the portal");
    return Status::Ok();
  }

  // No sealed value in the daemon's log; in the mails none but a code in its own mail.
  void CheckNothingLeaked() {
    const std::string log = daemon->Log();
    for (const auto& s : sealed_) {
      if (s.empty()) continue;
      BOOST_TEST(log.find(s) == std::string::npos, "a sealed value is in the daemon's log");
    }
    for (const auto& mail : sink.Mails()) {
      std::smatch m;
      static const std::regex kCode("Your code is ([0-9]{8})\\b");
      const std::string own = std::regex_search(mail.body, m, kCode) ? m[1].str() : "";
      // The recipient's address belongs in To and in the envelope aiosmtpd records (X-RcptTo).
      std::map<std::string, std::string> parts = {{"body", mail.body}};
      for (const auto& [name, value] : mail.headers) {
        if (name != "To" && name != "X-RcptTo") parts["header " + name] = value;
      }
      for (const auto& s : sealed_) {
        if (s.empty() || s == own) continue;
        for (const auto& [where, text] : parts) {
          BOOST_TEST(
              text.find(s) == std::string::npos,
              "a sealed value is in the " << where << " of a mail: " << mail.headers.at("Subject"));
        }
      }
    }
  }

 private:
  std::set<std::string> sealed_;
  std::set<std::string> mailed_codes_;
  std::set<std::string> seen_;
};
uint16_t AccountsFixture::smtp_port = 0;

ActivationFields Fields(const std::string& code, std::optional<std::string> mrn,
                        const std::string& birth_date, const std::string& logon_id) {
  ActivationFields f;
  f.code = code;
  f.mrn = std::move(mrn);
  f.birth_date = birth_date;
  f.logon_id = logon_id;
  return f;
}

// The same 202 for every registration and recovery, whatever the records say.
void ExpectAccepted(const HttpResult& r, const HttpResult& first) {
  BOOST_TEST(r.status == 202);
  BOOST_TEST(r.body == first.body);
  BOOST_TEST(Json(r).value("status", "") == kAccepted);
}

BOOST_FIXTURE_TEST_CASE(staff_code_second_device_summary_proxy_and_lockout, AccountsFixture) {
  // At the desk, after photo ID: an activation code. On device 1 the patient opens the account.
  const std::string password = "lantern orchard 1961 blue";
  const std::string code = DeskCode(kOttoline.patient.mrn, false);
  AccountSession first =
      SignUpOk("ottoline-phone", password,
               Fields(code, std::nullopt, kOttoline.patient.birth_date, "Otto.Vaske"), false, 201);
  BOOST_TEST(first.answer.value("mrn", "") == kOttoline.patient.mrn);
  BOOST_TEST(first.answer.value("role", "") == "self");
  BOOST_TEST(first.answer.value("fingerprint", "") == first.device->fingerprint());
  const std::string token = first.answer.value("token", "");
  BOOST_TEST(token.size() >= 16u);

  // The code is spent: a second use is the one generic 422.
  {
    AccountSession again;
    HttpResult r;
    REQUIRE_OK(SignUp(port(), client_dir, "replay-device", password,
                      Fields(code, std::nullopt, kOttoline.patient.birth_date, "someone.else"),
                      false, &again, &r));
    BOOST_TEST(r.status == 422);
    BOOST_TEST(Json(r).dump().find(kNoMatch) != std::string::npos, r.body);
  }

  // Device 2 knows nothing but the Logon ID (any case) and the password.
  AccountSession second = SignInOk("ottoline-laptop", "otto.vaske", password);
  BOOST_TEST(second.device->fingerprint() == first.device->fingerprint());
  BOOST_REQUIRE(second.answer["records"].is_array());
  BOOST_TEST(second.answer["records"].size() == 1u);
  BOOST_TEST(second.answer["records"][0].value("token", "") == token);
  BOOST_TEST(second.answer["records"][0].value("role", "") == "self");

  json me = Me(*second.device);
  BOOST_TEST(me.value("fingerprint", "") == first.device->fingerprint());
  json mine = RecordOf(me, kOttoline.patient.mrn);
  BOOST_TEST(mine.value("summary", "") == "pending");
  BOOST_TEST(mine.value("summary_path", "") == "patients/" + token + "/summary.html.pgp");
  BOOST_TEST(mine["replies"] == json::array());

  // The nightly run publishes the summary for the pinned key; device 2 opens it.
  Nightly();
  me = Me(*second.device);
  BOOST_TEST(me["last_nightly_run"].is_string());
  mine = RecordOf(me, kOttoline.patient.mrn);
  BOOST_TEST(mine.value("summary", "") == "published");
  std::string page;
  REQUIRE_OK(OpenSummary(*second.device, mine, &page));
  BOOST_TEST(page.find("Vaskebrekke") != std::string::npos);

  // The patient's key now signs messages like any enrolled key.
  {
    const std::string body = MessageBody(kOttoline.patient.mrn, "conncare", "A question",
                                         "Is my appointment still on?", Nonce());
    const HttpResult r = SendJson(port(), "POST", "/v1/messages", body, second.device.get());
    BOOST_TEST(r.status == 202, r.body);
  }

  // Registering again for a record that has an account: the same 202, a mail pointing to Forgot
  // Password and the help line.
  const HttpResult accepted = Register(kOttoline.patient.mrn, kOttoline.email);
  BOOST_TEST(accepted.status == 202);
  const ArrivedMail pointer = WaitForNew(kOttoline.email);
  BOOST_TEST(pointer.body.find(kRecoverUrl) != std::string::npos, pointer.body);
  BOOST_TEST(pointer.body.find(kHelpLine) != std::string::npos);
  BOOST_TEST(pointer.body.find("Your code is") == std::string::npos);

  // A proxy: Annika (enrolled at the desk) signed the Patient Portal Access form naming
  // Ottoline; the code links Ottoline's account to Annika's record.
  const std::string proxy_code = DeskCode(kMrnA, true, "Ottoline V.");
  {
    const std::string body = ProxyLinkBody(second.device->fingerprint(), proxy_code,
                                           kAliceBirthDate, AccountNonce(), InstantFromNow());
    const HttpResult r = SendJson(port(), "POST", "/v1/proxy-links", body, second.device.get());
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.status << " " << r.body);
    const json link = Json(r);
    BOOST_TEST(link.value("mrn", "") == kMrnA);
    BOOST_TEST(link.value("role", "") == "proxy");
    BOOST_TEST(link.value("label", "") == "Ottoline V.");
    Sealed(link.value("token", ""));
  }
  me = Me(*first.device);
  BOOST_TEST(me["records"].size() == 2u);
  BOOST_TEST(RecordOf(me, kOttoline.patient.mrn).value("role", "") == "self");
  const json annika = RecordOf(me, kMrnA);
  BOOST_TEST(annika.value("role", "") == "proxy");
  BOOST_TEST(annika.value("label", "") == "Ottoline V.");
  // A proxy reads the proxies' page, which the next run seals to the proxy keys only.
  BOOST_TEST(annika.value("summary_path", "") ==
             "patients/" + annika.value("token", "") + "/summary-proxy.html.pgp");
  // After the next run the proxy's key opens Annika's summary too.
  Nightly();
  REQUIRE_OK(OpenSummary(*first.device, RecordOf(Me(*first.device), kMrnA), &page));
  BOOST_TEST(page.find("Lindqvist") != std::string::npos);

  // Change of password on device 2: the same key, a new salt, verifier and blob; a new device
  // then signs in with the new password only.
  const std::string new_password = "meadow kiln 2027 amber";
  const KdfSettings new_kdf = NewKdfSettings();
  AccountKeys new_keys;
  REQUIRE_OK(DeriveAccountKeys(new_password, new_kdf, &new_keys));
  REQUIRE_OK(second.device->ChangePassphrase(new_keys.key_passphrase));
  std::string new_blob;
  REQUIRE_OK(second.device->ExportKeyBlob(&new_blob));
  {
    const std::string body =
        KeyBlobBody(second.device->fingerprint(), second.keys.auth_key, new_keys.auth_key, new_kdf,
                    new_blob, AccountNonce(), InstantFromNow());
    const HttpResult r = SendJson(port(), "PUT", "/v1/key-blob", body, second.device.get());
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.status << " " << r.body);
    BOOST_TEST(Json(r).value("fingerprint", "") == first.device->fingerprint());
  }
  AccountSession third = SignInOk("ottoline-tablet", "otto.vaske", new_password);
  BOOST_TEST(third.device->fingerprint() == first.device->fingerprint());

  // Wrong passwords (the old one first): the same 401 as an unknown Logon ID; after the fifth
  // the Logon ID waits, even for the right password.
  AccountKeys old_keys;
  REQUIRE_OK(DeriveAccountKeys(password, new_kdf, &old_keys));
  const HttpResult unknown = SendJson(port(), "POST", "/v1/sessions",
                                      SessionBody("nobody.here", old_keys.auth_key), nullptr);
  BOOST_TEST(unknown.status == 401);
  for (int i = 1; i <= 5; ++i) {
    AccountKeys wrong = old_keys;
    if (i > 1) REQUIRE_OK(DeriveAccountKeys("wrong guess " + std::to_string(i), new_kdf, &wrong));
    const HttpResult r = SendJson(port(), "POST", "/v1/sessions",
                                  SessionBody("otto.vaske", wrong.auth_key), nullptr);
    BOOST_TEST(r.status == 401);
    BOOST_TEST(r.body == unknown.body);
  }
  const HttpResult locked = SendJson(port(), "POST", "/v1/sessions",
                                     SessionBody("otto.vaske", new_keys.auth_key), nullptr);
  BOOST_TEST(locked.status == 429, locked.body);
  const auto retry_after = locked.headers.find("retry-after");
  BOOST_REQUIRE(retry_after != locked.headers.end());
  int64_t wait = 0;
  BOOST_TEST(ParseInt64(retry_after->second, &wait));
  BOOST_TEST(wait > 0);
  BOOST_TEST(wait <= 60);

  CheckNothingLeaked();
}

BOOST_FIXTURE_TEST_CASE(self_registration_the_quiet_cases_and_forgot_password, AccountsFixture) {
  // Self-enrolment: MRN and the e-mail on record (typed in other letter case).
  const HttpResult first = Register(kThaddeus.patient.mrn, "T.Ombrevielle@Example.NET");
  BOOST_REQUIRE_EQUAL(first.status, 202);
  BOOST_TEST(Json(first).value("status", "") == kAccepted);
  const ArrivedMail code_mail = WaitForNew(kThaddeus.email);
  BOOST_TEST(code_mail.headers.at("Subject") == "Your Patient Portal code");
  BOOST_TEST(code_mail.body.find("It is valid for 30 minutes.") != std::string::npos,
             code_mail.body);
  BOOST_TEST(code_mail.body.find(kRegisterUrl) != std::string::npos);
  const std::string code = CodeIn(code_mail);

  // The quiet cases: each the same 202, and the right mail or none.
  ExpectAccepted(Register(kThaddeus.patient.mrn, "someone.else@example.net"), first);  // None.
  ExpectAccepted(Register(kUnknownMrn, kThaddeus.email), first);                       // None.
  ExpectAccepted(Register(kMinor.patient.mrn, kMinor.email), first);                   // Visit.
  ExpectAccepted(Register(kDeceased.patient.mrn, kDeceased.email), first);             // Visit.
  ExpectAccepted(Register(kMinor.patient.mrn, kThaddeus.email), first);  // Not on record: none.
  for (const Invented* who : {&kMinor, &kDeceased}) {
    const ArrivedMail visit = WaitForNew(who->email);
    BOOST_TEST(visit.body.find(kRecordsDepartment) != std::string::npos, visit.body);
    BOOST_TEST(visit.body.find("photo ID") != std::string::npos);
    BOOST_TEST(visit.body.find("Your code is") == std::string::npos);
    BOOST_TEST(visit.body.find("minor") == std::string::npos);  // No reason given.
    BOOST_TEST(visit.body.find("deceased") == std::string::npos);
  }
  // A recovery for a record without an account points to Register.
  ExpectAccepted(Register(kThaddeus.patient.mrn, kThaddeus.email, /*recover=*/true), first);
  const ArrivedMail to_register = WaitForNew(kThaddeus.email);
  BOOST_TEST(to_register.body.find(kRegisterUrl) != std::string::npos, to_register.body);
  BOOST_TEST(to_register.body.find("Your code is") == std::string::npos);
  ExpectCounts({{kThaddeus.email, 2}, {kMinor.email, 1}, {kDeceased.email, 1}});

  // A wrong birth date with the right code: the generic 422, and the code counts one try.
  const std::string password = "kettle harbour 1979 plum";
  {
    AccountSession s;
    HttpResult r;
    REQUIRE_OK(SignUp(port(), client_dir, "wrong-date", password,
                      Fields(code, kThaddeus.patient.mrn, "1979-11-03", "thaddeus.o"), false, &s,
                      &r));
    BOOST_TEST(r.status == 422);
    BOOST_TEST(r.body.find(kNoMatch) != std::string::npos, r.body);
  }
  AccountSession before = SignUpOk(
      "thaddeus-phone", password,
      Fields(code, kThaddeus.patient.mrn, kThaddeus.patient.birth_date, "thaddeus.o"), false, 201);
  BOOST_TEST(before.answer.value("role", "") == "self");
  Nightly();
  json me = Me(*before.device);
  json mine = RecordOf(me, kThaddeus.patient.mrn);
  std::string page;
  REQUIRE_OK(OpenSummary(*before.device, mine, &page));
  BOOST_TEST(page.find("Ombrevielle") != std::string::npos);

  // Forgot Password: a recover code to the address on record, a new key, the notice.
  ExpectAccepted(Register(kThaddeus.patient.mrn, kThaddeus.email, /*recover=*/true), first);
  const ArrivedMail recover_mail = WaitForNew(kThaddeus.email);
  BOOST_TEST(recover_mail.body.find("reset your password") != std::string::npos, recover_mail.body);
  const std::string recover_code = CodeIn(recover_mail);
  BOOST_TEST(recover_code != code);
  const std::string new_password = "quarry lantern 2026 teal";
  AccountSession after =
      SignUpOk("thaddeus-new-phone", new_password,
               Fields(recover_code, kThaddeus.patient.mrn, kThaddeus.patient.birth_date, ""),
               /*reset=*/true, 200);
  BOOST_TEST(after.answer.value("logon_id", "") == "thaddeus.o");
  BOOST_TEST(after.answer.value("mrn", "") == kThaddeus.patient.mrn);
  BOOST_TEST(after.answer.value("token", "") == mine.value("token", ""));
  BOOST_TEST(after.device->fingerprint() != before.device->fingerprint());
  const ArrivedMail notice = WaitForNew(kThaddeus.email);
  BOOST_TEST(notice.body.find("was reset on") != std::string::npos, notice.body);
  BOOST_TEST(notice.body.find(kHelpLine) != std::string::npos);

  // The old key is unpinned at once; the old password no longer signs in, the new one does.
  BOOST_TEST(GetMe(port(), *before.device).status == 401);
  {
    AccountSession s;
    HttpResult r;
    BOOST_TEST(!SignIn(port(), client_dir, "old-password", "thaddeus.o", password, &s, &r).ok());
    BOOST_TEST(r.status == 401);
  }
  AccountSession elsewhere = SignInOk("thaddeus-laptop", "thaddeus.o", new_password);
  BOOST_TEST(elsewhere.device->fingerprint() == after.device->fingerprint());

  // The next nightly run seals the summary to the new key only.
  Nightly();
  mine = RecordOf(Me(*elsewhere.device), kThaddeus.patient.mrn);
  BOOST_TEST(!OpenSummary(*before.device, mine, &page).ok());
  REQUIRE_OK(OpenSummary(*elsewhere.device, mine, &page));
  BOOST_TEST(page.find("Ombrevielle") != std::string::npos);

  CheckNothingLeaked();
}

}  // namespace
}  // namespace portal::testing
