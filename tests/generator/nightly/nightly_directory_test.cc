#define BOOST_TEST_MODULE nightly_directory_test
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/clock.h"
#include "core/patient_directory.h"
#include "core/state_layout.h"
#include "tests/portal_fixture.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::FakePatient;
using testing::PatientLine;
using testing::PortalFixture;
using testing::Slurp;

// Invented people (nobody real). The minor turns 18 on 2025-06-02 in New York.
const FakePatient kAdult{"pa", "M000301", "Adaline", "Quill", "1961-04-17"};
const FakePatient kMinor{"pb", "M000302", "Kit", "Marrow", "2007-06-02"};
const FakePatient kDeceased{"pc", "M000303", "Lorimer", "Vantz", "1940-01-02", true};
const FakePatient kNoEmail{"pd", "M000304", "Odo", "Brisk", "1980-02-29"};
const FakePatient kTwinA{"pe", "M000306", "Ansel", "Dupe", "1970-01-01"};  // Same MRN as
const FakePatient kTwinB{"pf", "M000306", "Brisa", "Dupe", "1971-01-01"};  // the next one.
const FakePatient kNewcomer{"pg", "M000305", "Nell", "Fenwright", "1990-10-10"};

// printf %s <address> | sha256sum
const std::string kAdaQuill = "5f59fef81df804ee256ee698c8e4b920b0b03e6baed90da8fe6011e2cb3ff9b4";
const std::string kAdaNew = "d3804022fc78fa730af49790c6769bbeeb1b4210713c62f3c89ebe07184c435c";
const std::string kKitMinor = "f59f2393c32040540d7384c5df52f81a66990c508dc179c256e0dd0e704c71a4";
const std::string kLatePerson = "895d44a21d9030c0fbd38435a798d71920b1ef0b32a943b508c492cb6d93df7d";
const std::string kNewcomerMail =
    "e6397b78a2df4b315ec57e9b48d4e786eaa38ed8a9bc2f2aa19e1ebe8c5395fc";

const std::string kAsOf = "2025-06-01T00:00:00Z";  // 2025-05-31, 20:00 in New York.

// A Patient line with these telecom entries (a phone number first).
std::string WithEmails(const FakePatient& p, const std::vector<std::string>& emails) {
  json j = json::parse(PatientLine(p));
  j["telecom"] = json::array({{{"system", "phone"}, {"value", "860-555-0142"}}});
  for (const auto& e : emails) j["telecom"].push_back({{"system", "email"}, {"value", e}});
  return j.dump();
}

struct Run {
  testing::CommandResult run;
  json report;
};

Run Nightly(const PortalFixture& f, const std::string& as_of,
            const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"nightly", "--as-of", as_of};
  args.insert(args.end(), extra.begin(), extra.end());
  Run r;
  r.run = f.Gen(args);
  std::smatch m;
  static const std::regex kReport("nightly: report: (\\S+)");
  if (std::regex_search(r.run.out, m, kReport)) r.report = json::parse(Slurp(m[1].str()));
  return r;
}

struct Portal : PortalFixture {
  fs::path directory = StateLayout(var).directory_db;
  std::string logs;

  Portal() {
    WriteExtract("001.ndjson",
                 {WithEmails(kAdult, {" Ada.Quill@Example.ORG "}),
                  WithEmails(kMinor, {"kit.minor@example.net"}),
                  WithEmails(kDeceased, {"late.person@example.com"}), WithEmails(kNoEmail, {}),
                  PatientLine(kTwinA), PatientLine(kTwinB)});
    Init();
  }

  Run NightlyOk(const std::string& as_of, const std::vector<std::string>& extra = {}) {
    Run r = Nightly(*this, as_of, extra);
    BOOST_REQUIRE_MESSAGE(r.run.exit_code == 0, r.run.out);
    logs += r.run.out;
    return r;
  }

  std::unique_ptr<PatientDirectory> Open() const {
    std::unique_ptr<PatientDirectory> dir;
    const Status st = PatientDirectory::Open(directory, &dir);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    return dir;
  }

  DirectoryStamp Stamp() const {
    DirectoryStamp s;
    BOOST_REQUIRE(Open()->Stamp(&s).ok());
    return s;
  }

  ino_t Inode() const {
    struct stat info {};
    BOOST_REQUIRE(::stat(directory.c_str(), &info) == 0);
    return info.st_ino;
  }
};

void ExpectEntry(PatientDirectory* dir, const FakePatient& p, Eligibility standing,
                 const std::vector<std::string>& hashes) {
  DirectoryEntry e;
  bool found = false;
  BOOST_REQUIRE(dir->Find(p.mrn, &e, &found).ok());
  BOOST_REQUIRE_MESSAGE(found, p.id);
  BOOST_TEST(e.patient_id == p.id);
  BOOST_TEST(e.birth_date == p.birth_date);
  BOOST_TEST(static_cast<int>(e.standing) == static_cast<int>(standing), p.id);
  BOOST_TEST(e.email_hashes == hashes, boost::test_tools::per_element());
}

bool Has(PatientDirectory* dir, const std::string& mrn) {
  DirectoryEntry e;
  bool found = true;
  BOOST_REQUIRE(dir->Find(mrn, &e, &found).ok());
  return found;
}

// No name, MRN, birth date or address in what the runs printed.
void ExpectNoPhi(const std::string& logs) {
  for (const auto& p : {kAdult, kMinor, kDeceased, kNoEmail, kTwinA, kTwinB, kNewcomer}) {
    for (const std::string& secret : {p.given, p.family, p.mrn, p.birth_date}) {
      BOOST_TEST(logs.find(secret) == std::string::npos, "a log line holds a patient value");
    }
  }
  for (const char* secret :
       {"ada.quill", "Ada.Quill", "kit.minor", "late.person", "ada.new", "newcomer@", "@example"}) {
    BOOST_TEST(logs.find(secret) == std::string::npos, "a log line holds an e-mail address");
  }
}

BOOST_FIXTURE_TEST_CASE(the_nightly_run_publishes_every_patient_with_an_mrn, Portal) {
  const int64_t before = SystemClock().Now();
  Run r = NightlyOk(kAsOf);
  const int64_t after = SystemClock().Now();
  BOOST_TEST(r.run.out.find("portal-gen: directory: rebuilt (not built yet): 4 patients, 3 with "
                            "an e-mail address, 2 left out") != std::string::npos,
             r.run.out);
  BOOST_TEST(r.report["directory"] ==
             json({{"rebuilt", true}, {"patients", 4}, {"with_email", 3}, {"left_out", 2}}));
  BOOST_TEST(r.report["phases_seconds"].contains("directory"));
  struct stat info {};
  BOOST_REQUIRE(::stat(directory.c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 0777) == 0600u);

  auto dir = Open();
  ExpectEntry(dir.get(), kAdult, Eligibility::kEligible, {kAdaQuill});
  ExpectEntry(dir.get(), kMinor, Eligibility::kMinor, {kKitMinor});
  ExpectEntry(dir.get(), kDeceased, Eligibility::kDeceased, {kLatePerson});
  ExpectEntry(dir.get(), kNoEmail, Eligibility::kEligible, {});
  BOOST_TEST(!Has(dir.get(), kTwinA.mrn));  // Two patients hold it: the daemon knows neither.
  BOOST_TEST(!Has(dir.get(), "M000399"));
  DirectoryStamp stamp;
  BOOST_REQUIRE(dir->Stamp(&stamp).ok());
  BOOST_TEST(stamp.ingest_run == 1);             // The store's first ingest run.
  BOOST_TEST(stamp.as_of_date == "2025-05-31");  // The as-of's date in New York.
  BOOST_TEST((before <= stamp.built_at && stamp.built_at <= after));
  BOOST_TEST((stamp.built_at <= stamp.last_nightly_at && stamp.last_nightly_at <= after));
  ExpectNoPhi(logs);
}

BOOST_FIXTURE_TEST_CASE(an_unchanged_night_only_moves_last_nightly_at, Portal) {
  NightlyOk(kAsOf);
  const DirectoryStamp first = Stamp();
  const ino_t inode = Inode();
  BOOST_REQUIRE(TouchPatientDirectory(directory, 1).ok());  // So that a move shows.

  const int64_t before = SystemClock().Now();
  Run r = NightlyOk(kAsOf);
  BOOST_TEST(r.run.out.find("portal-gen: directory: up to date (ingest run 1, 2025-05-31)") !=
                 std::string::npos,
             r.run.out);
  BOOST_TEST(r.report["directory"] == json({{"rebuilt", false}}));
  const DirectoryStamp second = Stamp();
  BOOST_TEST(Inode() == inode);  // Not written again.
  BOOST_TEST(second.built_at == first.built_at);
  BOOST_TEST(second.ingest_run == 1);
  BOOST_TEST(second.last_nightly_at >= before);
  ExpectEntry(Open().get(), kAdult, Eligibility::kEligible, {kAdaQuill});
}

BOOST_FIXTURE_TEST_CASE(a_new_extract_or_a_new_day_rebuilds_it, Portal) {
  NightlyOk(kAsOf);
  const ino_t first_inode = Inode();

  // A new patient, and the adult's address changed in the EHR.
  WriteExtract("002.ndjson", {WithEmails(kAdult, {"ada.new@example.org"}),
                              WithEmails(kNewcomer, {"newcomer@example.org"})});
  Run r = NightlyOk(kAsOf);
  BOOST_TEST(r.run.out.find("portal-gen: directory: rebuilt (new ingest run): 5 patients, 4 with "
                            "an e-mail address") != std::string::npos,
             r.run.out);
  BOOST_TEST(Inode() != first_inode);
  auto dir = Open();
  ExpectEntry(dir.get(), kAdult, Eligibility::kEligible, {kAdaNew});
  ExpectEntry(dir.get(), kNewcomer, Eligibility::kEligible, {kNewcomerMail});
  ExpectEntry(dir.get(), kMinor, Eligibility::kMinor, {kKitMinor});
  DirectoryStamp stamp;
  BOOST_REQUIRE(dir->Stamp(&stamp).ok());
  BOOST_TEST(stamp.ingest_run == 2);

  // No new extract, but a new local day: the minor's 18th birthday in New York.
  r = NightlyOk("2025-06-02T12:00:00Z");
  BOOST_TEST(r.run.out.find("portal-gen: directory: rebuilt (new day)") != std::string::npos,
             r.run.out);
  dir = Open();
  ExpectEntry(dir.get(), kMinor, Eligibility::kEligible, {kKitMinor});
  BOOST_REQUIRE(dir->Stamp(&stamp).ok());
  BOOST_TEST(stamp.ingest_run == 2);
  BOOST_TEST(stamp.as_of_date == "2025-06-02");

  // --full writes it again whatever the stamp says.
  const ino_t before_full = Inode();
  r = NightlyOk("2025-06-02T12:00:00Z", {"--full"});
  BOOST_TEST(r.run.out.find("portal-gen: directory: rebuilt (--full)") != std::string::npos,
             r.run.out);
  BOOST_TEST(Inode() != before_full);
  ExpectNoPhi(logs);
}

BOOST_FIXTURE_TEST_CASE(only_shard_0_writes_it, Portal) {
  Run r = NightlyOk(kAsOf, {"--shard", "1/2"});
  BOOST_TEST(r.run.out.find("portal-gen: directory:") == std::string::npos, r.run.out);
  BOOST_TEST(!fs::exists(directory));
  NightlyOk(kAsOf, {"--shard", "0/2"});
  BOOST_TEST(fs::exists(directory));
}

}  // namespace
}  // namespace portal
