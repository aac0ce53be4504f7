#define BOOST_TEST_MODULE nightly_sink_test
// The nightly run in-process: what it tells its sink (phases, record problems, a patient's
// failure, the summaries' progress), read without parsing stderr.
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <mutex>

#include "core/clock.h"
#include "core/enrollment_registry.h"
#include "core/fhir_time.h"
#include "core/record_store.h"
#include "core/reply_dropbox.h"
#include "core/state_layout.h"
#include "generator/nightly/nightly.h"
#include "tests/portal_fixture.h"

namespace portal {
namespace {

using testing::FakePatient;
using testing::LabLine;
using testing::PatientLine;

const FakePatient kAda{"pa", "M000101", "Adaline", "Quorvath", "1961-04-17"};
const FakePatient kBob{"pb", "M000102", "Bartholo", "Zenwick", "1975-09-23"};

class RecordingSink : public NightlySink {
 public:
  void Phase(const std::string& phase, const std::string& line) override {
    phases.emplace_back(phase, line);
  }
  void Problem(const std::string& problem) override { problems.push_back(problem); }
  void Failure(const std::string& failure) override {
    std::lock_guard<std::mutex> lock(mu);
    failures.push_back(failure);
  }
  void ProgressStart(const std::string& label, size_t total) override {
    progress.push_back(label + " " + std::to_string(total));
  }
  void ProgressAdd(size_t n) override { added += n; }
  void ProgressFinish() override { progress.push_back("finished"); }

  std::vector<std::pair<std::string, std::string>> phases;
  std::vector<std::string> problems;
  std::vector<std::string> failures;
  std::vector<std::string> progress;
  std::atomic<size_t> added{0};
  std::mutex mu;
};

struct Fixture : testing::PortalFixture {
  Person ada_key = NewPerson("person-a");
  Person bob_key = NewPerson("person-b");
  PortalConfig config_values;
  NightlyOptions options;
  FixedClock clock{1748736000};  // 2025-06-01T00:00:00Z

  Fixture() {
    WriteExtract("001.ndjson", {PatientLine(kAda), PatientLine(kBob),
                                LabLine("oa1", "pa", "Glucose", "2025-05-01T08:00:00Z"),
                                LabLine("ob1", "pb", "Sodium", "2025-05-02T08:00:00Z")});
    Init();
    auto r = Gen({"ingest", (extracts / "001.ndjson").string()});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    Enroll(kAda.mrn, ada_key);
    Enroll(kBob.mrn, bob_key);
    BOOST_REQUIRE(LoadConfig(config, &config_values).ok());
    options.site_dir = output / "site";
    options.summaries_dir = patients_out;
    options.as_of = clock.Now();
    options.gpg_worker = testing::BinaryDir() / "bin" / "portal-gpg-worker";
  }
};

BOOST_FIXTURE_TEST_CASE(the_sink_hears_the_phases_a_record_problem_and_a_patients_failure,
                        Fixture) {
  // A stored resource the release rules cannot read fails its patient; a malformed line in a
  // new extract is a record problem.
  {
    std::unique_ptr<RecordStore> store;
    BOOST_REQUIRE(RecordStore::Open(StateLayout(var).records_db, &store).ok());
    BOOST_REQUIRE(
        store->db()
            ->Exec("UPDATE resources SET json = '{' WHERE type = 'Observation' AND id = 'ob1'")
            .ok());
  }
  WriteExtract("002.ndjson", {"{not json"});

  RecordingSink sink;
  NightlyReport report;
  const Status status = RunNightly(config_values, options, clock, &sink, &report);
  BOOST_TEST(status.ExitCode() == 1, status.message());

  std::vector<std::string> names;
  for (const auto& [phase, line] : sink.phases) names.push_back(phase);
  BOOST_TEST(names == (std::vector<std::string>{"ingest", "directory", "site", "plan"}),
             boost::test_tools::per_element());
  BOOST_TEST(sink.phases[0].second ==
             "1 new or changed extract files (1 already read), 1 records, 1 failed");
  BOOST_TEST(sink.phases[1].second ==
             "rebuilt (not built yet): 2 patients, 0 with an e-mail address");
  BOOST_TEST(sink.phases[2].second.find(" questions, ") != std::string::npos);
  BOOST_TEST(
      sink.phases[3].second ==
      "2 enrolled in this shard, 2 to look at, 0 pages unchanged, 0 pages removed as no longer "
      "enrolled");
  BOOST_REQUIRE_EQUAL(sink.problems.size(), 1u);
  BOOST_TEST(sink.problems[0].find("002.ndjson:1: ") != std::string::npos, sink.problems[0]);
  // The report counts the records by type: the malformed line has none.
  BOOST_REQUIRE_EQUAL(report.record_types.size(), 1u);
  BOOST_TEST(report.record_types.at("(unreadable)").failed == 1u);
  BOOST_TEST(report.HumanSummary().find("\nnightly: records read by type: (unreadable) 1 (1 "
                                        "failed)\n") != std::string::npos,
             report.HumanSummary());
  BOOST_REQUIRE_EQUAL(sink.failures.size(), 1u);
  BOOST_TEST(
      sink.failures[0].ends_with(": a stored resource could not be read by the release rules"),
      sink.failures[0]);
  BOOST_TEST(sink.failures == report.failures, boost::test_tools::per_element());
  BOOST_TEST(sink.progress == (std::vector<std::string>{"summaries 2", "finished"}),
             boost::test_tools::per_element());
  BOOST_TEST(sink.added.load() == 2u);
  BOOST_TEST(report.rendered == 1u);
}

BOOST_FIXTURE_TEST_CASE(an_earlier_as_of_makes_the_plan_say_why_it_looks_at_everyone, Fixture) {
  RecordingSink first;
  NightlyReport report;
  BOOST_REQUIRE(RunNightly(config_values, options, clock, &first, &report).ok());
  options.as_of -= 86400;
  RecordingSink second;
  NightlyReport again;
  BOOST_REQUIRE(RunNightly(config_values, options, clock, &second, &again).ok());
  BOOST_REQUIRE_EQUAL(second.phases.size(), 5u);  // The directory is rebuilt for the new day.
  BOOST_TEST(second.phases[3].first == "plan");
  BOOST_TEST(second.phases[3].second ==
             "looking at every patient (--as-of earlier than the last run's)");
  BOOST_TEST(second.phases[4].second.find("2 to look at") != std::string::npos);
  BOOST_TEST(second.problems.empty());
  BOOST_TEST(second.failures.empty());
}

BOOST_FIXTURE_TEST_CASE(a_sealed_reply_in_the_drop_box_is_published_beside_the_summary, Fixture) {
  const StateLayout layout(var);
  std::unique_ptr<EnrollmentRegistry> registry;
  BOOST_REQUIRE(EnrollmentRegistry::Open(layout.registry_db, layout.keys_dir, &registry).ok());
  std::vector<Enrollment> enrollments;
  BOOST_REQUIRE(registry->All(&enrollments).ok());
  BOOST_REQUIRE(!enrollments.empty());
  const std::string token = enrollments[0].token;
  const std::string name = NewReplyFileName(clock.Now(), "0a1b2c");
  testing::Spit(ReplyFolder(layout.replies_dir, token) / name, "sealed bytes");
  testing::Spit(ReplyFolder(layout.replies_dir, token) / "notes.txt", "not a reply");

  RecordingSink sink;
  NightlyReport report;
  BOOST_REQUIRE(RunNightly(config_values, options, clock, &sink, &report).ok());
  BOOST_REQUIRE(!sink.phases.empty());
  BOOST_TEST(sink.phases.back().first == "replies");
  BOOST_TEST(sink.phases.back().second == "1 published");
  BOOST_TEST(testing::Slurp(patients_out / token / "replies" / name) == "sealed bytes");
  BOOST_TEST(!std::filesystem::exists(patients_out / token / "replies" / "notes.txt"));
}

}  // namespace
}  // namespace portal
