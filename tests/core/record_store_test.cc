#define BOOST_TEST_MODULE record_store_test
// The record store's two sides: what RecordStoreWriter (ingest's one run) writes, read back
// through RecordStore.
#include "core/record_store.h"

#include <boost/test/unit_test.hpp>

#include "core/record_store_writer.h"
#include "tests/test_util.h"

namespace portal {
namespace {

using Row = RecordStoreWriter::Row;

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<RecordStore> store;
  Fixture() { BOOST_REQUIRE(RecordStore::Open(RecordStore::PathIn(dir.path()), &store).ok()); }

  std::vector<std::string> Ids(const std::string& patient) {
    std::vector<RecordStore::StoredResource> resources;
    BOOST_REQUIRE(store->ResourcesOf(patient, &resources).ok());
    std::vector<std::string> ids;
    for (const auto& r : resources) ids.push_back(r.type + "/" + r.id + "=" + r.json);
    return ids;
  }
};

// One run that stores patient `p` with MRN `mrn` and one observation `obs` of JSON `json`.
void StorePatient(RecordStoreWriter* w, const std::string& p, const std::string& mrn,
                  const std::string& obs, const std::string& json) {
  bool inserted = false;
  BOOST_REQUIRE(w->InsertNew(Row{"Patient", p, p, "h-" + p, "{}"}, "x:1", &inserted).ok());
  BOOST_REQUIRE(w->PutPatient(p, mrn, true).ok());
  BOOST_REQUIRE(w->MarkChanged(p).ok());
  RecordStoreWriter::Put put;
  BOOST_REQUIRE(w->PutKnown(Row{"Observation", obs, p, "h-" + json, json}, "x:2", &put).ok());
  if (!put.same && !put.duplicate) BOOST_REQUIRE(w->MarkChanged(p).ok());
}

BOOST_FIXTURE_TEST_CASE(a_committed_run_is_read_back_and_numbered, Fixture) {
  std::unique_ptr<RecordStoreWriter> w;
  BOOST_REQUIRE(RecordStoreWriter::Begin(store.get(), &w).ok());
  StorePatient(w.get(), "p1", "M1", "o1", "{\"v\":1}");
  RecordStoreWriter::Finished finished;
  BOOST_REQUIRE(w->Finish(&finished).ok());
  BOOST_TEST(finished.patients_kept == 0u);
  BOOST_TEST(finished.patients_touched == 1u);
  int64_t run = 0;
  BOOST_REQUIRE(w->RecordRun(1748736000, "{}", &run).ok());
  BOOST_TEST(run == 1);
  BOOST_REQUIRE(w->RecordExtractFile("/x.ndjson", {10, 20}, run).ok());
  BOOST_REQUIRE(w->DropWorkTables().ok());
  BOOST_REQUIRE(w->Commit().ok());
  w.reset();

  BOOST_TEST(Ids("p1") == (std::vector<std::string>{"Observation/o1={\"v\":1}", "Patient/p1={}"}),
             boost::test_tools::per_element());
  std::map<std::string, std::string> ids;
  std::set<std::string> ambiguous;
  BOOST_REQUIRE(store->PatientsByMrn(&ids, &ambiguous).ok());
  BOOST_TEST(ids.at("M1") == "p1");
  int64_t last = 0;
  BOOST_REQUIRE(store->LastRun(&last).ok());
  BOOST_TEST(last == 1);
  std::set<std::string> touched;
  BOOST_REQUIRE(store->PatientsTouchedAfter(0, &touched).ok());
  BOOST_TEST(touched == (std::set<std::string>{"p1"}));
  BOOST_REQUIRE(store->PatientsTouchedAfter(1, &touched).ok());
  BOOST_TEST(touched.empty());
  std::map<std::string, RecordStore::ExtractFile> files;
  BOOST_REQUIRE(store->ExtractFiles(&files).ok());
  BOOST_TEST(files.at("/x.ndjson").size == 10);
  BOOST_TEST(files.at("/x.ndjson").mtime_ns == 20);
  std::unique_ptr<SqliteStatement> q;
  BOOST_REQUIRE(store->db()->Prepare("SELECT finished FROM ingest_runs", &q).ok());
  BOOST_REQUIRE(q->Step().ok());
  BOOST_TEST(q->Text(0) == "1748736000");
}

BOOST_FIXTURE_TEST_CASE(a_run_without_commit_leaves_nothing, Fixture) {
  {
    std::unique_ptr<RecordStoreWriter> w;
    BOOST_REQUIRE(RecordStoreWriter::Begin(store.get(), &w).ok());
    StorePatient(w.get(), "p1", "M1", "o1", "{}");
  }
  BOOST_TEST(Ids("p1").empty());
  // The work tables went with the transaction: the next run can make them again.
  std::unique_ptr<RecordStoreWriter> w;
  BOOST_REQUIRE(RecordStoreWriter::Begin(store.get(), &w).ok());
}

BOOST_FIXTURE_TEST_CASE(a_failed_patient_is_put_back_as_it_was, Fixture) {
  std::unique_ptr<RecordStoreWriter> w;
  BOOST_REQUIRE(RecordStoreWriter::Begin(store.get(), &w).ok());
  StorePatient(w.get(), "p1", "M1", "o1", "{\"v\":1}");
  RecordStoreWriter::Finished finished;
  BOOST_REQUIRE(w->Finish(&finished).ok());
  int64_t run = 0;
  BOOST_REQUIRE(w->RecordRun(1, "{}", &run).ok());
  BOOST_REQUIRE(w->DropWorkTables().ok());
  BOOST_REQUIRE(w->Commit().ok());

  // The second run changes p1's observation, adds one, and then a record of p1 fails.
  BOOST_REQUIRE(RecordStoreWriter::Begin(store.get(), &w).ok());
  RecordStoreWriter::Put put;
  BOOST_REQUIRE(w->PutKnown(Row{"Observation", "o1", "p1", "h2", "{\"v\":2}"}, "y:1", &put).ok());
  BOOST_TEST(put.exists);
  BOOST_TEST(!put.same);
  BOOST_TEST(put.old_patient == "p1");
  bool inserted = false;
  BOOST_REQUIRE(w->InsertNew(Row{"Observation", "o2", "p1", "h3", "{}"}, "y:2", &inserted).ok());
  BOOST_TEST(inserted);
  BOOST_REQUIRE(w->InsertNew(Row{"Observation", "o2", "p1", "h3", "{}"}, "y:3", &inserted).ok());
  BOOST_TEST(!inserted);  // Stored a moment ago.
  BOOST_REQUIRE(w->PutKnown(Row{"Observation", "o2", "p1", "h3", "{}"}, "y:3", &put).ok());
  BOOST_TEST(put.duplicate);
  bool found = false;
  std::string origin, patient;
  BOOST_REQUIRE(w->FirstSeen("Observation", "o2", &found, &origin, &patient).ok());
  BOOST_TEST(found);
  BOOST_TEST(origin == "y:2");
  BOOST_TEST(patient == "p1");
  BOOST_REQUIRE(w->MarkChanged("p1").ok());
  BOOST_REQUIRE(w->MarkFailed("p1").ok());
  BOOST_REQUIRE(w->Finish(&finished).ok());
  BOOST_TEST(finished.patients_kept == 1u);
  BOOST_TEST(finished.skipped == 2u);
  BOOST_TEST(finished.undone_inserts == 1u);
  BOOST_TEST(finished.undone_updates == 1u);
  BOOST_TEST(finished.patients_touched == 0u);
  BOOST_REQUIRE(w->RecordRun(2, "{}", &run).ok());
  BOOST_REQUIRE(w->DropWorkTables().ok());
  BOOST_REQUIRE(w->Commit().ok());
  BOOST_TEST(Ids("p1") == (std::vector<std::string>{"Observation/o1={\"v\":1}", "Patient/p1={}"}),
             boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(deleting_a_patient_removes_all_that_is_theirs, Fixture) {
  std::unique_ptr<RecordStoreWriter> w;
  BOOST_REQUIRE(RecordStoreWriter::Begin(store.get(), &w).ok());
  StorePatient(w.get(), "p1", "M1", "o1", "{}");
  StorePatient(w.get(), "p2", "M2", "o2", "{}");
  RecordStoreWriter::Finished finished;
  BOOST_REQUIRE(w->Finish(&finished).ok());
  int64_t run = 0;
  BOOST_REQUIRE(w->RecordRun(1, "{}", &run).ok());
  BOOST_REQUIRE(w->DropWorkTables().ok());
  BOOST_REQUIRE(w->Commit().ok());

  BOOST_REQUIRE(RecordStoreWriter::Begin(store.get(), &w).ok());
  BOOST_REQUIRE(w->AddDeletion("Patient", "p1").ok());
  BOOST_REQUIRE(w->AddDeletion("Observation", "o2").ok());
  BOOST_REQUIRE(w->Finish(&finished).ok());
  BOOST_TEST(finished.deleted == 3u);  // p1's Patient and observation, and o2.
  BOOST_TEST(finished.patients_touched == 2u);
  BOOST_REQUIRE(w->RecordRun(2, "{}", &run).ok());
  BOOST_REQUIRE(w->DropWorkTables().ok());
  BOOST_REQUIRE(w->Commit().ok());
  BOOST_TEST(Ids("p1").empty());
  BOOST_TEST(Ids("p2") == (std::vector<std::string>{"Patient/p2={}"}),
             boost::test_tools::per_element());
  std::vector<std::string> patients;
  BOOST_REQUIRE(store->AllPatients(&patients).ok());
  BOOST_TEST(patients == (std::vector<std::string>{"p2"}), boost::test_tools::per_element());
  std::set<std::string> touched;
  BOOST_REQUIRE(store->PatientsTouchedAfter(1, &touched).ok());
  BOOST_TEST(touched == (std::set<std::string>{"p1", "p2"}));
}

}  // namespace
}  // namespace portal
