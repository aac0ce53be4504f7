#define BOOST_TEST_MODULE patient_directory_test
#include "core/patient_directory.h"

#include <sys/stat.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <set>

#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::Slurp;
using testing::Spit;
using testing::TempDir;

// printf %s someone@example.org | sha256sum
const std::string kSomeoneHash = "79a6123c2db3b110c92f2872d217545dfc5ff5147bbdd47e67e72f223747a538";
// printf %s another@example.net | sha256sum
const std::string kAnotherHash = "ec17fde58d6024bc80fc08dffed27d5223f90fa5ce882c8e970fbe20d248f8d9";

constexpr int64_t kNoon = 1748779200;  // 2025-06-01T12:00:00Z

// Invented patients (nobody real).
DirectoryEntry Adult() {
  return {"M000201", "pa", "1961-04-17", Eligibility::kEligible, {kAnotherHash, kSomeoneHash}};
}
DirectoryEntry Minor() { return {"M000202", "pb", "2012", Eligibility::kMinor, {}}; }
DirectoryEntry Deceased() {
  return {"M000203", "pc", "1940-01-02", Eligibility::kDeceased, {kSomeoneHash}};
}
DirectoryEntry NoPatient() { return {"M000204", "pd", "", Eligibility::kNoPatient, {}}; }

DirectoryStamp StampOf(int64_t run) { return {run, "2025-06-01", 1748736000 + run, 1748736100}; }

std::set<std::string> Names(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

std::unique_ptr<PatientDirectory> OpenOrFail(const fs::path& path) {
  std::unique_ptr<PatientDirectory> dir;
  const Status st = PatientDirectory::Open(path, &dir);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  return dir;
}

DirectoryEntry FindOrFail(PatientDirectory* dir, const std::string& mrn) {
  DirectoryEntry e;
  bool found = false;
  BOOST_REQUIRE(dir->Find(mrn, &e, &found).ok());
  BOOST_REQUIRE(found);
  return e;
}

bool Has(PatientDirectory* dir, const std::string& mrn) {
  DirectoryEntry e;
  bool found = true;
  BOOST_REQUIRE(dir->Find(mrn, &e, &found).ok());
  return found;
}

void ExpectEntry(const DirectoryEntry& got, const DirectoryEntry& want) {
  BOOST_TEST(got.mrn == want.mrn);
  BOOST_TEST(got.patient_id == want.patient_id);
  BOOST_TEST(got.birth_date == want.birth_date);
  BOOST_TEST(static_cast<int>(got.standing) == static_cast<int>(want.standing));
  std::vector<std::string> sorted = want.email_hashes;  // The reader gives them in order.
  std::sort(sorted.begin(), sorted.end());
  BOOST_TEST(got.email_hashes == sorted, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(email_hash_is_sha256_of_the_trimmed_lower_case_address) {
  BOOST_TEST(EmailHash(" Someone@Example.ORG ") == kSomeoneHash);
  BOOST_TEST(EmailHash("\tSOMEONE@example.org\r\n") == kSomeoneHash);
  BOOST_TEST(EmailHash("someone@example.org") == kSomeoneHash);
  BOOST_TEST(EmailHash("another@example.net") == kAnotherHash);
  BOOST_TEST(EmailHash("some one@example.org") != kSomeoneHash);  // Inner space kept.
}

BOOST_AUTO_TEST_CASE(patient_emails_takes_current_email_telecoms_as_written) {
  const std::string patient = R"({"resourceType":"Patient","id":"pa","telecom":[
    {"system":"phone","value":"860-555-0199"},
    {"system":"email","value":"Someone@Example.ORG"},
    {"system":"email","value":"ended@example.org","period":{"end":"2025-06-01T11:59:59Z"}},
    {"system":"email","value":"until-later@example.org","period":{"end":"2025-06-01T12:00:00Z"}},
    {"system":"email","value":"through-today@example.org","period":{"end":"2025-06-01"}},
    {"system":"email","value":"through-june@example.org","period":{"start":"2020","end":"2025-06"}},
    {"system":"email","value":"last-month@example.org","period":{"end":"2025-05"}},
    {"system":"email","value":"bad-end@example.org","period":{"end":"June"}},
    {"system":"email","value":"old@example.org","use":"old"},
    {"system":"email","value":"home@example.org","use":"home"},
    {"system":"email","value":"  "},
    {"system":"email"},
    {"system":"url","value":"https://example.org/"},
    {"value":"nosystem@example.org"}
  ]})";
  const std::vector<std::string> expected = {"Someone@Example.ORG", "until-later@example.org",
                                             "through-today@example.org",
                                             "through-june@example.org", "home@example.org"};
  BOOST_TEST(PatientEmails(patient, kNoon) == expected, boost::test_tools::per_element());
  BOOST_TEST(EmailHash(PatientEmails(patient, kNoon).front()) == kSomeoneHash);
  // A day later the addresses ending today are gone.
  const std::vector<std::string> next_day = {"Someone@Example.ORG", "through-june@example.org",
                                             "home@example.org"};
  BOOST_TEST(PatientEmails(patient, kNoon + 86400) == next_day, boost::test_tools::per_element());
  BOOST_TEST(PatientEmails(R"({"resourceType":"Patient","id":"pb"})", kNoon).empty());
  BOOST_TEST(PatientEmails(R"({"telecom":"someone@example.org"})", kNoon).empty());
  BOOST_TEST(PatientEmails("{not json", kNoon).empty());
}

BOOST_AUTO_TEST_CASE(written_entries_read_back_with_the_stamp) {
  TempDir tmp;
  const fs::path path = tmp.path() / "directory.sqlite";
  const Status st =
      WritePatientDirectory(path, {Adult(), Minor(), Deceased(), NoPatient()}, StampOf(7));
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  // Only the file itself is left, and only its owner may read it.
  BOOST_TEST(Names(tmp.path()) == (std::set<std::string>{"directory.sqlite"}),
             boost::test_tools::per_element());
  struct stat info {};
  BOOST_REQUIRE(::stat(path.c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 0777) == 0600u);

  auto dir = OpenOrFail(path);
  ExpectEntry(FindOrFail(dir.get(), "M000201"), Adult());
  ExpectEntry(FindOrFail(dir.get(), "M000202"), Minor());
  ExpectEntry(FindOrFail(dir.get(), "M000203"), Deceased());
  ExpectEntry(FindOrFail(dir.get(), "M000204"), NoPatient());
  BOOST_TEST(!Has(dir.get(), "M000299"));
  DirectoryStamp stamp;
  BOOST_REQUIRE(dir->Stamp(&stamp).ok());
  BOOST_TEST(stamp.ingest_run == 7);
  BOOST_TEST(stamp.as_of_date == "2025-06-01");
  BOOST_TEST(stamp.built_at == 1748736007);
  BOOST_TEST(stamp.last_nightly_at == 1748736100);
}

BOOST_AUTO_TEST_CASE(touch_moves_only_last_nightly_at) {
  TempDir tmp;
  const fs::path path = tmp.path() / "directory.sqlite";
  BOOST_REQUIRE(WritePatientDirectory(path, {Adult()}, StampOf(3)).ok());
  BOOST_REQUIRE(TouchPatientDirectory(path, 1748800000).ok());
  auto dir = OpenOrFail(path);
  DirectoryStamp stamp;
  BOOST_REQUIRE(dir->Stamp(&stamp).ok());
  BOOST_TEST(stamp.ingest_run == 3);
  BOOST_TEST(stamp.as_of_date == "2025-06-01");
  BOOST_TEST(stamp.built_at == 1748736003);
  BOOST_TEST(stamp.last_nightly_at == 1748800000);
  ExpectEntry(FindOrFail(dir.get(), "M000201"), Adult());
}

BOOST_AUTO_TEST_CASE(a_reader_keeps_the_directory_it_opened_and_the_next_sees_the_new_one) {
  TempDir tmp;
  const fs::path path = tmp.path() / "directory.sqlite";
  BOOST_REQUIRE(WritePatientDirectory(path, {Adult(), Minor()}, StampOf(1)).ok());
  auto before = OpenOrFail(path);
  BOOST_TEST(Has(before.get(), "M000201"));  // Reading once before the rewrite.

  DirectoryEntry changed = Adult();
  changed.email_hashes = {kSomeoneHash};
  changed.standing = Eligibility::kDeceased;
  BOOST_REQUIRE(WritePatientDirectory(path, {changed, Deceased()}, StampOf(2)).ok());

  // The reader opened before: the old directory, whole.
  ExpectEntry(FindOrFail(before.get(), "M000201"), Adult());
  BOOST_TEST(Has(before.get(), "M000202"));
  BOOST_TEST(!Has(before.get(), "M000203"));
  DirectoryStamp stamp;
  BOOST_REQUIRE(before->Stamp(&stamp).ok());
  BOOST_TEST(stamp.ingest_run == 1);

  // A reader opened after: the new one, whole.
  auto after = OpenOrFail(path);
  ExpectEntry(FindOrFail(after.get(), "M000201"), changed);
  BOOST_TEST(!Has(after.get(), "M000202"));
  ExpectEntry(FindOrFail(after.get(), "M000203"), Deceased());
  BOOST_REQUIRE(after->Stamp(&stamp).ok());
  BOOST_TEST(stamp.ingest_run == 2);
}

BOOST_AUTO_TEST_CASE(a_killed_writers_leftovers_are_cleared_by_the_next_write) {
  TempDir tmp;
  const fs::path path = tmp.path() / "directory.sqlite";
  BOOST_REQUIRE(WritePatientDirectory(path, {Minor()}, StampOf(1)).ok());
  Spit(tmp.path() / "directory.sqlite.tmp-0123456789abcdef", "half a file");
  Spit(tmp.path() / "directory.sqlite.tmp-0123456789abcdef-journal", "its journal");
  Spit(tmp.path() / "directory.sqlite-journal", "a journal left by a killed touch");
  Spit(tmp.path() / "registry.sqlite", "someone else's");
  BOOST_REQUIRE(WritePatientDirectory(path, {Adult()}, StampOf(2)).ok());
  BOOST_TEST(Names(tmp.path()) == (std::set<std::string>{"directory.sqlite", "registry.sqlite"}),
             boost::test_tools::per_element());
  auto dir = OpenOrFail(path);
  ExpectEntry(FindOrFail(dir.get(), "M000201"), Adult());
}

BOOST_AUTO_TEST_CASE(a_missing_directory_is_an_error_and_is_never_created) {
  TempDir tmp;
  const fs::path path = tmp.path() / "directory.sqlite";
  std::unique_ptr<PatientDirectory> dir;
  const Status st = PatientDirectory::Open(path, &dir);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message() == "the patient directory is not built yet (run portal-gen nightly)");
  BOOST_TEST(!TouchPatientDirectory(path, 1).ok());
  std::unique_ptr<SqliteDb> db;
  BOOST_TEST(!SqliteDb::OpenReadOnly(path, &db).ok());
  BOOST_TEST(Names(tmp.path()).empty());
}

BOOST_AUTO_TEST_CASE(the_read_only_connection_cannot_write) {
  TempDir tmp;
  const fs::path path = tmp.path() / "directory.sqlite";
  BOOST_REQUIRE(WritePatientDirectory(path, {Adult()}, StampOf(1)).ok());
  const std::string bytes = Slurp(path);
  {
    std::unique_ptr<SqliteDb> db;
    BOOST_REQUIRE(SqliteDb::OpenReadOnly(path, &db).ok());
    BOOST_TEST(!db->Exec("INSERT INTO patients VALUES('M000209', 'px', '1970', 'eligible')").ok());
    BOOST_TEST(!db->Exec("UPDATE stamp SET value = '9' WHERE key = 'ingest_run'").ok());
    BOOST_TEST(!db->Exec("PRAGMA user_version = 9").ok());
    BOOST_TEST(!db->Exec("CREATE TABLE extra(x)").ok());
    int64_t version = 0;
    BOOST_REQUIRE(db->UserVersion(&version).ok());
    BOOST_TEST(version == 1);
  }
  auto dir = OpenOrFail(path);
  ExpectEntry(FindOrFail(dir.get(), "M000201"), Adult());
  BOOST_TEST(!Has(dir.get(), "M000209"));
  BOOST_TEST((Slurp(path) == bytes));
  BOOST_TEST(Names(tmp.path()) == (std::set<std::string>{"directory.sqlite"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_file_of_another_schema_is_refused) {
  TempDir tmp;
  const fs::path path = tmp.path() / "directory.sqlite";
  {
    std::unique_ptr<SqliteDb> db;
    BOOST_REQUIRE(SqliteDb::Open(path, SqliteDb::Journal::kRollback, &db).ok());
    BOOST_REQUIRE(db->Exec("CREATE TABLE t(x); PRAGMA user_version = 7;").ok());
  }
  std::unique_ptr<PatientDirectory> dir;
  const Status st = PatientDirectory::Open(path, &dir);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("schema version 7") != std::string::npos, st.message());
  BOOST_TEST(!TouchPatientDirectory(path, 1).ok());
}

}  // namespace
}  // namespace portal
