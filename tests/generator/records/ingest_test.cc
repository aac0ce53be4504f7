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
  // Patient a with Observation o1 "old", as an earlier run left them.
  void StoreAWithOldO1() {
    Spit(dir.path() / "full" / "all.ndjson",
         std::string(kPatientA) + "\n" + Obs("o1", "a", "old") + "\n");
    Run({dir.path() / "full"});
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
  // Resources by type in the four files, counted with Python's json module; all stored.
  const std::map<std::string, size_t> kTypes = {{"AllergyIntolerance", 11},
                                                {"CarePlan", 27},
                                                {"CareTeam", 27},
                                                {"Condition", 46},
                                                {"Coverage", 2},
                                                {"Device", 3},
                                                {"DiagnosticReport", 45},
                                                {"DocumentReference", 48},
                                                {"Encounter", 191},
                                                {"Endpoint", 1},
                                                {"Goal", 2},
                                                {"Immunization", 41},
                                                {"Location", 6},
                                                {"Media", 1},
                                                {"Medication", 1},
                                                {"MedicationDispense", 3},
                                                {"MedicationRequest", 34},
                                                {"Observation", 233},
                                                {"Organization", 6},
                                                {"Patient", 4},
                                                {"Practitioner", 6},
                                                {"PractitionerRole", 6},
                                                {"Procedure", 41},
                                                {"Provenance", 4},
                                                {"QuestionnaireResponse", 1},
                                                {"RelatedPerson", 2},
                                                {"ServiceRequest", 3},
                                                {"Specimen", 2}};
  BOOST_TEST(r.types.size() == kTypes.size());
  for (const auto& [type, count] : kTypes) {
    BOOST_TEST(r.types[type].read == count, type);
    BOOST_TEST(r.types[type].stored == count, type);
    BOOST_TEST(r.types[type].failed == 0u, type);
  }
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
  BOOST_TEST(p85["Specimen"] == 1);             // Its subject is the Patient's urn:uuid full URL.
  BOOST_TEST(p85.count("Provenance") == 0u);
  auto p355 = TypesOf("355");
  BOOST_TEST(p355["CarePlan"] == 20);
  BOOST_TEST(p355["CareTeam"] == 20);
  BOOST_TEST(p355["Goal"] == 1);
  BOOST_TEST(p355["Device"] == 2);
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
                R"({"resourceType":"space ship","id":"s1"})"
                "\n" +  // 4: not a type name
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
  BOOST_TEST(has(f + "4: resourceType is not a FHIR resource type name"));
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
  // By type: lines 1, 3, 5-9 are Observations (o7 stored; 3, 5, 8 failed; o1, o3, o6 held back),
  // lines 2, 4 and 10 have no readable type.
  BOOST_REQUIRE_EQUAL(r.types.size(), 2u);
  const IngestTypeCounts obs = r.types.at("Observation");
  BOOST_TEST(obs.read == 7u);
  BOOST_TEST(obs.stored == 1u);
  BOOST_TEST(obs.held_back == 3u);
  BOOST_TEST(obs.failed == 3u);
  BOOST_TEST(obs.skipped_by_type == 0u);
  BOOST_TEST(r.types.at("(unreadable)").read == 3u);
  BOOST_TEST(r.types.at("(unreadable)").failed == 3u);
  // No record value appears in any message.
  for (const auto& e : r.errors) {
    BOOST_TEST(e.find("new") == std::string::npos, e);
    BOOST_TEST(e.find("2024-13-45") == std::string::npos, e);
    BOOST_TEST(e.find("space") == std::string::npos, e);
  }
}

BOOST_FIXTURE_TEST_CASE(a_key_twice_in_a_record_or_bundle_is_refused_with_file_line_and_path,
                        Fixture) {
  Spit(dir.path() / "full" / "all.ndjson", std::string(kPatientA) + "\n" + kPatientB + "\n" +
                                               Obs("o1", "a", "old") + "\n" +
                                               Obs("o3", "b", "old") + "\n");
  Run({dir.path() / "full"});
  // Line 1: o1 for a, its value twice (simdjson would read "new", nlohmann "other"). Line 2:
  // o3 for b, its subject's reference twice, nested. Line 3: a good record for c. Line 4: a
  // deletion Bundle with its url twice.
  const fs::path bad = dir.path() / "bad" / "Observation.000.ndjson";
  std::string o1 = Obs("o1", "a", "new");
  o1.insert(o1.size() - 1, R"(,"valueString":"other")");
  std::string o3 = Obs("o3", "b", "new");
  o3.replace(o3.find(R"("},"effective)"), 2, R"(","reference":"Patient/a"})");
  Spit(bad, o1 + "\n" + o3 + "\n" + Obs("o7", "c", "new") + "\n" +
                R"({"resourceType":"Bundle","type":"transaction","entry":[{"request":)"
                R"({"method":"DELETE","url":"Observation/o1","url":"Observation/o7"}}]})"
                "\n");
  IngestReport r = Run({bad});
  const std::string f = bad.string() + ":";
  auto has = [&](const std::string& needle) {
    for (const auto& e : r.errors) {
      if (e == needle) return true;
    }
    return false;
  };
  BOOST_TEST(r.failed == 3u);
  BOOST_TEST(has(f + "1: Observation/o1: duplicate key \"valueString\""));
  BOOST_TEST(has(f + "2: Observation/o3: duplicate key \"subject.reference\""));
  BOOST_TEST(has(f + "4: Bundle: duplicate key \"entry[0].request.url\""));
  // a and b keep their previous state; c's good record is taken; nothing was deleted.
  BOOST_TEST(JsonOf("a", "Observation", "o1").find("old") != std::string::npos);
  BOOST_TEST(JsonOf("b", "Observation", "o3").find("old") != std::string::npos);
  BOOST_TEST(TypesOf("c")["Observation"] == 1);
  BOOST_TEST(r.deleted == 0u);
  BOOST_TEST(r.patients_kept == 2u);
  for (const auto& e : r.errors) {
    BOOST_TEST(e.find("new") == std::string::npos, e);
    BOOST_TEST(e.find("other") == std::string::npos, e);
  }
  // A whole-file Bundle with a duplicate inside one entry's resource: refused as a whole (line
  // 1), none of its entries stored.
  const fs::path bundle = dir.path() / "bundle.json";
  std::string d1 = Obs("d1", "c", "new");
  d1.insert(d1.size() - 1, R"(,"status":"final","status":"amended")");
  Spit(bundle, R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":)" +
                   Obs("d0", "c", "new") + R"(},{"resource":)" + d1 + "}]}");
  r = Run({bundle});
  BOOST_TEST(r.failed == 1u);
  BOOST_TEST(has(bundle.string() + ":1: Bundle: duplicate key \"entry[1].resource.status\""));
  BOOST_TEST(TypesOf("c")["Observation"] == 1);  // o7 only.
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

// The types each stored resource of no patient has, by the store's own table.
std::vector<std::string> SharedTypes(const PortalConfig& cfg) {
  std::unique_ptr<RecordStore> store;
  BOOST_REQUIRE(RecordStore::Open(RecordStore::PathIn(cfg.paths.state_dir), &store).ok());
  std::unique_ptr<SqliteStatement> q;
  BOOST_REQUIRE(store->db()
                    ->Prepare("SELECT type FROM resources WHERE patient IS NULL ORDER BY type", &q)
                    .ok());
  std::vector<std::string> types;
  bool row = false;
  while (q->Step(&row).ok() && row) types.push_back(q->Text(0));
  return types;
}

// The report the record store kept with its newest run.
nlohmann::json LastRunReport(const PortalConfig& cfg) {
  std::unique_ptr<RecordStore> store;
  BOOST_REQUIRE(RecordStore::Open(RecordStore::PathIn(cfg.paths.state_dir), &store).ok());
  std::unique_ptr<SqliteStatement> q;
  BOOST_REQUIRE(
      store->db()->Prepare("SELECT report FROM ingest_runs ORDER BY run DESC LIMIT 1", &q).ok());
  bool row = false;
  BOOST_REQUIRE(q->Step(&row).ok());
  BOOST_REQUIRE(row);
  return nlohmann::json::parse(q->Text(0));
}

// One line per record, as a Synthea Bulk Data export has them.
const char kRealExport[] =
    R"({"resourceType":"Claim","id":"c1","status":"active","patient":{"reference":"Patient/a"},)"
    R"("total":{"value":1234567,"currency":"USD"}})"
    "\n"
    R"({"resourceType":"ExplanationOfBenefit","id":"e1","patient":{"reference":"Patient/a"}})"
    "\n"
    R"({"resourceType":"CarePlan","id":"cp1","subject":{"reference":"Patient/a"},)"
    R"("period":{"start":"2020-01-01"}})"
    "\n"
    R"({"resourceType":"CareTeam","id":"ct1","subject":{"reference":"Patient/a"}})"
    "\n"
    R"({"resourceType":"ImagingStudy","id":"is1","subject":{"reference":"Patient/a"}})"
    "\n"
    R"({"resourceType":"MedicationAdministration","id":"ma1","subject":{"reference":"Patient/a"},)"
    R"("effectiveDateTime":"2024-02-29T10:00:00Z"})"
    "\n"
    R"({"resourceType":"SupplyDelivery","id":"sd1","patient":{"reference":"Patient/a"}})"
    "\n"
    R"({"resourceType":"Provenance","id":"pv1","target":[{"reference":"Patient/a"}],)"
    R"("recorded":"2024-01-02T03:04:05Z"})"
    "\n"
    R"({"resourceType":"Location","id":"l1","name":"Ward 3"})"
    "\n"
    R"({"resourceType":"Organization","id":"org1"})"
    "\n"
    R"({"resourceType":"Spaceship","id":"s1","subject":{"reference":"Patient/a"}})"
    "\n"
    R"({"resourceType":"Starship","id":"s2"})"
    "\n";

BOOST_FIXTURE_TEST_CASE(real_export_types_are_stored_and_counted_by_type, Fixture) {
  Spit(dir.path() / "export" / "all.ndjson", std::string(kPatientA) + "\n" + kRealExport);
  IngestReport r = Run({dir.path() / "export"});
  BOOST_TEST(r.failed == 0u);
  BOOST_TEST(r.read == 13u);
  BOOST_TEST(r.inserted == 13u);
  BOOST_TEST(r.errors.empty());
  BOOST_TEST(r.types.size() == 13u);
  for (const auto& [type, counts] : r.types) {
    BOOST_TEST(counts.read == 1u, type);
    BOOST_TEST(counts.stored == 1u, type);
  }
  BOOST_TEST((TypesOf("a") == std::map<std::string, int>{{"Patient", 1},
                                                         {"Claim", 1},
                                                         {"ExplanationOfBenefit", 1},
                                                         {"CarePlan", 1},
                                                         {"CareTeam", 1},
                                                         {"ImagingStudy", 1},
                                                         {"MedicationAdministration", 1},
                                                         {"SupplyDelivery", 1},
                                                         {"Spaceship", 1}}));
  BOOST_TEST(SharedTypes(cfg) ==
                 (std::vector<std::string>{"Location", "Organization", "Provenance", "Starship"}),
             boost::test_tools::per_element());
  const nlohmann::json kept = LastRunReport(cfg);
  BOOST_TEST(kept["failed"] == 0);
  BOOST_TEST(kept["types"]["Claim"]["stored"] == 1);
  BOOST_TEST(kept["types"]["Starship"]["read"] == 1);
}

BOOST_FIXTURE_TEST_CASE(skipped_types_are_read_and_counted_not_stored, Fixture) {
  cfg.ingest.skip_types = {"Claim", "ExplanationOfBenefit"};
  Spit(dir.path() / "export" / "all.ndjson",
       std::string(kPatientA) + "\n" + kRealExport +
           R"({"resourceType":"Claim","id":"c2","status":"active"})"  // No patient: skipped.
           "\n"
           R"({"resourceType":"Claim","status":"active"})"  // No id: broken.
           "\n");
  IngestReport r = Run({dir.path() / "export"});
  BOOST_TEST(r.read == 15u);
  BOOST_TEST(r.skipped_by_type == 3u);
  BOOST_TEST(r.inserted == 11u);
  BOOST_TEST(r.failed == 1u);
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_TEST(r.errors[0].ends_with("all.ndjson:15: Claim without an id"), r.errors[0]);
  const IngestTypeCounts claim = r.types.at("Claim");
  BOOST_TEST(claim.read == 3u);
  BOOST_TEST(claim.skipped_by_type == 2u);
  BOOST_TEST(claim.failed == 1u);
  BOOST_TEST(claim.stored == 0u);
  BOOST_TEST(r.types.at("ExplanationOfBenefit").skipped_by_type == 1u);
  const auto a = TypesOf("a");
  BOOST_TEST(a.count("Claim") == 0u);
  BOOST_TEST(a.count("ExplanationOfBenefit") == 0u);
  BOOST_TEST(a.at("CarePlan") == 1);
  BOOST_TEST(r.patients_kept == 0u);  // The broken Claim named no patient.
  const nlohmann::json kept = LastRunReport(cfg);
  BOOST_TEST(kept["skipped_by_type"] == 3);
  BOOST_TEST(kept["types"]["Claim"]["skipped_by_type"] == 2);
  BOOST_TEST(kept["types"]["Claim"]["failed"] == 1);
}

BOOST_FIXTURE_TEST_CASE(a_broken_record_of_a_real_export_type_still_fails, Fixture) {
  StoreAWithOldO1();
  const fs::path bad = dir.path() / "bad" / "all.ndjson";
  Spit(bad, Obs("o1", "a", "new") + "\n" +
                R"({"resourceType":"Claim","id":"c1","patient":{"reference":"Patient/a"},)"
                R"("created":"2024-02-30"})"
                "\n"
                R"({"resourceType":"ExplanationOfBenefit","id":"e1"})"
                "\n");
  IngestReport r = Run({bad});
  BOOST_TEST(r.failed == 2u);
  BOOST_TEST(r.types.at("ExplanationOfBenefit").failed == 1u);
  BOOST_REQUIRE_EQUAL(r.errors.size(), 2u);
  BOOST_TEST(r.errors[0] == bad.string() + ":2: Claim/c1: created is not a valid FHIR date");
  BOOST_TEST(r.errors[1] ==
             bad.string() + ":3: ExplanationOfBenefit/e1: no patient reference (patient)");
  // The Claim was a's: a keeps their previous state.
  BOOST_TEST(r.patients_kept == 1u);
  BOOST_TEST(JsonOf("a", "Observation", "o1").find("old") != std::string::npos);
  BOOST_TEST(TypesOf("a").count("Claim") == 0u);
}

BOOST_FIXTURE_TEST_CASE(an_impossible_date_fails_naming_the_field, Fixture) {
  StoreAWithOldO1();
  const fs::path bad = dir.path() / "bad" / "Observation.000.ndjson";
  Spit(bad, Obs("o1", "a", "new") + "\n" +
                R"({"resourceType":"Observation","id":"o2","subject":{"reference":"Patient/a"},)"
                R"("effectiveDateTime":"2026-02-31"})"
                "\n");
  IngestReport r = Run({bad});
  BOOST_TEST(r.failed == 1u);
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_TEST(r.errors[0] ==
             bad.string() + ":2: Observation/o2: effectiveDateTime is not a valid FHIR date");
  BOOST_TEST(r.errors[0].find("2026") == std::string::npos);
  // The patient keeps their previous state: o1 as it was, no o2.
  BOOST_TEST(r.patients_kept == 1u);
  BOOST_TEST(JsonOf("a", "Observation", "o1").find("old") != std::string::npos);
  BOOST_TEST(TypesOf("a")["Observation"] == 1);
}

BOOST_FIXTURE_TEST_CASE(another_servers_patient_is_never_filed_under_the_local_one, Fixture) {
  StoreAWithOldO1();
  const std::string kForeign = R"("subject":{"reference":"https://elsewhere/fhir/Patient/a"})";
  const std::string kLocal = R"("subject":{"reference":"https://ehr.example.org/fhir/Patient/a"})";
  const fs::path delta = dir.path() / "delta" / "Observation.000.ndjson";
  Spit(delta, R"({"resourceType":"Observation","id":"o1",)" + kForeign +
                  R"(,"valueString":"new"})"
                  "\n"
                  R"({"resourceType":"Observation","id":"o2",)" +
                  kForeign + "}\n" + R"({"resourceType":"Observation","id":"o3",)" + kLocal +
                  "}\n");
  // Without local base URLs, both absolute references are another server's.
  IngestReport r = Run({delta});
  BOOST_TEST(r.failed == 3u);
  BOOST_REQUIRE_EQUAL(r.errors.size(), 3u);
  BOOST_TEST(r.errors[0] ==
             delta.string() + ":1: Observation/o1: subject references another server's Patient");
  BOOST_TEST(r.patients_kept == 0u);  // Nothing is charged to the local patient a.
  BOOST_TEST(JsonOf("a", "Observation", "o1").find("old") != std::string::npos);
  BOOST_TEST(TypesOf("a")["Observation"] == 1);

  cfg.ingest.local_base_urls = {"https://ehr.example.org/fhir/"};
  r = Run({delta});
  BOOST_TEST(r.failed == 2u);
  BOOST_TEST(r.inserted == 1u);
  BOOST_TEST(JsonOf("a", "Observation", "o3") ==
             R"({"resourceType":"Observation","id":"o3",)" + kLocal + "}");
  BOOST_TEST(JsonOf("a", "Observation", "o1").find("old") != std::string::npos);

  // Deletions follow the same rule.
  const fs::path deleted = dir.path() / "deleted" / "deleted.ndjson";
  Spit(deleted, R"({"resourceType":"Bundle","type":"transaction","entry":[)"
                R"({"request":{"method":"DELETE","url":"https://elsewhere/fhir/Observation/o1"}},)"
                R"({"request":{"method":"DELETE","url":)"
                R"("https://ehr.example.org/fhir/Observation/o3/_history/2"}}]})"
                "\n");
  r = Run({deleted});
  BOOST_TEST(r.deleted == 1u);
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_TEST(r.errors[0] == deleted.string() + ":1: DELETE entry for another server's resource");
  BOOST_TEST((TypesOf("a") == std::map<std::string, int>{{"Patient", 1}, {"Observation", 1}}));
  BOOST_TEST(JsonOf("a", "Observation", "o1").find("old") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(values_keep_the_digits_they_were_recorded_with, Fixture) {
  // An NDJSON line, with the spacing some exporters write.
  Spit(
      dir.path() / "export" / "Observation.000.ndjson",
      std::string(kPatientA) + "\n" +
          R"({ "resourceType": "Observation", "id": "o1", "subject": { "reference": "Patient/a" },)"
          R"( "valueQuantity": { "value": 1.50, "unit": "mmol/L" }, "component": [)"
          R"( { "valueInteger": 1234567 }, { "valueQuantity": { "value": 0.000012 } } ] })"
          "\n");
  // A pretty-printed Bundle whose entries reference each other by full URL.
  Spit(dir.path() / "export" / "bundle.json",
       "{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"collection\",\n  \"entry\": [\n"
       "    {\n      \"fullUrl\": \"urn:uuid:5c1d\",\n      \"resource\": {\n"
       "        \"resourceType\": \"Patient\",\n        \"id\": \"b\"\n      }\n    },\n"
       "    {\n      \"fullUrl\": \"urn:uuid:9f2e\",\n      \"resource\": {\n"
       "        \"resourceType\": \"Observation\",\n        \"id\": \"o2\",\n"
       "        \"subject\": { \"reference\": \"urn:uuid:5c1d\" },\n"
       "        \"valueQuantity\": { \"value\": 1.50 },\n"
       "        \"component\": [ { \"valueInteger\": 1234567 }, { \"valueQuantity\": "
       "{ \"value\": 0.000012 } } ]\n      }\n    }\n  ]\n}\n");
  IngestReport r = Run({dir.path() / "export"});
  BOOST_TEST(r.failed == 0u);
  BOOST_TEST(r.inserted == 4u);
  BOOST_TEST(JsonOf("a", "Observation", "o1") ==
             R"({"resourceType":"Observation","id":"o1","subject":{"reference":"Patient/a"},)"
             R"("valueQuantity":{"value":1.50,"unit":"mmol/L"},"component":[)"
             R"({"valueInteger":1234567},{"valueQuantity":{"value":0.000012}}]})");
  BOOST_TEST(JsonOf("b", "Observation", "o2") ==
             R"({"resourceType":"Observation","id":"o2","subject":{"reference":"urn:uuid:5c1d"},)"
             R"("valueQuantity":{"value":1.50},"component":[)"
             R"({"valueInteger":1234567},{"valueQuantity":{"value":0.000012}}]})");
  BOOST_TEST(JsonOf("b", "Patient", "b") == R"({"resourceType":"Patient","id":"b"})");
}

BOOST_FIXTURE_TEST_CASE(each_bundle_entry_keeps_its_own_text_whatever_stands_before_it, Fixture) {
  const fs::path bundle = dir.path() / "odd.json";
  Spit(bundle,
       R"({"resourceType":"Bundle","type":"batch","entry":[5,{"fullUrl":"urn:uuid:1"},)"
       R"({"request":{"method":"DELETE","url":"Observation/zz"}},)"
       R"({"resource":{"resourceType":"Patient","id":"b"}},)"
       R"({"resource":"not an object"},)"
       R"({"request":{"method":"POST"},"resource":)"
       R"({ "resourceType" : "Observation", "id" : "o2",)"
       R"( "subject" : { "reference" : "Patient/b" }, "valueQuantity" : { "value" : 1.50 } },)"
       R"("fullUrl":"urn:uuid:2"}]})");
  IngestReport r = Run({bundle});
  BOOST_TEST(r.read == 6u);
  BOOST_TEST(r.failed == 3u);
  BOOST_REQUIRE_EQUAL(r.errors.size(), 4u);  // And b's missing MRN, reported.
  BOOST_TEST(r.errors[0] == bundle.string() + ":1: Bundle entry without a resource");
  BOOST_TEST(r.errors[1] == bundle.string() + ":1: Bundle entry without a resource");
  BOOST_TEST(r.errors[2].find("Patient/b: no MRN") != std::string::npos, r.errors[2]);
  BOOST_TEST(r.errors[3] == bundle.string() + ":1: not a JSON object");
  BOOST_TEST(JsonOf("b", "Patient", "b") == R"({"resourceType":"Patient","id":"b"})");
  BOOST_TEST(JsonOf("b", "Observation", "o2") ==
             R"({"resourceType":"Observation","id":"o2","subject":{"reference":"Patient/b"},)"
             R"("valueQuantity":{"value":1.50}})");
}

}  // namespace
}  // namespace portal
