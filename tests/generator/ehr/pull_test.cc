#define BOOST_TEST_MODULE pull_test
// `portal-gen pull` in process against tests/bulk_data_server.py on 127.0.0.1: a full export and
// the next night's changes (_since, deletions), SMART Backend Services auth with a token expiring
// mid-export, patient and group levels with _type, partial manifests, Retry-After, 429 and
// transient 500s, a fatal error, error[] files, expired files, cut downloads, a hanging server,
// and `since` held back until every file is ingested. Each ends by comparing the record store
// with the server's data as this test wrote it.
#include <boost/test/unit_test.hpp>

#include "core/clock.h"
#include "generator/ehr/pull.h"
#include "tests/generator/ehr/pull_support.h"

namespace portal::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Lines = std::map<std::string, std::vector<std::string>>;

// Night one's data: two patients, three results.
Lines NightOne() {
  const std::string t = "2026-11-30T08:00:00Z";
  return {{"Patient",
           {PullFixture::Patient("p1", "M000001", t), PullFixture::Patient("p2", "M000002", t)}},
          {"Observation",
           {PullFixture::Lab("o1", "p1", "Sodium", t), PullFixture::Lab("o2", "p1", "Potassium", t),
            PullFixture::Lab("o3", "p2", "Glucose", t)}}};
}

struct Run {
  Status status;
  PullReport report;
  std::vector<int64_t> waits;
};

Run DoPull(const PullFixture& f, PullOptions options = {}) {
  Run run;
  options.sleep = [&run](int64_t s) { run.waits.push_back(s); };
  run.status = Pull(f.Config(), SystemClock(), options, &run.report);
  return run;
}

std::vector<std::string> PulledNames(const PullFixture& f) {
  std::vector<std::string> out;
  for (const auto& n : f.ExtractNames()) {
    if (n.starts_with("ehr-")) out.push_back(n);
  }
  return out;
}

BOOST_AUTO_TEST_CASE(full_export_then_the_next_nights_changes) {
  PullFixture f;
  Lines data = NightOne();
  f.SetData(data);
  Run one = DoPull(f);
  BOOST_TEST_REQUIRE(one.status.ok(), one.status.message());
  BOOST_TEST(one.report.since == "");
  BOOST_TEST(one.report.files == 2u);
  BOOST_TEST(one.report.resources["Patient"] == 2);
  BOOST_TEST(one.report.resources["Observation"] == 3);
  // The kick-off asked for everything the summaries read, as NDJSON, asynchronously.
  const auto kickoffs = f.RequestsTo("/$export");
  BOOST_TEST_REQUIRE(kickoffs.size() == 1u);
  BOOST_TEST(kickoffs[0]["prefer"] == "respond-async");
  BOOST_TEST(kickoffs[0]["accept"] == "application/fhir+json");
  BOOST_TEST(kickoffs[0]["_since"].is_null());
  const std::string types = kickoffs[0]["_type"].get<std::string>();
  for (const char* t : {"Patient", "Observation", "DiagnosticReport", "Medication"}) {
    BOOST_TEST(types.find(t) != std::string::npos, t);
  }
  // Named by export time and order, so the ingest reads them in that order; staging is empty.
  const auto names = PulledNames(f);
  BOOST_TEST_REQUIRE(names.size() == 2u);
  BOOST_TEST(names[0].find("-0000-") != std::string::npos);
  BOOST_TEST(names[1].find("-0001-") != std::string::npos);
  BOOST_TEST(names[0].size() ==
             std::string("ehr-20261201T000000.000Z-0000-Observation.ndjson").size());
  BOOST_TEST(fs::is_empty(f.portal.extracts / ".ehr-staging"));
  // The job is DELETEd once its files are in.
  bool deleted = false;
  for (const auto& r : f.server->Requests()) deleted = deleted || r["method"] == "DELETE";
  BOOST_TEST(deleted);
  // `since` has not moved: nothing is ingested yet.
  BOOST_TEST(f.State()["since"] == "");
  BOOST_TEST(f.State()["pending"]["transaction_time"] == one.report.transaction_time);
  BOOST_TEST(f.IngestAndCommit() == one.report.transaction_time);
  BOOST_TEST(f.State()["since"] == one.report.transaction_time);
  BOOST_TEST(f.Stored() == PullFixture::Expected(data));

  // Night two: o2 changes, o3 is deleted, p3 arrives; the export asks only for what changed.
  // Changed just after night one's transactionTime, so in night two's export only.
  const std::string later = PullFixture::MsAfter(one.report.transaction_time);
  data["Observation"] = {PullFixture::Lab("o1", "p1", "Sodium", "2026-11-30T08:00:00Z"),
                         PullFixture::Lab("o2", "p1", "Calcium", later)};
  data["Patient"].push_back(PullFixture::Patient("p3", "M000003", later));
  f.SetData(
      data,
      {{{"type", "Observation"}, {"id", "o3"}, {"deletedAt", later}, {"patient", "Patient/p2"}}});
  f.server->ClearRequests();
  Run two = DoPull(f);
  BOOST_TEST_REQUIRE(two.status.ok(), two.status.message());
  BOOST_TEST(two.report.since == one.report.transaction_time);
  BOOST_TEST(f.RequestsTo("/$export")[0]["_since"] == one.report.transaction_time);
  BOOST_TEST(two.report.deletions == 1);
  BOOST_TEST(two.report.resources["Observation"] == 1);
  BOOST_TEST(two.report.resources["Patient"] == 1);
  BOOST_TEST(f.IngestAndCommit() == two.report.transaction_time);
  BOOST_TEST(f.Stored() == PullFixture::Expected(data));
  BOOST_TEST(f.Stored().count("Observation/o3") == 0u);
}

PullOptions Full() {
  PullOptions o;
  o.from = PullOptions::From::kFull;
  return o;
}

size_t CountRequests(const PullFixture& f, const std::string& method, const std::string& suffix) {
  size_t n = 0;
  for (const auto& r : f.RequestsTo(suffix)) n += r["method"] == method;
  return n;
}

BOOST_AUTO_TEST_CASE(smart_backend_services_with_a_token_expiring_mid_export) {
  PullFixture f(PullFixture::With([](auto* o) { o->auth = true; }));
  const Lines data = NightOne();
  f.SetData(data);
  // One resource per file (five files), and the token dies after three uses.
  f.server->SetScenario({{"max_resources_per_file", 1}, {"token_expire_after_requests", 3}});
  Run run = DoPull(f);
  BOOST_TEST_REQUIRE(run.status.ok(), run.status.message());
  BOOST_TEST(run.report.files == 5u);
  BOOST_TEST(run.report.tokens >= 2);  // The first, then a new one after the 401.
  BOOST_TEST(run.report.retries >= 1);
  // Every FHIR request carried the token; the files too (requiresAccessToken).
  for (const auto& r : f.server->Requests()) {
    const std::string path = r["path"].get<std::string>();
    if (path.starts_with("/fhir/") && path.find("well-known") == std::string::npos) {
      BOOST_TEST(r["authorization"] == true, path);
    }
  }
  f.IngestAndCommit();
  BOOST_TEST(f.Stored() == PullFixture::Expected(data));
}

BOOST_AUTO_TEST_CASE(a_server_that_does_not_know_the_key_gets_nothing_and_changes_nothing) {
  PullFixture f(PullFixture::With([](auto* o) { o->auth = true; }));
  f.SetData(NightOne());
  // Another key in the portal's place: the server's registered JWKS no longer matches.
  const fs::path key = f.portal.var / "ehr" / "ehr-key.pem";
  fs::remove(key);
  const CommandResult made = f.portal.Staff({"ehr-key", "create"});
  BOOST_TEST_REQUIRE(made.exit_code == 0, made.out);
  Run run = DoPull(f);
  BOOST_TEST(!run.status.ok());
  BOOST_TEST(run.status.message().find("token refused") != std::string::npos, run.status.message());
  BOOST_TEST(run.status.message().find("eyJ") == std::string::npos);
  BOOST_TEST(CountRequests(f, "GET", "/$export") == 0u);
  BOOST_TEST(PulledNames(f).empty());
}

BOOST_AUTO_TEST_CASE(patient_level_with_its_own_types) {
  PullFixture f(PullFixture::With([](auto* o) {
    o->ehr_extra = "level = \"Patient\"\ntypes = [\"Patient\", \"Observation\"]\n";
  }));
  const Lines data = NightOne();
  f.SetData(data);
  Run run = DoPull(f);
  BOOST_TEST_REQUIRE(run.status.ok(), run.status.message());
  const auto kickoffs = f.RequestsTo("/$export");
  BOOST_TEST_REQUIRE(kickoffs.size() == 1u);
  BOOST_TEST(kickoffs[0]["path"] == "/fhir/Patient/$export");
  BOOST_TEST(kickoffs[0]["_type"] == "Patient,Observation");
  f.IngestAndCommit();
  BOOST_TEST(f.Stored() == PullFixture::Expected(data));
}

BOOST_AUTO_TEST_CASE(group_level_exports_only_the_groups_members) {
  PullFixture f(PullFixture::With([](auto* o) { o->ehr_extra = "level = \"Group/g1\"\n"; }));
  Lines data = NightOne();
  data["Group"] = {json({{"resourceType", "Group"},
                         {"id", "g1"},
                         {"type", "person"},
                         {"actual", true},
                         {"meta", {{"lastUpdated", "2026-11-30T08:00:00Z"}}},
                         {"member", json::array({{{"entity", {{"reference", "Patient/p2"}}}}})}})
                       .dump()};
  f.SetData(data);
  Run run = DoPull(f);
  BOOST_TEST_REQUIRE(run.status.ok(), run.status.message());
  BOOST_TEST(f.RequestsTo("/$export")[0]["path"] == "/fhir/Group/g1/$export");
  f.IngestAndCommit();
  // p2 and its one result; not p1, not the Group (not a type the summaries read).
  const Lines p2_only = {{"Patient", {data["Patient"][1]}},
                         {"Observation", {data["Observation"][2]}}};
  BOOST_TEST(f.Stored() == PullFixture::Expected(p2_only));
}

BOOST_AUTO_TEST_CASE(pages_retry_after_dates_429_and_transient_500s) {
  PullFixture f;
  const Lines data = NightOne();
  f.SetData(data);
  f.server->SetScenario({{"max_resources_per_file", 1},
                         {"manifest_page_size", 2},
                         {"polls_before_ready", 2},
                         {"retry_after", "date"},
                         {"retry_after_seconds", 7},
                         {"kickoff_429", 1},
                         {"status_500_transient", 1}});
  Run run = DoPull(f);
  BOOST_TEST_REQUIRE(run.status.ok(), run.status.message());
  BOOST_TEST(run.report.files == 5u);  // Three manifest pages, merged.
  BOOST_TEST(run.report.retries >= 2);
  BOOST_TEST(run.report.polls == 2);
  // The in-progress answers' Retry-After dates, read against their own Date header: the
  // server sends the date int(now) + 7 + 1 s, so 8 s (9 if a second turned in between).
  size_t date_waits = 0;
  for (int64_t w : run.waits) date_waits += (w == 8 || w == 9);
  BOOST_TEST(date_waits >= 2u);
  f.IngestAndCommit();
  BOOST_TEST(f.Stored() == PullFixture::Expected(data));
}

BOOST_AUTO_TEST_CASE(a_fatal_error_moves_nothing_and_the_next_run_starts_a_new_export) {
  PullFixture f;
  const Lines data = NightOne();
  f.SetData(data);
  f.server->SetScenario({{"status_fatal", true}});
  Run bad = DoPull(f);
  BOOST_TEST(!bad.status.ok());
  BOOST_TEST(bad.status.message().find("fatal/") != std::string::npos, bad.status.message());
  BOOST_TEST(PulledNames(f).empty());
  BOOST_TEST(f.State()["since"] == "");
  BOOST_TEST(f.State()["job"]["status_url"] == "");
  f.server->SetScenario(json::object());
  Run good = DoPull(f);
  BOOST_TEST_REQUIRE(good.status.ok(), good.status.message());
  BOOST_TEST(CountRequests(f, "GET", "/$export") == 2u);
  f.IngestAndCommit();
  BOOST_TEST(f.Stored() == PullFixture::Expected(data));
}

BOOST_AUTO_TEST_CASE(error_files_are_counted_by_issue_words_and_not_ingested) {
  PullFixture f;
  const Lines data = NightOne();
  f.SetData(data);
  f.server->SetScenario({{"error_file", true}});
  Run run = DoPull(f);
  BOOST_TEST_REQUIRE(run.status.ok(), run.status.message());
  BOOST_TEST(run.report.error_files == 1u);
  int64_t issues = 0;
  for (const auto& [word, n] : run.report.error_issues) {
    BOOST_TEST(word.find('/') != std::string::npos, word);  // severity/code words only
    issues += n;
  }
  BOOST_TEST(issues >= 1);
  BOOST_TEST(run.report.ToJson().find("diagnostics") == std::string::npos);
  for (const auto& n : PulledNames(f)) BOOST_TEST(n.find("OperationOutcome") == std::string::npos);
  f.IngestAndCommit();
  BOOST_TEST(f.Stored() == PullFixture::Expected(data));
}

BOOST_AUTO_TEST_CASE(
    a_cut_download_resumes_in_the_next_run_and_an_expired_file_restarts_the_export) {
  PullFixture f(PullFixture::With([](auto* o) { o->retries = 0; }));
  const Lines data = NightOne();
  f.SetData(data);
  // Night one: every file is cut after 100 bytes and nothing is retried: the run fails with the
  // job and its parts kept.
  f.server->SetScenario({{"cut_file_after_bytes", 100}, {"ranges", true}});
  Run cut = DoPull(f);
  BOOST_TEST(!cut.status.ok());
  BOOST_TEST(PulledNames(f).empty());
  BOOST_TEST(f.State()["job"]["status_url"] != "");
  // The rerun goes on with the same job, asking for the rest of the part it has.
  f.server->SetScenario({{"ranges", true}});
  f.server->ClearRequests();
  Run resumed = DoPull(f);
  BOOST_TEST_REQUIRE(resumed.status.ok(), resumed.status.message());
  BOOST_TEST(CountRequests(f, "GET", "/$export") == 0u);
  bool ranged = false;
  for (const auto& r : f.server->Requests()) ranged = ranged || r["range"] == "bytes=100-";
  BOOST_TEST(ranged);
  f.IngestAndCommit();
  BOOST_TEST(f.Stored() == PullFixture::Expected(data));

  // Night two, everything again: a cut, then the files expire (410) before the rerun asks for
  // the rest: the rerun exports again and gets it all.
  f.server->SetScenario({{"cut_file_after_bytes", 100}, {"ranges", true}});
  BOOST_TEST(!DoPull(f, Full()).status.ok());
  f.server->SetScenario({{"expire_files_after_downloads", 1}});
  Run restarted = DoPull(f, Full());
  BOOST_TEST_REQUIRE(restarted.status.ok(), restarted.status.message());
  BOOST_TEST(restarted.report.restarts == 1);
  f.IngestAndCommit();
  BOOST_TEST(f.Stored() == PullFixture::Expected(data));
}

BOOST_AUTO_TEST_CASE(a_hanging_server_times_out_and_the_rerun_polls_the_same_job) {
  PullFixture f(PullFixture::With([](auto* o) {
    o->retries = 0;
    o->timeout = 2;
  }));
  const Lines data = NightOne();
  f.SetData(data);
  f.server->SetScenario({{"hang", "status"}});
  Run hung = DoPull(f);
  BOOST_TEST(!hung.status.ok());
  BOOST_TEST(f.State()["job"]["status_url"] != "");
  f.server->SetScenario({{"hang", "file"}});
  BOOST_TEST(!DoPull(f).status.ok());
  f.server->SetScenario(json::object());
  Run ok = DoPull(f);
  BOOST_TEST_REQUIRE(ok.status.ok(), ok.status.message());
  BOOST_TEST(CountRequests(f, "GET", "/$export") == 1u);  // One kick-off for all three runs.
  f.IngestAndCommit();
  BOOST_TEST(f.Stored() == PullFixture::Expected(data));
}

BOOST_AUTO_TEST_CASE(since_waits_until_every_pulled_file_is_ingested) {
  PullFixture f;
  const Lines data = NightOne();
  f.SetData(data);
  Run one = DoPull(f);
  BOOST_TEST_REQUIRE(one.status.ok(), one.status.message());
  // Not ingested: the next pull still asks for everything since the committed `since` ("").
  Run two = DoPull(f);
  BOOST_TEST_REQUIRE(two.status.ok(), two.status.message());
  BOOST_TEST(two.report.waiting_files == 2u);
  const auto kickoffs = f.RequestsTo("/$export");
  BOOST_TEST_REQUIRE(kickoffs.size() == 2u);
  BOOST_TEST(kickoffs[1]["_since"].is_null());
  // Both exports' files are there, the older first; once all are read, `since` is the newer's.
  BOOST_TEST(PulledNames(f).size() == 4u);
  BOOST_TEST(f.IngestAndCommit() == two.report.transaction_time);
  BOOST_TEST(f.Stored() == PullFixture::Expected(data));
  // A file changed after it was read holds `since` back again.
  Run three = DoPull(f);
  BOOST_TEST_REQUIRE(three.status.ok(), three.status.message());
  BOOST_TEST(f.RequestsTo("/$export")[2]["_since"] == two.report.transaction_time);
}

BOOST_AUTO_TEST_CASE(without_an_ehr_section_there_is_nothing_to_pull) {
  PortalFixture portal;
  PortalConfig config;
  BOOST_TEST_REQUIRE(LoadConfig(portal.config, &config).ok());
  PullReport report;
  const Status st = Pull(config, SystemClock(), PullOptions(), &report);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("[ehr]") != std::string::npos);
}

}  // namespace
}  // namespace portal::testing
