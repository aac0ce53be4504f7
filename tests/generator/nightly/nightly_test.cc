#define BOOST_TEST_MODULE nightly_test
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <utility>

#include "core/sha256.h"
#include "core/sqlite_db.h"
#include "tests/portal_fixture.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::FakePatient;
using testing::LabLine;
using testing::PatientLine;
using testing::PortalFixture;
using testing::ReadTree;
using testing::Slurp;
using testing::Spit;

const std::string kAsOf = "2025-06-01T00:00:00Z";
const std::string kThreeDaysLater = "2025-06-04T00:00:00Z";

// Invented people; their names, MRNs and birth dates must never reach output/ or the logs.
const FakePatient kAda{"pa", "M000101", "Adaline", "Quorvath", "1961-04-17"};
const FakePatient kBob{"pb", "M000102", "Bartholo", "Zenwick", "1975-09-23"};

struct Nightly {
  testing::CommandResult run;
  json report;
};

// Runs portal-gen nightly and reads the run report it names on stderr.
Nightly RunNightly(const PortalFixture& f, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"nightly"};
  if (std::find(extra.begin(), extra.end(), "--as-of") == extra.end()) {
    args.insert(args.end(), {"--as-of", kAsOf});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  Nightly n;
  n.run = f.Gen(args);
  std::smatch m;
  static const std::regex kReport("nightly: report: (\\S+)");
  if (std::regex_search(n.run.out, m, kReport)) n.report = json::parse(Slurp(m[1].str()));
  return n;
}

// A night that must succeed; when it does not, the test shows what it printed.
Nightly RequireNightly(const PortalFixture& f, std::vector<std::string> extra = {}) {
  Nightly n = RunNightly(f, std::move(extra));
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  return n;
}

fs::path SummaryFile(const PortalFixture& f, const std::string& token) {
  return f.patients_out / token / "summary.html.pgp";
}

// The token printed by portal-staff enroll, from its download address.
std::string EnrollToken(const PortalFixture& f, const std::string& mrn,
                        const PortalFixture::Person& who) {
  auto r = f.Staff({"enroll", "--mrn", mrn, "--key", who.key_file.string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  std::smatch m;
  static const std::regex kAddress("patients/([0-9a-f]{32})/summary\\.html\\.pgp");
  BOOST_REQUIRE(std::regex_search(r.out, m, kAddress));
  return m[1].str();
}

std::set<std::string> PublishedTokens(const PortalFixture& f) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(f.patients_out, ec)) {
    if (e.is_directory() && !e.path().filename().string().starts_with(".")) {
      out.insert(e.path().filename().string());
    }
  }
  return out;
}

// Every byte under output/ and the given logs: no patient's name, MRN or birth date.
void ExpectNoPhi(const PortalFixture& f, const std::vector<FakePatient>& people,
                 const std::string& logs) {
  const auto tree = ReadTree(f.output);
  BOOST_REQUIRE(!tree.empty());
  for (const auto& p : people) {
    for (const std::string& secret : {p.given, p.family, p.mrn, p.birth_date}) {
      for (const auto& [path, bytes] : tree) {
        BOOST_TEST(path.find(secret) == std::string::npos, path);
        BOOST_TEST(bytes.find(secret) == std::string::npos, path << " holds a patient value");
      }
      BOOST_TEST(logs.find(secret) == std::string::npos, "a log line holds a patient value");
    }
  }
  // An armored private key as gpg writes one: its header line, ended by a real newline (the
  // site's copy of OpenPGP.js holds the header as a string with an escaped one).
  for (const auto& [path, bytes] : tree) {
    BOOST_TEST(bytes.find("-----BEGIN PGP PRIVATE KEY BLOCK-----\n") == std::string::npos, path);
    BOOST_TEST(bytes.find("-----BEGIN PGP PRIVATE KEY BLOCK-----\r\n") == std::string::npos, path);
  }
}

struct TwoPatients : PortalFixture {
  Person ada_key = NewPerson("person-a");
  Person bob_key = NewPerson("person-b");
  Person proxy_key = NewPerson("person-c");
  std::string ada, bob;  // Tokens.
  std::string logs;

  TwoPatients() {
    WriteExtract("001.ndjson", {PatientLine(kAda), PatientLine(kBob),
                                LabLine("oa1", "pa", "Glucose", "2025-05-01T08:00:00Z"),
                                LabLine("ob1", "pb", "Sodium", "2025-05-02T08:00:00Z")});
    Init();
    auto r = Gen({"ingest", (extracts / "001.ndjson").string()});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    ada = EnrollToken(*this, kAda.mrn, ada_key);
    bob = EnrollToken(*this, kBob.mrn, bob_key);
  }
};

BOOST_AUTO_TEST_CASE(nightly_on_an_unprepared_state_directory_names_portal_staff_init) {
  PortalFixture f;
  auto r = f.Gen({"nightly"});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(r.out.find("portal-staff init") != std::string::npos, r.out);
}

// A social-history finding of Ada's: in the shipped config's `social_history` section, which
// is for the patient only (audience = "patient").
std::string SocialFindingLine(const std::string& id, const std::string& code,
                              const std::string& display) {
  return json({{"resourceType", "Condition"},
               {"id", id},
               {"subject", {{"reference", "Patient/pa"}}},
               {"clinicalStatus",
                {{"coding",
                  json::array(
                      {{{"system", "http://terminology.hl7.org/CodeSystem/condition-clinical"},
                        {"code", "active"}}})}}},
               {"code",
                {{"coding", json::array({{{"system", "http://snomed.info/sct"},
                                          {"code", code},
                                          {"display", display}}})}}},
               {"onsetDateTime", "2024-03-01"}})
      .dump();
}

fs::path ProxyFile(const PortalFixture& f, const std::string& token) {
  return f.patients_out / token / "summary-proxy.html.pgp";
}

// How many recipients a message was sealed to, from gpg's status lines.
size_t Recipients(const testing::CommandResult& r) {
  size_t n = 0;
  for (size_t at = r.out.find("[GNUPG:] ENC_TO "); at != std::string::npos;
       at = r.out.find("[GNUPG:] ENC_TO ", at + 1)) {
    ++n;
  }
  return n;
}

// Ada has a proxy and a social-history finding; Bob has neither.
struct WithProxy : TwoPatients {
  WithProxy() {
    WriteExtract("002.ndjson", {SocialFindingLine("sa1", "706893006",
                                                  "Victim of intimate partner abuse (finding)")});
    auto grant = Staff({"proxy", "grant", "--mrn", kAda.mrn, "--key", proxy_key.key_file.string()});
    BOOST_REQUIRE_MESSAGE(grant.exit_code == 0, grant.out);
  }
};

const char kFinding[] = "Victim of intimate partner abuse";

BOOST_FIXTURE_TEST_CASE(the_patient_and_the_proxy_each_open_only_their_own_page, WithProxy) {
  Nightly n = RunNightly(*this);
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  logs += n.run.out;
  BOOST_TEST(n.report["summaries"]["rendered"] == 3);  // Ada's two pages, Bob's one.
  BOOST_TEST(n.report["summaries"]["proxy_pages"]["rendered"] == 1);
  BOOST_TEST(PublishedTokens(*this) == (std::set<std::string>{ada, bob}));
  BOOST_TEST(!fs::exists(ProxyFile(*this, bob)));  // No proxy, no proxies' page.

  const std::string portal_fpr = PortalFingerprint();
  std::string page;
  // The patient's own page: sealed to the patient's key alone, with the social history.
  auto own = Open(ada_key, SummaryFile(*this, ada), &page);
  BOOST_TEST(own.exit_code == 0, own.out);
  BOOST_TEST(own.out.find("[GNUPG:] VALIDSIG " + portal_fpr) != std::string::npos, own.out);
  BOOST_TEST(Recipients(own) == 1u, own.out);
  BOOST_TEST(page.find("Adaline Quorvath") != std::string::npos);
  BOOST_TEST(page.find("Glucose") != std::string::npos);
  BOOST_TEST(page.find("id=\"s-social_history\"") != std::string::npos);
  BOOST_TEST(page.find(kFinding) != std::string::npos);
  BOOST_TEST(Open(proxy_key, SummaryFile(*this, ada), &page).exit_code != 0);
  BOOST_TEST(page.empty());

  // The proxies' page: sealed to the proxy's key alone, without what is for the patient only.
  auto proxy = Open(proxy_key, ProxyFile(*this, ada), &page);
  BOOST_TEST(proxy.exit_code == 0, proxy.out);
  BOOST_TEST(proxy.out.find("[GNUPG:] VALIDSIG " + portal_fpr) != std::string::npos, proxy.out);
  BOOST_TEST(Recipients(proxy) == 1u, proxy.out);
  BOOST_TEST(page.find("Adaline Quorvath") != std::string::npos);
  BOOST_TEST(page.find("Glucose") != std::string::npos);
  BOOST_TEST(page.find("s-social_history") == std::string::npos);
  BOOST_TEST(page.find(kFinding) == std::string::npos);
  BOOST_TEST(Open(ada_key, ProxyFile(*this, ada), &page).exit_code != 0);
  BOOST_TEST(page.empty());

  // Another patient's key opens neither.
  BOOST_TEST(Open(bob_key, SummaryFile(*this, ada), &page).exit_code != 0);
  BOOST_TEST(Open(bob_key, ProxyFile(*this, ada), &page).exit_code != 0);
  auto r = Open(bob_key, SummaryFile(*this, bob), &page);
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(page.find("Sodium") != std::string::npos);
  // Patients check signatures with the published public key.
  BOOST_TEST(Slurp(patients_out / "portal-signing-key.asc") ==
             Slurp(var / "portal-signing-key.asc"));
  ExpectNoPhi(*this, {kAda, kBob}, logs);
}

BOOST_FIXTURE_TEST_CASE(an_unchanged_night_reseals_neither_page, WithProxy) {
  RequireNightly(*this);
  const auto before = ReadTree(patients_out);
  Nightly n = RunNightly(*this);
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  BOOST_TEST(n.report["summaries"]["examined"] == 0);
  BOOST_TEST(n.report["summaries"]["rendered"] == 0);
  BOOST_TEST(n.report["summaries"]["unchanged"] == 3);
  BOOST_TEST(n.report["summaries"]["proxy_pages"]["unchanged"] == 1);
  BOOST_TEST((ReadTree(patients_out) == before));  // Sealing is randomized: nothing resealed.
}

BOOST_FIXTURE_TEST_CASE(a_change_for_the_patient_only_leaves_the_proxies_page_alone, WithProxy) {
  RequireNightly(*this);
  const std::string own_before = Slurp(SummaryFile(*this, ada));
  const std::string proxy_before = Slurp(ProxyFile(*this, ada));
  WriteExtract("003.ndjson", {SocialFindingLine("sa2", "73595000", "Stress (finding)")});
  Nightly n = RunNightly(*this);
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  BOOST_TEST(n.report["summaries"]["examined"] == 1);
  BOOST_TEST(n.report["summaries"]["rendered"] == 1);
  BOOST_TEST(n.report["summaries"]["proxy_pages"]["rendered"] == 0);
  BOOST_TEST(n.report["summaries"]["unchanged"] == 2);  // Ada's proxies' page and Bob's.
  BOOST_TEST(Slurp(ProxyFile(*this, ada)) == proxy_before);
  BOOST_TEST(Slurp(SummaryFile(*this, ada)) != own_before);
  std::string page;
  BOOST_REQUIRE_EQUAL(Open(ada_key, SummaryFile(*this, ada), &page).exit_code, 0);
  BOOST_TEST(page.find("Stress") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(revoking_the_last_proxy_removes_the_proxies_page, WithProxy) {
  RequireNightly(*this);
  const std::string own_before = Slurp(SummaryFile(*this, ada));
  auto revoke =
      Staff({"proxy", "revoke", "--mrn", kAda.mrn, "--fingerprint", proxy_key.fingerprint});
  BOOST_REQUIRE_MESSAGE(revoke.exit_code == 0, revoke.out);
  Nightly n = RunNightly(*this);
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  BOOST_TEST(n.report["summaries"]["examined"] == 1);
  BOOST_TEST(n.report["summaries"]["rendered"] == 0);  // The patient's keys did not change.
  BOOST_TEST(n.report["summaries"]["removed"] == 1);
  BOOST_TEST(n.report["summaries"]["proxy_pages"]["removed"] == 1);
  BOOST_TEST(!fs::exists(ProxyFile(*this, ada)));
  BOOST_TEST(Slurp(SummaryFile(*this, ada)) == own_before);
  std::string page;
  BOOST_TEST(Open(ada_key, SummaryFile(*this, ada), &page).exit_code == 0);
  // And the next night leaves it so.
  n = RunNightly(*this);
  BOOST_TEST(n.report["summaries"]["examined"] == 0);
  BOOST_TEST(n.report["summaries"]["unchanged"] == 2);
  BOOST_TEST(!fs::exists(ProxyFile(*this, ada)));
}

BOOST_FIXTURE_TEST_CASE(a_patient_whose_own_key_expired_keeps_the_proxies_page, TwoPatients) {
  // Ada's own key expires in 2040; the proxy's never does.
  PortalFixture::Person expiring;
  expiring.home = keys.Home("expiring");
  expiring.fingerprint =
      keys.Generate(expiring.home, "E <e@test.invalid>", "default", "default", "20400101T000000");
  expiring.key_file = keys.Export(expiring.home, expiring.fingerprint, "expiring.asc");
  auto replace =
      Staff({"enroll", "--mrn", kAda.mrn, "--key", expiring.key_file.string(), "--replace-key"});
  BOOST_REQUIRE_MESSAGE(replace.exit_code == 0, replace.out);
  auto grant = Staff({"proxy", "grant", "--mrn", kAda.mrn, "--key", proxy_key.key_file.string()});
  BOOST_REQUIRE_MESSAGE(grant.exit_code == 0, grant.out);
  Nightly before = RunNightly(*this, {"--as-of", "2039-12-31T00:00:00Z"});
  BOOST_REQUIRE_MESSAGE(before.run.exit_code == 0, before.run.out);
  BOOST_TEST(fs::exists(SummaryFile(*this, ada)));
  BOOST_TEST(fs::exists(ProxyFile(*this, ada)));
  Nightly after = RunNightly(*this, {"--as-of", "2040-01-02T00:00:00Z"});
  BOOST_REQUIRE_MESSAGE(after.run.exit_code == 0, after.run.out);
  BOOST_TEST(!fs::exists(SummaryFile(*this, ada)));
  BOOST_TEST(after.report["summaries"]["removed"] == 1);
  std::string page;
  BOOST_TEST(Open(proxy_key, ProxyFile(*this, ada), &page).exit_code == 0);
  BOOST_TEST(page.find("Glucose") != std::string::npos);
}

// The render state as a version-1 portal-gen left it: one page per patient, sealed to every
// key (so its keyset_hash is of the proxy's key too), and no proxies' page.
void MakeVersionOneState(const PortalFixture& f, const std::string& token,
                         const std::vector<std::string>& fingerprints) {
  std::unique_ptr<SqliteDb> db;
  BOOST_REQUIRE(SqliteDb::Open(f.var / "nightly.sqlite", SqliteDb::Journal::kWal, &db).ok());
  std::vector<std::string> sorted = fingerprints;
  std::sort(sorted.begin(), sorted.end());
  std::string joined;
  for (const auto& fpr : sorted) joined += fpr + ",";
  const Status st = db->Exec(
      "BEGIN;"
      "CREATE TABLE v1(token TEXT PRIMARY KEY, patient_id TEXT NOT NULL, published INTEGER NOT "
      "NULL, summary_hash TEXT NOT NULL, keyset_hash TEXT NOT NULL, build_hash TEXT NOT NULL, "
      "valid_until INTEGER NOT NULL, skip_reason TEXT NOT NULL) WITHOUT ROWID;"
      "INSERT INTO v1 SELECT token, patient_id, published, summary_hash, keyset_hash, "
      "build_hash, valid_until, skip_reason FROM summaries;"
      "DROP TABLE summaries; ALTER TABLE v1 RENAME TO summaries;"
      "UPDATE summaries SET keyset_hash = '" +
      Sha256Hex(joined) + "' WHERE token = '" + token +
      "';"
      "PRAGMA user_version = 1; COMMIT;");
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  fs::remove(ProxyFile(f, token));
}

BOOST_FIXTURE_TEST_CASE(a_version_one_state_upgrades_and_splits_the_pages, WithProxy) {
  RequireNightly(*this);
  MakeVersionOneState(*this, ada, {ada_key.fingerprint, proxy_key.fingerprint});
  const std::string bob_before = Slurp(SummaryFile(*this, bob));
  Nightly n = RunNightly(*this);
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  // Ada's page was sealed to the proxy too: sealed again to Ada alone, and the proxies' page
  // made. Bob's page was sealed to his key alone, as now: left as it was.
  BOOST_TEST(n.report["summaries"]["examined"] == 1);
  BOOST_TEST(n.report["summaries"]["rendered"] == 2);
  BOOST_TEST(n.report["summaries"]["proxy_pages"]["rendered"] == 1);
  BOOST_TEST(n.report["summaries"]["unchanged"] == 1);
  BOOST_TEST(Slurp(SummaryFile(*this, bob)) == bob_before);
  std::string page;
  BOOST_TEST(Open(proxy_key, ProxyFile(*this, ada), &page).exit_code == 0);
  BOOST_TEST(Open(proxy_key, SummaryFile(*this, ada), &page).exit_code != 0);
  {
    std::unique_ptr<SqliteDb> db;
    BOOST_REQUIRE(SqliteDb::Open(var / "nightly.sqlite", SqliteDb::Journal::kWal, &db).ok());
    int64_t version = 0;
    BOOST_REQUIRE(db->UserVersion(&version).ok());
    BOOST_TEST(version == 2);
  }
  n = RunNightly(*this);  // Upgraded once: the next night has nothing to do.
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  BOOST_TEST(n.report["summaries"]["examined"] == 0);
  BOOST_TEST(n.report["summaries"]["unchanged"] == 3);
}

BOOST_FIXTURE_TEST_CASE(an_unchanged_night_encrypts_nothing, TwoPatients) {
  Nightly first = RunNightly(*this);
  BOOST_REQUIRE_MESSAGE(first.run.exit_code == 0, first.run.out);
  const auto before = ReadTree(patients_out);
  Nightly second = RunNightly(*this);
  BOOST_REQUIRE_MESSAGE(second.run.exit_code == 0, second.run.out);
  BOOST_TEST(second.report["summaries"]["examined"] == 0);  // Records not even read.
  BOOST_TEST(second.report["summaries"]["rendered"] == 0);
  BOOST_TEST(second.report["summaries"]["unchanged"] == 2);
  BOOST_TEST(second.report["ingest"]["files_read"] == 0);
  BOOST_TEST(second.report["ingest"]["files_already_read"] == 1);
  // OpenPGP encryption is randomized: byte-identical files were not encrypted again.
  BOOST_TEST((ReadTree(patients_out) == before));
  for (const char* phase : {"ingest", "site", "stale", "plan", "summaries"}) {
    BOOST_TEST(second.report["phases_seconds"].contains(phase), phase);
  }
}

BOOST_FIXTURE_TEST_CASE(only_what_changed_is_made_again, TwoPatients) {
  RequireNightly(*this);
  const std::string ada_before = Slurp(SummaryFile(*this, ada));
  const std::string bob_before = Slurp(SummaryFile(*this, bob));

  // A new result for Bob issued one hour before as-of: stored, but not shown for 72 hours, so
  // the page (and its file) stay as they were.
  WriteExtract("002.ndjson", {LabLine("ob2", "pb", "Potassium", "2025-05-31T23:00:00Z")});
  Nightly n = RunNightly(*this);
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  BOOST_TEST(n.report["ingest"]["files_read"] == 1);
  BOOST_TEST(n.report["summaries"]["examined"] == 1);  // Bob's records changed; Ada's did not.
  BOOST_TEST(n.report["summaries"]["rendered"] == 0);
  BOOST_TEST(Slurp(SummaryFile(*this, bob)) == bob_before);

  // 72 hours later it is released: Bob's page is made again, Ada's is left alone.
  n = RunNightly(*this, {"--as-of", kThreeDaysLater});
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  BOOST_TEST(n.report["summaries"]["rendered"] == 1);
  BOOST_TEST(n.report["summaries"]["unchanged"] == 1);
  BOOST_TEST(Slurp(SummaryFile(*this, ada)) == ada_before);
  std::string page;
  BOOST_REQUIRE_EQUAL(Open(bob_key, SummaryFile(*this, bob), &page).exit_code, 0);
  BOOST_TEST(page.find("Potassium") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(unenrolled_and_deleted_patients_lose_their_files, TwoPatients) {
  RequireNightly(*this);
  BOOST_REQUIRE(fs::exists(SummaryFile(*this, ada)));
  auto r = Staff({"unenroll", "--mrn", kBob.mrn});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  WriteExtract("002.ndjson", {testing::DeletionLine("Patient", "pa")});
  Nightly n = RunNightly(*this);
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  BOOST_TEST(n.report["summaries"]["removed"] == 2);
  BOOST_TEST(n.report["summaries"]["skipped_by_reason"]["not in the record store"] == 1);
  BOOST_TEST(PublishedTokens(*this).empty());
}

BOOST_FIXTURE_TEST_CASE(a_patient_who_dies_loses_the_file, TwoPatients) {
  RequireNightly(*this);
  FakePatient died = kAda;
  died.deceased = true;
  WriteExtract("002.ndjson", {PatientLine(died)});
  Nightly n = RunNightly(*this);
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  BOOST_TEST(n.report["summaries"]["skipped_by_reason"]["deceased"] == 1);
  BOOST_TEST(!fs::exists(SummaryFile(*this, ada)));
  BOOST_TEST(fs::exists(SummaryFile(*this, bob)));
}

// The plaintext of every published summary, by token, as each one's own key opens it.
std::map<std::string, std::string> OpenAll(TwoPatients& f) {
  std::map<std::string, std::string> out;
  for (const auto& [token, who] : {std::pair{f.ada, &f.ada_key}, std::pair{f.bob, &f.bob_key}}) {
    if (!fs::exists(SummaryFile(f, token))) continue;
    std::string page;
    auto r = f.Open(*who, SummaryFile(f, token), &page);
    BOOST_TEST(r.exit_code == 0, r.out);
    out[token] = page;
  }
  return out;
}

BOOST_FIXTURE_TEST_CASE(full_and_incremental_runs_publish_the_same_pages, TwoPatients) {
  RequireNightly(*this);
  // Three days later only Bob's records changed: Ada's file stays from the first night.
  WriteExtract("002.ndjson", {LabLine("ob2", "pb", "Potassium", "2025-05-30T23:00:00Z")});
  const std::string ada_first = Slurp(SummaryFile(*this, ada));
  Nightly incremental = RunNightly(*this, {"--as-of", kThreeDaysLater});
  BOOST_REQUIRE_MESSAGE(incremental.run.exit_code == 0, incremental.run.out);
  BOOST_TEST(incremental.report["summaries"]["rendered"] == 1);
  BOOST_TEST(Slurp(SummaryFile(*this, ada)) == ada_first);
  const auto tokens = PublishedTokens(*this);
  const auto pages = OpenAll(*this);
  Nightly full = RunNightly(*this, {"--as-of", kThreeDaysLater, "--full"});
  BOOST_REQUIRE_MESSAGE(full.run.exit_code == 0, full.run.out);
  BOOST_TEST(full.report["summaries"]["rendered"] == 2);
  BOOST_TEST(full.report["full"] == true);
  BOOST_TEST(PublishedTokens(*this) == tokens);
  BOOST_TEST(OpenAll(*this) == pages);  // Same pages, Ada's made three days apart.
  BOOST_TEST(pages.at(bob).find("Potassium") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(two_new_extract_files_in_one_night_apply_in_order, TwoPatients) {
  RequireNightly(*this);
  // A night was missed: two deltas wait, both amending Ada's glucose result, one adding more.
  WriteExtract("002.ndjson", {LabLine("oa1", "pa", "Glucose (corrected)", "2025-05-01T08:00:00Z"),
                              LabLine("oa2", "pa", "Hemoglobin", "2025-05-20T10:00:00Z")});
  WriteExtract("003.ndjson", {LabLine("oa1", "pa", "Glucose (final)", "2025-05-01T08:00:00Z")});
  Nightly n = RunNightly(*this);
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  BOOST_TEST(n.report["ingest"]["files_read"] == 2);
  BOOST_TEST(n.report["ingest"]["records_failed"] == 0);
  std::string page;
  BOOST_REQUIRE_EQUAL(Open(ada_key, SummaryFile(*this, ada), &page).exit_code, 0);
  BOOST_TEST(page.find("Glucose (final)") != std::string::npos);
  BOOST_TEST(page.find("Glucose (corrected)") == std::string::npos);
  BOOST_TEST(page.find("Hemoglobin") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_run_into_another_folder_does_not_leave_the_real_one_stale, TwoPatients) {
  RequireNightly(*this);
  WriteExtract("002.ndjson", {LabLine("oa2", "pa", "Hemoglobin", "2025-05-20T10:00:00Z")});
  const fs::path elsewhere = root() / "preview";
  BOOST_REQUIRE_EQUAL(RunNightly(*this, {"--output", elsewhere.string()}).run.exit_code, 0);
  Nightly n = RunNightly(*this);  // Back to the real output.
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  std::string page;
  BOOST_REQUIRE_EQUAL(Open(ada_key, SummaryFile(*this, ada), &page).exit_code, 0);
  BOOST_TEST(page.find("Hemoglobin") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_second_run_exits_4_at_once_and_changes_nothing, TwoPatients) {
  const int fd = ::open((var / "nightly.lock").c_str(), O_RDWR | O_CREAT, 0600);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  Nightly n = RunNightly(*this);
  ::close(fd);
  BOOST_TEST(n.run.exit_code == 4, n.run.out);
  BOOST_TEST(n.run.out.find("another portal-gen nightly is running") != std::string::npos,
             n.run.out);
  BOOST_TEST(!fs::exists(patients_out));
  BOOST_TEST(RunNightly(*this).run.exit_code == 0);  // Lock released: the next run works.
}

BOOST_FIXTURE_TEST_CASE(shards_split_the_patients_and_never_touch_each_others_files, TwoPatients) {
  std::vector<Person> more;
  for (int i = 0; i < 6; ++i) more.push_back(NewPerson("extra-" + std::to_string(i)));
  std::vector<std::string> lines;
  for (int i = 0; i < 6; ++i) {
    lines.push_back(PatientLine({"px" + std::to_string(i), "M00020" + std::to_string(i), "Xan",
                                 "Doe", "1980-01-0" + std::to_string(i + 1)}));
  }
  WriteExtract("002.ndjson", lines);
  BOOST_REQUIRE_EQUAL(Gen({"ingest", (extracts / "002.ndjson").string()}).exit_code, 0);
  std::set<std::string> all = {ada, bob};
  for (int i = 0; i < 6; ++i) all.insert(EnrollToken(*this, "M00020" + std::to_string(i), more[i]));

  Nightly one = RunNightly(*this, {"--shard", "1/2"});
  BOOST_REQUIRE_MESSAGE(one.run.exit_code == 0, one.run.out);
  BOOST_TEST(!fs::exists(output / "site"));  // Only shard 0 renders the site.
  const auto slice1 = PublishedTokens(*this);
  const auto files1 = ReadTree(patients_out);
  Nightly zero = RunNightly(*this, {"--shard", "0/2"});
  BOOST_REQUIRE_MESSAGE(zero.run.exit_code == 0, zero.run.out);
  BOOST_TEST(fs::exists(output / "site" / "index.html"));
  const auto both = PublishedTokens(*this);
  BOOST_TEST(both == all);
  std::set<std::string> slice0;
  for (const auto& t : both) {
    if (!slice1.count(t)) slice0.insert(t);
  }
  BOOST_TEST(!slice1.empty());
  BOOST_TEST(!slice0.empty());
  BOOST_TEST(one.report["summaries"]["enrolled"].get<size_t>() == slice1.size());
  BOOST_TEST(zero.report["summaries"]["enrolled"].get<size_t>() == slice0.size());
  // Shard 0 left shard 1's files byte for byte as they were.
  for (const auto& [path, bytes] : files1) {
    BOOST_TEST(Slurp(patients_out / path) == bytes, path);
  }
  // The same split every time.
  Nightly again = RunNightly(*this, {"--shard", "1/2", "--full"});
  BOOST_TEST(again.report["summaries"]["rendered"].get<size_t>() == slice1.size());
  BOOST_TEST(Gen({"nightly", "--shard", "2/2"}).exit_code == 2);
}

BOOST_FIXTURE_TEST_CASE(failures_are_counted_and_everything_else_is_published, TwoPatients) {
  // Bob's pinned key file disappears; a record of Ada's arrives malformed.
  fs::remove(var / "keys" / (bob_key.fingerprint + ".asc"));
  WriteExtract("002.ndjson", {LabLine("oa2", "pa", "Hemoglobin", "2025-05-20T10:00:00Z"),
                              "{\"resourceType\": \"Observation\", \"id\": "});
  Nightly n = RunNightly(*this);
  BOOST_TEST(n.run.exit_code == 1, n.run.out);
  BOOST_TEST(n.run.out.find("002.ndjson:2") != std::string::npos, n.run.out);
  BOOST_TEST(n.report["ingest"]["records_failed"] == 1);
  BOOST_TEST(n.report["summaries"]["failed"] == 1);
  BOOST_TEST(n.report["summaries"]["rendered"] == 1);
  BOOST_TEST(n.report["summaries"]["failures"][0].get<std::string>().starts_with("patient " +
                                                                                 bob.substr(0, 8)),
             n.report.dump());
  BOOST_TEST(fs::exists(SummaryFile(*this, ada)));
  BOOST_TEST(!fs::exists(SummaryFile(*this, bob)));
  logs += n.run.out + n.report.dump();
  ExpectNoPhi(*this, {kAda, kBob}, logs);

  // Put back, the next run retries only Bob (his failure was not recorded as done).
  Spit(var / "keys" / (bob_key.fingerprint + ".asc"), Slurp(bob_key.key_file));
  n = RunNightly(*this);
  BOOST_TEST(n.run.exit_code == 0, n.run.out);
  BOOST_TEST(n.report["summaries"]["examined"] == 1);
  BOOST_TEST(n.report["summaries"]["rendered"] == 1);
  BOOST_TEST(fs::exists(SummaryFile(*this, bob)));
}

BOOST_AUTO_TEST_CASE(a_key_that_expires_takes_the_summary_down_when_it_does) {
  PortalFixture f;
  f.WriteExtract("001.ndjson", {PatientLine(kAda)});
  f.Init();
  BOOST_REQUIRE_EQUAL(f.Gen({"ingest", (f.extracts / "001.ndjson").string()}).exit_code, 0);
  PortalFixture::Person who;
  who.home = f.keys.Home("expiring");
  who.fingerprint =
      f.keys.Generate(who.home, "E <e@test.invalid>", "default", "default", "20400101T000000");
  who.key_file = f.keys.Export(who.home, who.fingerprint, "expiring.asc");
  const std::string token = EnrollToken(f, kAda.mrn, who);
  Nightly before = RunNightly(f, {"--as-of", "2039-12-31T00:00:00Z"});
  BOOST_REQUIRE_MESSAGE(before.run.exit_code == 0, before.run.out);
  BOOST_TEST(fs::exists(SummaryFile(f, token)));
  Nightly after = RunNightly(f, {"--as-of", "2040-01-02T00:00:00Z"});
  BOOST_REQUIRE_MESSAGE(after.run.exit_code == 0, after.run.out);
  BOOST_TEST(after.report["summaries"]["skipped_by_reason"]["no usable key (expired)"] == 1);
  BOOST_TEST(!fs::exists(SummaryFile(f, token)));
}

BOOST_FIXTURE_TEST_CASE(output_puts_the_site_and_the_summaries_under_one_root, TwoPatients) {
  const fs::path root = this->root() / "elsewhere";
  Nightly n = RunNightly(*this, {"--output", root.string()});
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  BOOST_TEST(fs::exists(root / "site" / "index.html"));
  BOOST_TEST(fs::exists(root / "patients" / ada / "summary.html.pgp"));
  BOOST_TEST(fs::exists(root / "patients" / bob / "summary.html.pgp"));
  BOOST_TEST(!fs::exists(output));
  BOOST_TEST(n.report["peak_rss_mib"].get<long>() > 0);
}

BOOST_FIXTURE_TEST_CASE(an_mrn_that_comes_to_name_another_patient_publishes_nothing, TwoPatients) {
  RequireNightly(*this);
  // The EHR gives Ada's MRN to another record (a registration error) and Ada another MRN: the
  // keys pinned for that MRN were checked against Ada's ID, not this person's.
  FakePatient ada_now = kAda;
  ada_now.mrn = "M000199";
  const FakePatient other{"pz", kAda.mrn, "Orlanda", "Vexmoor", "1950-02-02"};
  WriteExtract("002.ndjson", {PatientLine(ada_now), PatientLine(other),
                              LabLine("oz1", "pz", "Lipase", "2025-05-01T08:00:00Z")});
  Nightly n = RunNightly(*this);
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  BOOST_TEST(n.report["summaries"]["skipped_by_reason"]["MRN now names another patient"] == 1);
  BOOST_TEST(!fs::exists(SummaryFile(*this, ada)));
  BOOST_TEST(fs::exists(SummaryFile(*this, bob)));
}

}  // namespace
}  // namespace portal
