#define BOOST_TEST_MODULE ingest_test
#include "generator/records/ingest.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <map>

#include "core/clock.h"
#include "core/record_store.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::Spit;
using testing::TempDir;

const fs::path kBundles = testing::SharedDir() / "fhir-samples" / "us-core-bundles";

struct Fixture {
  TempDir dir;
  PortalConfig cfg;
  FixedClock clock{1748736000};  // 2025-06-01T00:00:00Z
  Fixture() {
    const fs::path config = testing::CopyProjectSite(dir.path());
    BOOST_REQUIRE(LoadConfig(config, &cfg).ok());
    cfg.paths.state_dir = dir.path() / "state";
  }
  IngestReport Run(const std::vector<fs::path>& paths, bool expect_ok = true) {
    IngestReport report;
    Status st = Ingest(cfg, paths, clock, &report);
    BOOST_REQUIRE_MESSAGE(st.ok() == expect_ok, st.message());
    return report;
  }
  std::map<std::string, int> TypesOf(const std::string& patient) {
    std::unique_ptr<RecordStore> store;
    BOOST_REQUIRE(RecordStore::Open(RecordStore::PathIn(cfg.paths.state_dir), &store).ok());
    std::vector<RecordStore::StoredResource> resources;
    BOOST_REQUIRE(store->ResourcesOf(patient, &resources).ok());
    std::map<std::string, int> types;
    for (const auto& r : resources) ++types[r.type];
    return types;
  }
  std::string JsonOf(const std::string& patient, const std::string& type, const std::string& id) {
    std::unique_ptr<RecordStore> store;
    BOOST_REQUIRE(RecordStore::Open(RecordStore::PathIn(cfg.paths.state_dir), &store).ok());
    std::vector<RecordStore::StoredResource> resources;
    BOOST_REQUIRE(store->ResourcesOf(patient, &resources).ok());
    for (const auto& r : resources) {
      if (r.type == type && r.id == id) return r.json;
    }
    return "";
  }
};

// Entries in a Bundle file, counted with nlohmann::json (not the code under test).
size_t EntriesIn(const fs::path& bundle) {
  return nlohmann::json::parse(testing::Slurp(bundle))["entry"].size();
}

BOOST_FIXTURE_TEST_CASE(shared_bundles_are_stored_by_patient, Fixture) {
  IngestReport r = Run({kBundles});
  size_t entries = 0;
  for (const char* f :
       {"uscore_bundle_patient_85.json", "uscore_bundle_patient_355.json",
        "uscore_bundle_patient_907.json", "uscore_bundle_patient_client_test.json"}) {
    entries += EntriesIn(kBundles / f);
  }
  BOOST_TEST(r.read == entries);
  BOOST_TEST(r.failed == 0u);
  BOOST_TEST(r.inserted == entries);
  BOOST_TEST(r.patients_touched == 4u);
  // Counts from ../shared/fhir-samples/README.md.
  auto p85 = TypesOf("85");
  BOOST_TEST(p85["Patient"] == 1);
  BOOST_TEST(p85["Observation"] == 66);
  BOOST_TEST(p85["DiagnosticReport"] == 20);
  BOOST_TEST(p85["DocumentReference"] == 25);
  BOOST_TEST(p85["Immunization"] == 20);
  BOOST_TEST(p85["MedicationRequest"] == 13);
  BOOST_TEST(p85["Encounter"] == 60);
  BOOST_TEST(p85.count("Organization") == 0u);  // Shared, not the patient's.
  auto p355 = TypesOf("355");
  BOOST_TEST(p355["AllergyIntolerance"] == 10);
  BOOST_TEST(p355["Observation"] == 140);
  BOOST_TEST(p355["Encounter"] == 129);
  BOOST_TEST(TypesOf("907")["Encounter"] == 1);
  // Their MRNs are UUIDs, not M + 6 digits, and 907 has none: reported, still stored.
  BOOST_TEST(r.mrn_unmatched == 4u);
}

BOOST_FIXTURE_TEST_CASE(ingesting_the_same_extract_twice_changes_nothing, Fixture) {
  const IngestReport first = Run({kBundles});
  const IngestReport second = Run({kBundles});
  BOOST_TEST(second.inserted == 0u);
  BOOST_TEST(second.updated == 0u);
  BOOST_TEST(second.unchanged == first.inserted);
  BOOST_TEST(second.patients_touched == 0u);
  BOOST_TEST(second.run == first.run + 1);
}

const char kPatientA[] =
    R"({"resourceType":"Patient","id":"a","birthDate":"1980-02-03","identifier":[{"type":)"
    R"({"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},)"
    R"("value":"M123456"}]})";
const char kPatientB[] =
    R"({"resourceType":"Patient","id":"b","identifier":[{"type":{"coding":[{"system":)"
    R"("http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"value":"M654321"}]})";

std::string Obs(const std::string& id, const std::string& patient, const std::string& value) {
  return R"({"resourceType":"Observation","id":")" + id + R"(","subject":{"reference":"Patient/)" +
         patient + R"("},"effectiveDateTime":"2024-01-02T03:04:05Z","valueString":")" + value +
         R"("})";
}

BOOST_FIXTURE_TEST_CASE(a_delta_changes_only_what_it_carries, Fixture) {
  Spit(dir.path() / "full" / "Patient.000.ndjson",
       std::string(kPatientA) + "\n" + kPatientB + "\n");
  Spit(dir.path() / "full" / "Observation.000.ndjson",
       Obs("o1", "a", "x") + "\n" + Obs("o2", "a", "y") + "\n" + Obs("o3", "b", "z") + "\n");
  IngestReport r = Run({dir.path() / "full"});
  BOOST_TEST(r.inserted == 5u);
  BOOST_TEST(r.mrn_unmatched == 0u);
  Spit(dir.path() / "delta" / "Observation.000.ndjson", Obs("o2", "a", "changed") + "\n");
  r = Run({dir.path() / "delta"});
  BOOST_TEST(r.updated == 1u);
  BOOST_TEST(r.inserted == 0u);
  BOOST_TEST(r.patients_touched == 1u);
  BOOST_TEST(JsonOf("a", "Observation", "o2").find("changed") != std::string::npos);
  BOOST_TEST(TypesOf("b")["Observation"] == 1);
}

BOOST_FIXTURE_TEST_CASE(bulk_deletions_remove_resources_and_whole_patients, Fixture) {
  Spit(dir.path() / "full" / "all.ndjson", std::string(kPatientA) + "\n" + kPatientB + "\n" +
                                               Obs("o1", "a", "x") + "\n" + Obs("o2", "a", "y") +
                                               "\n" + Obs("o3", "b", "z") + "\n");
  Run({dir.path() / "full"});
  Spit(dir.path() / "deleted" / "deleted.ndjson",
       R"({"resourceType":"Bundle","type":"transaction","entry":[)"
       R"({"request":{"method":"DELETE","url":"Observation/o1"}},)"
       R"({"request":{"method":"DELETE","url":"Patient/b"}}]})"
       "\n");
  IngestReport r = Run({dir.path() / "deleted"});
  BOOST_TEST(r.deleted == 3u);  // o1; Patient b and o3.
  BOOST_TEST(r.patients_touched == 2u);
  BOOST_TEST((TypesOf("a") == std::map<std::string, int>{{"Patient", 1}, {"Observation", 1}}));
  BOOST_TEST(TypesOf("b").empty());
}

BOOST_FIXTURE_TEST_CASE(bad_records_are_reported_and_their_patient_keeps_its_state, Fixture) {
  Spit(dir.path() / "full" / "all.ndjson", std::string(kPatientA) + "\n" + kPatientB + "\n" +
                                               Obs("o1", "a", "old") + "\n" +
                                               Obs("o3", "b", "old") + "\n");
  Run({dir.path() / "full"});
  const fs::path bad = dir.path() / "bad" / "Observation.000.ndjson";
  Spit(bad, Obs("o1", "a", "new") + "\n" +  // 1: good, a
                "{not json\n" +             // 2
                R"({"resourceType":"Observation","id":"o4","valueString":"v"})"
                "\n"  // 3: no patient
                R"({"resourceType":"Spaceship","id":"s1"})"
                "\n" +  // 4: unknown type
                R"({"resourceType":"Observation","id":"o5","subject":{"reference":"Patient/a"},)"
                R"("effectiveDateTime":"2024-13-45"})"
                "\n" +  // 5: bad date, a
                Obs("o3", "b", "new") +
                "\n" +                                                           // 6: good, b
                Obs("o6", "b", "new") + "\n" + Obs("o6", "b", "other") + "\n" +  // 7, 8: duplicate
                Obs("o7", "c", "new") + "\n" +                                   // 9: good, c
                R"({"resourceType":"Observation","id":"o8","subj)");             // 10: truncated
  IngestReport r = Run({bad});
  const std::string f = bad.string() + ":";
  auto has = [&](const std::string& needle) {
    for (const auto& e : r.errors) {
      if (e.find(needle) != std::string::npos) return true;
    }
    return false;
  };
  BOOST_TEST(r.failed == 6u);  // Lines 2, 3, 4, 5, 8 and 10.
  BOOST_TEST(has(f + "2: malformed JSON"));
  BOOST_TEST(has(f + "3: Observation/o4: no patient reference (subject)"));
  BOOST_TEST(has(f + "4: unknown resource type 'Spaceship'"));
  BOOST_TEST(has(f + "5: Observation/o5: effectiveDateTime is not a valid FHIR date"));
  BOOST_TEST(has(f + "8: Observation/o6: duplicate id (first at " + f + "7)"));
  BOOST_TEST(has(f + "10: malformed JSON"));
  // a (bad date) and b (duplicate) keep their previous state; c's good record is taken.
  BOOST_TEST(JsonOf("a", "Observation", "o1").find("old") != std::string::npos);
  BOOST_TEST(JsonOf("b", "Observation", "o3").find("old") != std::string::npos);
  BOOST_TEST(TypesOf("b")["Observation"] == 1);
  BOOST_TEST(TypesOf("c")["Observation"] == 1);
  BOOST_TEST(r.patients_kept == 2u);
  BOOST_TEST(r.skipped == 3u);  // o1 (a), o3 and o6 (b).
  // No record value appears in any message.
  for (const auto& e : r.errors) {
    BOOST_TEST(e.find("new") == std::string::npos, e);
    BOOST_TEST(e.find("2024-13-45") == std::string::npos, e);
  }
}

BOOST_FIXTURE_TEST_CASE(mrn_system_can_be_required, Fixture) {
  cfg.mrn.identifier_system = "urn:other";
  Spit(dir.path() / "p.ndjson", std::string(kPatientA) + "\n");
  IngestReport r = Run({dir.path() / "p.ndjson"});
  BOOST_TEST(r.mrn_unmatched == 1u);  // Its MR identifier has no system.
  std::unique_ptr<RecordStore> store;
  BOOST_REQUIRE(RecordStore::Open(RecordStore::PathIn(cfg.paths.state_dir), &store).ok());
  std::string id;
  bool found = true;
  BOOST_REQUIRE(store->PatientByMrn("M123456", &id, &found).ok());
  BOOST_TEST(!found);
}

BOOST_FIXTURE_TEST_CASE(patients_are_found_by_mrn, Fixture) {
  Spit(dir.path() / "p.ndjson", std::string(kPatientA) + "\n" + kPatientB + "\n");
  Run({dir.path() / "p.ndjson"});
  std::unique_ptr<RecordStore> store;
  BOOST_REQUIRE(RecordStore::Open(RecordStore::PathIn(cfg.paths.state_dir), &store).ok());
  std::string id;
  bool found = false;
  BOOST_REQUIRE(store->PatientByMrn("M654321", &id, &found).ok());
  BOOST_TEST(found);
  BOOST_TEST(id == "b");
}

BOOST_FIXTURE_TEST_CASE(an_unreadable_path_changes_nothing, Fixture) {
  Spit(dir.path() / "p.ndjson", std::string(kPatientA) + "\n");
  IngestReport r;
  Status st = Ingest(cfg, {dir.path() / "p.ndjson", dir.path() / "missing.ndjson"}, clock, &r);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("missing.ndjson") != std::string::npos);
  BOOST_TEST(TypesOf("a").empty());
}

BOOST_FIXTURE_TEST_CASE(a_run_is_recorded_at_the_clocks_time, Fixture) {
  Spit(dir.path() / "p.ndjson", std::string(kPatientA) + "\n");
  clock.Set(1748736123);
  Run({dir.path() / "p.ndjson"});
  std::unique_ptr<RecordStore> store;
  BOOST_REQUIRE(RecordStore::Open(RecordStore::PathIn(cfg.paths.state_dir), &store).ok());
  std::unique_ptr<SqliteStatement> q;
  BOOST_REQUIRE(store->db()->Prepare("SELECT finished FROM ingest_runs", &q).ok());
  bool row = false;
  BOOST_REQUIRE(q->Step(&row).ok());
  BOOST_REQUIRE(row);
  BOOST_TEST(q->Text(0) == "1748736123");
}

}  // namespace
}  // namespace portal
