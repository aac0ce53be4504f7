#define BOOST_TEST_MODULE account_commands_test
// The staff's side of patients' accounts, on real parts: portal-staff as built, the registry's
// SQLite file read directly, gpg keys made at run time, libqrencode called here on its own to
// check the letter's QR code. activation-code's checks, the code kept only as its hash, the
// letter; account show/lock/unlock/remove on accounts made through AccountStore as the daemon
// makes them. Invented people only.
#include <qrencode.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/account_codes.h"
#include "core/account_secrets.h"
#include "core/account_store.h"
#include "core/clock.h"
#include "core/enrollment_registry.h"
#include "core/fhir_time.h"
#include "core/parse_number.h"
#include "core/sha256.h"
#include "core/sqlite_db.h"
#include "core/time_zone.h"
#include "tests/html_doc.h"
#include "tests/mailbox_fixture.h"
#include "tests/test_checks.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::CommandResult;
using testing::FakePatient;
using testing::HtmlDoc;
using testing::PatientLine;
using Person = testing::PortalFixture::Person;

// What the copied content/portal.toml says, written out.
constexpr char kRegisterUrl[] = "https://www.backushospital.org/portal-help/account/register";
constexpr char kHelpLine[] = "860 823-6363";
constexpr char kRecordsDepartment[] = "Backus Medical Records Department";
constexpr char kZone[] = "America/New_York";
constexpr char kCodePattern[] = "[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}";

// Beyond the fixture's two enrolled adults (kMrnA, kMrnB): today's minors are born after 2008.
const FakePatient kOttoline{"pat-ot", "M200001", "Ottoline", "Vaskebrekke", "1961-03-14"};
const FakePatient kMinor{"pat-mi", "M200003", "Wilhelmina", "Dravendorff", "2016-06-30"};
const FakePatient kDeceased{"pat-de", "M200004", "Barnaby", "Quillfeather", "1940-01-20", true};
constexpr char kUnknownMrn[] = "M299999";

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string Normalized(const std::string& grouped) {
  std::string out;
  for (char c : grouped) {
    if (c != '-') out += c;
  }
  return out;
}

struct Fixture : testing::MailboxFixture {
  Fixture() {
    WriteExtract("more.ndjson",
                 {PatientLine(kOttoline), PatientLine(kMinor), PatientLine(kDeceased)});
    const auto r = Gen({"ingest", extracts.string()});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  }

  CommandResult Desk(std::vector<std::string> args) const { return StaffAs(staff, args); }

  json Json(const CommandResult& r) {
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    const json j = json::parse(r.out, nullptr, false);
    BOOST_REQUIRE_MESSAGE(!j.is_discarded(), r.out);
    return j;
  }

  // activation-code --json for `mrn` (a proxy's when `holder` is given); the printed code.
  std::string MakeCode(const std::string& mrn, const std::string& holder = "") {
    std::vector<std::string> args = {"activation-code", "--mrn", mrn, "--json"};
    if (!holder.empty()) args.insert(args.end(), {"--proxy", "--key-holder", holder});
    return Json(Desk(args))["code"].get<std::string>();
  }

  // The registry and the account store, as the daemon opens them.
  struct Stores {
    std::unique_ptr<EnrollmentRegistry> registry;
    std::unique_ptr<AccountStore> accounts;
  };
  Stores Open() const {
    Stores s;
    REQUIRE_OK(EnrollmentRegistry::Open(var / "registry.sqlite", var / "keys", &s.registry));
    REQUIRE_OK(AccountStore::Open(s.registry.get(), &s.accounts));
    return s;
  }

  // An account opened with `code` on `mrn` for `who`'s key, as POST /v1/activations does after
  // its checks.
  void Activate(const std::string& code, const std::string& mrn, const std::string& patient_id,
                RecordRole role, const Person& who, const std::string& logon_id) {
    Stores s = Open();
    std::string normalized;
    BOOST_REQUIRE(NormalizeActivationCode(code, &normalized));
    NewAccount a;
    a.logon_id = logon_id;
    a.kdf.salt = std::string(16, 's');
    a.auth_verifier = std::string(32, 'v');
    a.key_blob = "-----BEGIN PGP PRIVATE KEY BLOCK----- (opaque)";
    a.key.fingerprint = who.fingerprint;
    a.key_data = testing::Slurp(who.key_file);
    a.mrn = mrn;
    a.patient_id = patient_id;
    a.role = role;
    a.activation_code_hash = ActivationCodeHash(normalized);
    AccountOutcome outcome = AccountOutcome::kCodeSpent;
    std::string token;
    REQUIRE_OK(s.accounts->CreateAccount(a, SystemClock().Now(), 5, &outcome, &token));
    BOOST_REQUIRE(outcome == AccountOutcome::kDone);
    REQUIRE_OK(s.registry->SweepKeyFiles());
  }

  // Every value of every row of every table in the registry's file, as text.
  std::vector<std::string> RegistryValues() const {
    std::unique_ptr<SqliteDb> db;
    REQUIRE_OK(SqliteDb::Open(var / "registry.sqlite", SqliteDb::Journal::kWal, &db));
    std::vector<std::string> tables, values;
    std::unique_ptr<SqliteStatement> q;
    REQUIRE_OK(db->Prepare("SELECT name FROM sqlite_master WHERE type = 'table'", &q));
    for (bool row = false;;) {
      REQUIRE_OK(q->Step(&row));
      if (!row) break;
      tables.push_back(q->Text(0));
    }
    for (const auto& t : tables) {
      std::unique_ptr<SqliteStatement> info;
      REQUIRE_OK(db->Prepare("SELECT name FROM pragma_table_info(?1)", &info));
      info->Bind(1, t);
      std::vector<std::string> columns;
      for (bool row = false;;) {
        REQUIRE_OK(info->Step(&row));
        if (!row) break;
        columns.push_back(info->Text(0));
      }
      std::string select;
      for (const auto& c : columns) select += (select.empty() ? "" : ", ") + ("\"" + c + "\"");
      std::unique_ptr<SqliteStatement> rows;
      REQUIRE_OK(db->Prepare("SELECT " + select + " FROM \"" + t + "\"", &rows));
      for (bool row = false;;) {
        REQUIRE_OK(rows->Step(&row));
        if (!row) break;
        for (size_t c = 0; c < columns.size(); ++c) {
          values.push_back(rows->Text(static_cast<int>(c)));
        }
      }
    }
    return values;
  }

  std::vector<json> AuditEntries() { return Json(Staff({"audit", "list", "--json"})); }
};

// The single-line refusal of a command.
void ExpectRefused(const CommandResult& r, int exit_code, const std::string& phrase) {
  BOOST_TEST(r.exit_code == exit_code, r.out);
  BOOST_TEST(Has(r.out, phrase), "'" << phrase << "' not in: " << r.out);
}

BOOST_FIXTURE_TEST_CASE(activation_codes_are_refused_for_records_that_cannot_have_one, Fixture) {
  ExpectRefused(Desk({"activation-code", "--mrn", kUnknownMrn}), 1,
                "no patient with this MRN in the record store");
  ExpectRefused(Desk({"activation-code", "--mrn", kMinor.mrn}), 1, "refused: ");
  ExpectRefused(Desk({"activation-code", "--mrn", kDeceased.mrn}), 1, "refused: ");
  ExpectRefused(Desk({"activation-code", "--mrn", "not-an-mrn"}), 2, "MRN format");
  // A proxy's code names its key holder, and only a proxy's does; --days within a year.
  ExpectRefused(Desk({"activation-code", "--mrn", kMrnA, "--proxy"}), 2, "--key-holder");
  ExpectRefused(Desk({"activation-code", "--mrn", kMrnA, "--key-holder", "Ottilie Brandauer"}), 2,
                "--proxy");
  ExpectRefused(
      Desk({"activation-code", "--mrn", kMrnA, "--proxy", "--key-holder", "Ottilie\x1b[2J"}), 2,
      "control characters");
  ExpectRefused(
      Desk({"activation-code", "--mrn", kMrnA, "--proxy", "--key-holder", std::string(101, 'x')}),
      2, "100 characters");
  ExpectRefused(Desk({"activation-code", "--mrn", kMrnA, "--days", "0"}), 2, "--days");
  ExpectRefused(Desk({"activation-code", "--mrn", kMrnA, "--days", "366"}), 2, "--days");
  // A proxy can be linked only to a record whose patient's key is pinned.
  ExpectRefused(Desk({"activation-code", "--mrn", kOttoline.mrn, "--proxy", "--key-holder",
                      "Ottilie Brandauer"}),
                1, "not enrolled yet");
  // Only a records-staff key makes codes.
  ExpectRefused(StaffAs(stranger, {"activation-code", "--mrn", kOttoline.mrn}), 1,
                "no pinned staff key");

  // A record that has a patient account already: use Forgot Password, or remove it first.
  const Person device = NewPerson("ottoline_device");
  Activate(MakeCode(kOttoline.mrn), kOttoline.mrn, kOttoline.id, RecordRole::kSelf, device,
           "ottoline.v");
  ExpectRefused(Desk({"activation-code", "--mrn", kOttoline.mrn}), 1,
                "already has a patient account");

  // None of the refusals named the patient, and none stored a code.
  std::vector<ActivationCode> codes;
  Stores s = Open();
  for (const FakePatient* p : {&kMinor, &kDeceased}) {
    REQUIRE_OK(s.accounts->ActivationCodesOf(p->mrn, &codes));
    BOOST_TEST(codes.empty());
  }
  REQUIRE_OK(s.accounts->ActivationCodesOf(kOttoline.mrn, &codes));
  BOOST_TEST(codes.size() == 1u);  // The one used above.
  REQUIRE_OK(s.accounts->ActivationCodesOf(kMrnA, &codes));
  BOOST_TEST(codes.empty());
  for (const auto& e : AuditEntries()) BOOST_TEST(e["action"] != "account-view");
}

BOOST_FIXTURE_TEST_CASE(a_code_is_printed_once_and_only_its_hash_is_kept, Fixture) {
  const int64_t before = SystemClock().Now();
  const CommandResult r = Desk({"activation-code", "--mrn", kOttoline.mrn});
  const int64_t after = SystemClock().Now();
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  std::smatch m;
  BOOST_REQUIRE_MESSAGE(std::regex_search(r.out, m, std::regex(kCodePattern)), r.out);
  const std::string code = m[0].str();
  BOOST_TEST(r.out.find(code) == r.out.rfind(code), r.out);  // Printed once.
  BOOST_TEST(!Has(r.out, kOttoline.mrn), r.out);
  std::string normalized;
  BOOST_REQUIRE(NormalizeActivationCode(code, &normalized));
  BOOST_TEST(normalized == Normalized(code));

  // Stored as SHA-256 of the documented prefix and the code (written out here), for the MRN.
  const std::string hash = Sha256Hex("portal activation code v1\n" + normalized);
  Stores s = Open();
  ActivationCode stored;
  bool found = false;
  REQUIRE_OK(s.accounts->FindActivationCode(hash, &stored, &found));
  BOOST_REQUIRE(found);
  BOOST_TEST(stored.mrn == kOttoline.mrn);
  BOOST_TEST((stored.kind == CodeKind::kPatient));
  BOOST_TEST(stored.created_by == staff.fingerprint);
  BOOST_TEST(stored.used_at == 0);
  // Valid through the end of the hospital's local day 14 days on (the config's default).
  TimeZone zone;
  REQUIRE_OK(TimeZone::Load(kZone, &zone));
  BOOST_TEST(zone.LocalDate(stored.expires_at) != zone.LocalDate(stored.expires_at - 1));
  const std::string last_day = zone.LocalDate(stored.expires_at - 1);
  BOOST_TEST((last_day == zone.LocalDate(before + 14 * 86400) ||
              last_day == zone.LocalDate(after + 14 * 86400)),
             last_day);
  BOOST_TEST(Has(r.out, "valid through " + last_day + " (" + kZone + ")"), r.out);
  // No column of any table holds the code, grouped or not.
  for (const auto& v : RegistryValues()) {
    BOOST_TEST(!Has(v, normalized));
    BOOST_TEST(!Has(v, code));
  }
  // Audited: the kind, never the code or the MRN.
  const json last = AuditEntries().back();
  BOOST_TEST(last["action"] == "activation-code");
  BOOST_TEST(last["detail"] == "patient");
  BOOST_TEST(last["document"] == "");
  BOOST_TEST(last["staff_fingerprint"] == staff.fingerprint);
  for (const std::string& secret : {code, normalized, std::string(kOttoline.mrn)}) {
    BOOST_TEST(!Has(last.dump(), secret));
  }

  // A proxy's code for an enrolled patient, valid 3 days, in JSON.
  const json proxy = Json(Desk({"activation-code", "--mrn", kMrnB, "--proxy", "--key-holder",
                                "Ottilie Brandauer-Szász", "--days", "3", "--json"}));
  BOOST_TEST(proxy["kind"] == "proxy");
  BOOST_TEST(proxy["letter"] == false);
  BOOST_REQUIRE(NormalizeActivationCode(proxy["code"].get<std::string>(), &normalized));
  REQUIRE_OK(s.accounts->FindActivationCode(ActivationCodeHash(normalized), &stored, &found));
  BOOST_REQUIRE(found);
  BOOST_TEST((stored.kind == CodeKind::kProxy));
  BOOST_TEST(stored.label == "Ottilie Brandauer-Szász");
  BOOST_TEST(stored.mrn == kMrnB);
  int64_t expires = 0;
  BOOST_REQUIRE(ParseFhirInstant(proxy["expires_at"].get<std::string>(), &expires));
  BOOST_TEST(expires == stored.expires_at);
  BOOST_TEST(proxy["valid_through"] == zone.LocalDate(stored.expires_at - 1));
  BOOST_TEST(stored.expires_at > before + 3 * 86400);
  BOOST_TEST(stored.expires_at <= after + 4 * 86400);
  BOOST_TEST(AuditEntries().back()["detail"] == "proxy");
  BOOST_TEST(!Has(AuditEntries().back().dump(), "Brandauer"));
}

// The dark modules of a QR code as libqrencode makes it for `text` (level M, 8-bit).
std::vector<std::vector<bool>> ExpectedModules(const std::string& text) {
  QRcode* q = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  BOOST_REQUIRE(q != nullptr);
  std::vector<std::vector<bool>> grid(q->width, std::vector<bool>(q->width, false));
  for (int y = 0; y < q->width; ++y) {
    for (int x = 0; x < q->width; ++x) grid[y][x] = (q->data[y * q->width + x] & 1) != 0;
  }
  QRcode_free(q);
  return grid;
}

// The modules the letter's SVG draws: each unit rect (x, y, width, height 1) inside the quiet
// zone of 4, read back into a grid of `width`.
std::vector<std::vector<bool>> DrawnModules(const HtmlDoc& doc, const GumboNode* svg, int width) {
  std::vector<std::vector<bool>> grid(width, std::vector<bool>(width, false));
  const auto rects = doc.Where(
      [](const GumboNode* n) {
        return n->v.element.tag_namespace == GUMBO_NAMESPACE_SVG &&
               std::string_view(n->v.element.original_tag.data, n->v.element.original_tag.length)
                   .starts_with("<rect ");
      },
      svg);
  for (const GumboNode* r : rects) {
    if (HtmlDoc::Attr(r, "x").empty()) continue;  // The white background.
    int x = 0, y = 0, w = 0;
    BOOST_REQUIRE(ParseInt(HtmlDoc::Attr(r, "x"), &x) && ParseInt(HtmlDoc::Attr(r, "y"), &y) &&
                  ParseInt(HtmlDoc::Attr(r, "width"), &w));
    x -= 4;  // The quiet zone.
    y -= 4;
    BOOST_REQUIRE(HtmlDoc::Attr(r, "height") == "1");
    BOOST_REQUIRE(x >= 0 && y >= 0 && y < width && x + w <= width);
    for (int i = x; i < x + w; ++i) grid[y][i] = true;
  }
  return grid;
}

BOOST_FIXTURE_TEST_CASE(the_letter_is_one_private_page_with_the_code_and_its_qr_code, Fixture) {
  const fs::path letter = root() / "letter.html";
  const json made =
      Json(Desk({"activation-code", "--mrn", kMrnA, "--proxy", "--key-holder",
                 "Ottilie <b>&amp; Brandauer", "--letter", letter.string(), "--json"}));
  const std::string code = made["code"].get<std::string>();
  BOOST_TEST(made["letter"] == true);
  BOOST_TEST(::portal::testing::FileMode(letter) == 0600u);
  const std::string html = testing::Slurp(letter);
  HtmlDoc doc(html);

  // Nothing runs and nothing loads: no script, no handler, a CSP that allows neither.
  BOOST_TEST(doc.All(GUMBO_TAG_SCRIPT).empty());
  BOOST_TEST(doc.Where([](const GumboNode* n) {
                  const GumboVector& attrs = n->v.element.attributes;
                  for (unsigned i = 0; i < attrs.length; ++i) {
                    if (std::string_view(static_cast<GumboAttribute*>(attrs.data[i])->name)
                            .starts_with("on"))
                      return true;
                  }
                  return false;
                })
                 .empty());
  BOOST_TEST(doc.All(GUMBO_TAG_LINK).empty());
  BOOST_TEST(doc.All(GUMBO_TAG_IMG).empty());
  bool csp = false;
  for (const GumboNode* meta : doc.All(GUMBO_TAG_META)) {
    if (HtmlDoc::Attr(meta, "http-equiv") != "Content-Security-Policy") continue;
    const std::string policy = HtmlDoc::Attr(meta, "content");
    csp = Has(policy, "default-src 'none'") && Has(policy, "img-src data:") &&
          !Has(policy, "script-src");
  }
  BOOST_TEST(csp, html);

  // The code large and grouped; the register address, the help line, the records department;
  // the key holder as text (escaped, not markup).
  const GumboNode* shown = doc.ById("code");
  BOOST_REQUIRE(shown != nullptr);
  BOOST_TEST(HtmlDoc::Text(shown) == code);
  const std::string text = HtmlDoc::Text(doc.root());
  BOOST_TEST(Has(text, kRegisterUrl), text);
  BOOST_TEST(Has(text, kHelpLine), text);
  BOOST_TEST(Has(text, kRecordsDepartment), text);
  BOOST_TEST(Has(text, "Backus Hospital"), text);
  BOOST_TEST(Has(text, "Ottilie <b>&amp; Brandauer"), text);
  BOOST_TEST(doc.All(GUMBO_TAG_B).empty());
  TimeZone zone;
  REQUIRE_OK(TimeZone::Load(kZone, &zone));
  BOOST_TEST(made["valid_through"].get<std::string>().size() == 10u);
  BOOST_TEST(!Has(html, kMrnA));  // The letter never names the record.

  // The QR code is exactly libqrencode's symbol of the register address with the code in the
  // fragment (built here from the config's values and the printed code), never in a query.
  const std::string url = std::string(kRegisterUrl) + "#code=" + code;
  BOOST_TEST(!Has(url, "?"));
  const auto svgs = doc.All(GUMBO_TAG_SVG);
  BOOST_REQUIRE(svgs.size() == 1u);
  const auto expected = ExpectedModules(url);
  const int width = static_cast<int>(expected.size());
  BOOST_TEST(HtmlDoc::Attr(svgs[0], "viewBox") ==
             "0 0 " + std::to_string(width + 8) + " " + std::to_string(width + 8));
  BOOST_TEST((DrawnModules(doc, svgs[0], width) == expected));
  BOOST_TEST((ExpectedModules(std::string(kRegisterUrl) + "#code=" + MakeCode(kMrnB)) != expected));

  // Never over an existing file: the second letter is refused, the first kept, no code stored.
  std::vector<ActivationCode> codes;
  Stores s = Open();
  REQUIRE_OK(s.accounts->ActivationCodesOf(kOttoline.mrn, &codes));
  BOOST_TEST(codes.empty());
  const auto again = Desk({"activation-code", "--mrn", kOttoline.mrn, "--letter", letter.string()});
  ExpectRefused(again, 1, "exists already");
  BOOST_TEST(!Has(again.out, letter.filename().string()), again.out);
  BOOST_TEST(testing::Slurp(letter) == html);
  REQUIRE_OK(s.accounts->ActivationCodesOf(kOttoline.mrn, &codes));
  BOOST_TEST(codes.empty());
  // A folder that does not exist: refused, nothing stored.
  ExpectRefused(Desk({"activation-code", "--mrn", kOttoline.mrn, "--letter",
                      (root() / "no-such-folder" / "l.html").string()}),
                3, "the letter file");
  REQUIRE_OK(s.accounts->ActivationCodesOf(kOttoline.mrn, &codes));
  BOOST_TEST(codes.empty());
}

BOOST_FIXTURE_TEST_CASE(staff_show_lock_unlock_and_remove_the_accounts_of_a_record, Fixture) {
  // Alice's record (desk-enrolled) gets her own account on a new device's key, and a proxy's
  // account; Bob's record an account whose holder is also linked to Alice's record as a proxy.
  const Person own = NewPerson("alice_device");
  const Person proxy = NewPerson("proxy_device");
  const Person both = NewPerson("bob_device");
  Activate(MakeCode(kMrnA), kMrnA, "pat-a", RecordRole::kSelf, own, "annika.l");
  Activate(MakeCode(kMrnA, "Ottilie Brandauer"), kMrnA, "pat-a", RecordRole::kProxy, proxy,
           "ottilie.b");
  Activate(MakeCode(kMrnB), kMrnB, "pat-b", RecordRole::kSelf, both, "percy.q");
  {
    Stores s = Open();
    Account b;
    bool found = false;
    REQUIRE_OK(s.accounts->FindByLogonId("percy.q", &b, &found));
    BOOST_REQUIRE(found);
    std::string normalized, mrn, token;
    BOOST_REQUIRE(NormalizeActivationCode(MakeCode(kMrnA, "Percival Q."), &normalized));
    AccountOutcome outcome = AccountOutcome::kCodeSpent;
    REQUIRE_OK(s.accounts->LinkProxy(b.id, ActivationCodeHash(normalized), SystemClock().Now(),
                                     &outcome, &mrn, &token));
    BOOST_REQUIRE(outcome == AccountOutcome::kDone);
    REQUIRE_OK(s.registry->SweepKeyFiles());
    // Two wrong sign-ins for Alice's Logon ID, as the daemon counts them.
    AccountSecrets secrets;
    REQUIRE_OK(AccountSecrets::Load(var / "accounts.pepper", &secrets));
    int64_t until = 0;
    for (int i = 0; i < 2; ++i) {
      REQUIRE_OK(s.accounts->RecordSignInFailure(secrets.LogonKey("annika.l"), SystemClock().Now(),
                                                 5, 60, 3600, &until));
    }
  }

  // show: every account that opens the record, and the record's codes without the codes.
  json shown = Json(Desk({"account", "show", "--mrn", kMrnA, "--json"}));
  BOOST_REQUIRE(shown["accounts"].size() == 3u);
  std::map<std::string, json> by_id;
  for (const auto& a : shown["accounts"]) by_id[a["logon_id"]] = a;
  BOOST_TEST(by_id["annika.l"]["role"] == "self");
  BOOST_TEST(by_id["annika.l"]["fingerprint"] == own.fingerprint);
  BOOST_TEST(by_id["annika.l"]["locked"] == false);
  BOOST_TEST(by_id["annika.l"]["sign_in_failures"] == 2);
  BOOST_TEST(by_id["annika.l"]["last_sign_in_at"] == "-");
  BOOST_TEST(by_id["annika.l"]["history"][0]["event"] == "created");
  BOOST_TEST(by_id["ottilie.b"]["role"] == "proxy");
  BOOST_TEST(by_id["ottilie.b"]["label"] == "Ottilie Brandauer");
  BOOST_TEST(by_id["ottilie.b"]["sign_in_failures"] == 0);
  BOOST_TEST(by_id["percy.q"]["role"] == "proxy");
  BOOST_TEST(by_id["percy.q"]["other_records"] == 1);
  BOOST_REQUIRE(shown["activation_codes"].size() == 3u);
  for (const auto& c : shown["activation_codes"]) {
    BOOST_TEST(c["state"] == "used");
    BOOST_TEST(!c.contains("code"));
    BOOST_TEST(c["created_by"] == staff.fingerprint);
  }
  const auto text = Desk({"account", "show", "--mrn", kMrnA});
  BOOST_TEST(Has(text.out, "Logon ID annika.l (self)"), text.out);
  BOOST_TEST(Has(text.out, "2 sign-in failure(s)"), text.out);
  BOOST_TEST(Has(text.out, "Ottilie Brandauer"), text.out);
  json audit = AuditEntries().back();
  BOOST_TEST(audit["action"] == "account-view");
  BOOST_TEST(audit["staff_fingerprint"] == staff.fingerprint);
  BOOST_TEST(!Has(audit.dump(), "annika.l"));
  BOOST_TEST(!Has(audit.dump(), kMrnA));
  ExpectRefused(StaffAs(stranger, {"account", "show", "--mrn", kMrnA}), 1, "no pinned staff key");

  // lock: which account, when three open the record.
  ExpectRefused(Desk({"account", "lock", "--mrn", kMrnA}), 1, "3 accounts open this record");
  ExpectRefused(Desk({"account", "lock", "--mrn", kMrnA, "--role", "proxy"}), 1,
                "2 accounts open this record");
  ExpectRefused(Desk({"account", "lock", "--mrn", kMrnA, "--role", "owner"}), 2, "--role");
  auto r = Desk({"account", "lock", "--mrn", kMrnA, "--role", "self"});
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(Has(r.out, kHelpLine), r.out);
  audit = AuditEntries().back();
  BOOST_TEST(audit["action"] == "account-lock");
  BOOST_TEST(audit["detail"] == "role: self, key " + own.fingerprint);
  shown = Json(Desk({"account", "show", "--mrn", kMrnA, "--json"}));
  for (const auto& a : shown["accounts"]) {
    BOOST_TEST(a["locked"] == (a["logon_id"] == "annika.l"));
    if (a["logon_id"] == "annika.l") BOOST_TEST(a["history"].back()["event"] == "locked");
  }
  r = Desk({"account", "lock", "--mrn", kMrnA, "--role", "self"});
  BOOST_TEST(Has(r.out, "already"), r.out);
  BOOST_TEST(AuditEntries().back()["action"] == "account-view");  // Nothing new to audit.
  r = Desk({"account", "unlock", "--mrn", kMrnA, "--fingerprint", own.fingerprint});
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(AuditEntries().back()["action"] == "account-unlock");
  {
    Stores s = Open();
    Account a;
    bool found = false;
    REQUIRE_OK(s.accounts->FindByLogonId("annika.l", &a, &found));
    BOOST_TEST(!a.locked);
  }

  // remove: refused for a proxy who is also a patient with their own account; asks for --yes.
  ExpectRefused(
      Desk({"account", "remove", "--mrn", kMrnA, "--fingerprint", both.fingerprint, "--yes"}), 1,
      "also their own patient account");
  r = Desk({"account", "remove", "--mrn", kMrnA, "--role", "self"});
  ExpectRefused(r, 1, "--yes");
  BOOST_TEST(Has(r.out, "register again"), r.out);
  BOOST_TEST(Has(r.out, "nightly run removes the summary"), r.out);
  Enrollment e;
  bool enrolled = false;
  {
    Stores s = Open();
    REQUIRE_OK(s.registry->Find(kMrnA, &e, &enrolled));
    BOOST_REQUIRE(enrolled);
  }
  testing::Spit(var / "replies" / e.token / "reply-2026-01-01-ab.html.pgp", "sealed");

  // A proxy-only account goes alone: its key unpinned from the record.
  r = Desk({"account", "remove", "--mrn", kMrnA, "--fingerprint", proxy.fingerprint, "--yes"});
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(AuditEntries().back()["action"] == "account-remove");
  BOOST_TEST(AuditEntries().back()["detail"] == "role: proxy, key " + proxy.fingerprint);
  {
    Stores s = Open();
    REQUIRE_OK(s.registry->Find(kMrnA, &e, &enrolled));
    for (const auto& k : e.keys) BOOST_TEST(k.fingerprint != proxy.fingerprint);
    bool found = true;
    Account gone;
    REQUIRE_OK(s.accounts->FindByLogonId("ottilie.b", &gone, &found));
    BOOST_TEST(!found);
  }
  // The patient's own: the record unenrolled, its replies gone, the proxy's link with it.
  r = Desk({"account", "remove", "--mrn", kMrnA, "--role", "self", "--yes"});
  BOOST_TEST(r.exit_code == 0, r.out);
  audit = AuditEntries().back();
  BOOST_TEST(audit["action"] == "account-remove");
  BOOST_TEST(audit["detail"] == "role: self, key " + own.fingerprint);
  BOOST_TEST(!fs::exists(var / "replies" / e.token));
  {
    Stores s = Open();
    REQUIRE_OK(s.registry->Find(kMrnA, &e, &enrolled));
    BOOST_TEST(!enrolled);
    std::vector<Account> left;
    REQUIRE_OK(s.accounts->AccountsOfRecord(kMrnA, &left));
    BOOST_TEST(left.empty());
    Account b;
    bool found = false;
    REQUIRE_OK(s.accounts->FindByLogonId("percy.q", &b, &found));
    BOOST_TEST(found);  // Bob's own account stays.
  }
  shown = Json(Desk({"account", "show", "--mrn", kMrnA, "--json"}));
  BOOST_TEST(shown["accounts"].empty());
  // The record may have a new patient code now.
  BOOST_TEST(Desk({"activation-code", "--mrn", kMrnA}).exit_code == 0);
  BOOST_TEST(Staff({"audit", "verify"}).exit_code == 0);
}

}  // namespace
}  // namespace portal
