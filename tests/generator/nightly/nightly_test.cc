#define BOOST_TEST_MODULE nightly_test
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

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
  for (const auto& [path, bytes] : tree) {
    BOOST_TEST(bytes.find("PRIVATE KEY") == std::string::npos, path);
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

BOOST_FIXTURE_TEST_CASE(summaries_open_for_their_patient_and_proxies_only, TwoPatients) {
  auto grant = Staff({"proxy", "grant", "--mrn", kAda.mrn, "--key", proxy_key.key_file.string()});
  BOOST_REQUIRE_MESSAGE(grant.exit_code == 0, grant.out);
  Nightly n = RunNightly(*this);
  BOOST_REQUIRE_MESSAGE(n.run.exit_code == 0, n.run.out);
  logs += n.run.out;
  BOOST_TEST(n.report["summaries"]["rendered"] == 2);
  BOOST_TEST(PublishedTokens(*this) == (std::set<std::string>{ada, bob}));

  const std::string portal_fpr = PortalFingerprint();
  std::string page;
  for (const Person* who : {&ada_key, &proxy_key}) {
    auto r = Open(*who, SummaryFile(*this, ada), &page);
    BOOST_TEST(r.exit_code == 0, r.out);
    BOOST_TEST(r.out.find("[GNUPG:] VALIDSIG " + portal_fpr) != std::string::npos, r.out);
    BOOST_TEST(page.find("Adaline Quorvath") != std::string::npos);
    BOOST_TEST(page.find("Glucose") != std::string::npos);
    BOOST_TEST(page.find("Sodium") == std::string::npos);  // Bob's result.
  }
  auto wrong = Open(bob_key, SummaryFile(*this, ada), &page);
  BOOST_TEST(wrong.exit_code != 0);
  BOOST_TEST(page.empty());
  auto r = Open(bob_key, SummaryFile(*this, bob), &page);
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(page.find("Sodium") != std::string::npos);
  // Patients check signatures with the published public key.
  BOOST_TEST(Slurp(patients_out / "portal-signing-key.asc") ==
             Slurp(var / "portal-signing-key.asc"));

  // Revoking the proxy re-encrypts Ada's summary without their key.
  auto revoke =
      Staff({"proxy", "revoke", "--mrn", kAda.mrn, "--fingerprint", proxy_key.fingerprint});
  BOOST_REQUIRE_MESSAGE(revoke.exit_code == 0, revoke.out);
  n = RunNightly(*this);
  logs += n.run.out;
  BOOST_TEST(n.report["summaries"]["rendered"] == 1);
  BOOST_TEST(n.report["summaries"]["unchanged"] == 1);
  BOOST_TEST(Open(proxy_key, SummaryFile(*this, ada), &page).exit_code != 0);
  BOOST_TEST(Open(ada_key, SummaryFile(*this, ada), &page).exit_code == 0);
  ExpectNoPhi(*this, {kAda, kBob}, logs);
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
  BOOST_REQUIRE_EQUAL(RunNightly(*this).run.exit_code, 0);
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
  BOOST_REQUIRE_EQUAL(RunNightly(*this).run.exit_code, 0);
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
  BOOST_REQUIRE_EQUAL(RunNightly(*this).run.exit_code, 0);
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
  BOOST_REQUIRE_EQUAL(RunNightly(*this).run.exit_code, 0);
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
  BOOST_REQUIRE_EQUAL(RunNightly(*this).run.exit_code, 0);
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
  BOOST_REQUIRE_EQUAL(RunNightly(*this).run.exit_code, 0);
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
  BOOST_REQUIRE_EQUAL(RunNightly(*this).run.exit_code, 0);
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
