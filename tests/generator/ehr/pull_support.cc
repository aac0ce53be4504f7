#include "tests/generator/ehr/pull_support.h"

#include <boost/test/unit_test.hpp>

#include "core/fhir_time.h"
#include "core/file_util.h"
#include "core/record_store.h"
#include "core/sqlite_db.h"
#include "core/state_layout.h"
#include "generator/ehr/pull.h"
#include "generator/nightly/nightly_ingest.h"
#include "generator/records/extract_reader.h"

namespace portal::testing {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Says nothing: the tests read the store, not the sink.
class QuietSink : public NightlySink {
 public:
  void Phase(const std::string&, const std::string&) override {}
  void Problem(const std::string& problem) override { problems.push_back(problem); }
  void Failure(const std::string&) override {}
  void ProgressStart(const std::string&, size_t) override {}
  void ProgressAdd(size_t) override {}
  void ProgressFinish() override {}
  std::vector<std::string> problems;
};

std::string WithUpdated(std::string line, const std::string& updated) {
  json j = json::parse(line);
  j["meta"] = {{"lastUpdated", updated}};
  return j.dump();
}

}  // namespace

PullFixture::PullFixture(Options options) {
  data = server_dir_.path() / "data";
  fs::create_directories(data);
  BulkDataServer::Options server_options;
  std::string auth;
  if (options.auth) {
    // The portal's key, made as `portal-staff ehr-key create` makes it; its JWKS registered
    // with the server.
    portal.Init();
    const CommandResult made = portal.Staff({"ehr-key", "create", "--json"});
    BOOST_TEST_REQUIRE(made.exit_code == 0, made.out);
    const CommandResult shown = portal.Staff({"ehr-key", "show", "--json"});
    BOOST_TEST_REQUIRE(shown.exit_code == 0, shown.out);
    const json jwks = json::parse(shown.out.substr(shown.out.find('{')));
    Spit(server_dir_.path() / "jwks.json", (jwks.contains("jwks") ? jwks["jwks"] : jwks).dump());
    server_options.jwks_path = server_dir_.path() / "jwks.json";
    server_options.client_id = "portal-test-client";
    auth = "client_id = \"portal-test-client\"\n";
  }
  server = std::make_unique<BulkDataServer>(server_dir_.path() / "state", data, server_options);
  std::string why;
  BOOST_TEST_REQUIRE(server->Start(&why), why);
  std::string config = Slurp(portal.config);
  const std::string timeout = std::to_string(options.timeout);
  config += "\n[ehr]\nbase_url = \"" + server->BaseUrl() +
            "\"\nretry_initial_seconds = 0\nconnect_timeout_seconds = 5\nretries = " +
            std::to_string(options.retries) + "\nrequest_timeout_seconds = " + timeout +
            "\nstall_timeout_seconds = " + timeout + "\n" + auth + options.ehr_extra;
  Spit(portal.config, config);
}

std::string PullFixture::Patient(const std::string& id, const std::string& mrn,
                                 const std::string& updated) {
  FakePatient p;
  p.id = id;
  p.mrn = mrn;
  p.given = "Test";
  p.family = "Person" + id;
  p.birth_date = "1970-01-01";
  return WithUpdated(PatientLine(p), updated);
}

std::string PullFixture::Lab(const std::string& id, const std::string& patient,
                             const std::string& value, const std::string& updated) {
  return WithUpdated(LabLine(id, patient, value, "2026-01-05T10:00:00Z"), updated);
}

std::string PullFixture::MsAfter(const std::string& instant) {
  int64_t seconds = 0;
  BOOST_TEST_REQUIRE(ParseFhirInstant(instant, &seconds));
  BOOST_TEST_REQUIRE(instant.size() == 24u);  // YYYY-MM-DDTHH:MM:SS.mmmZ
  int ms = std::stoi(instant.substr(20, 3)) + 1;
  if (ms == 1000) {
    ms = 0;
    ++seconds;
  }
  std::string out = FormatInstant(seconds);  // YYYY-MM-DDTHH:MM:SSZ
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", ms);
  return out.substr(0, 19) + fraction;
}

void PullFixture::SetData(const std::map<std::string, std::vector<std::string>>& lines,
                          const std::vector<json>& deletions) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(data)) fs::remove(entry.path(), ec);
  for (const auto& [type, list] : lines) {
    std::string text;
    for (const auto& l : list) text += l + "\n";
    Spit(data / (type + ".ndjson"), text);
  }
  if (!deletions.empty()) {
    std::string text;
    for (const auto& d : deletions) text += d.dump() + "\n";
    Spit(data / "deleted.ndjson", text);
  }
}

PortalConfig PullFixture::Config() const {
  PortalConfig config;
  const Status st = LoadConfig(portal.config, &config);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  return config;
}

std::map<std::string, json> PullFixture::Stored() const {
  std::map<std::string, json> out;
  const fs::path db_path = RecordStore::PathIn(portal.var);
  if (!fs::exists(db_path)) return out;
  std::unique_ptr<SqliteDb> db;
  BOOST_TEST_REQUIRE(SqliteDb::OpenReadOnly(db_path, &db).ok());
  std::unique_ptr<SqliteStatement> q;
  BOOST_TEST_REQUIRE(db->Prepare("SELECT type, id, json FROM resources", &q).ok());
  bool row = false;
  while (q->Step(&row).ok() && row) {
    out[q->Text(0) + "/" + q->Text(1)] = json::parse(q->Text(2));
  }
  return out;
}

std::map<std::string, json> PullFixture::Expected(
    const std::map<std::string, std::vector<std::string>>& lines) {
  std::map<std::string, json> out;
  for (const auto& [type, list] : lines) {
    for (const auto& l : list) {
      const json j = json::parse(l);
      out[type + "/" + j["id"].get<std::string>()] = j;
    }
  }
  return out;
}

std::string PullFixture::IngestAndCommit() const {
  const PortalConfig config = Config();
  const StateLayout layout(config.paths.state_dir);
  QuietSink sink;
  NightlyReport report;
  const Status st = IngestNewExtracts(config, layout, SystemClock(), &sink, &report);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  BOOST_TEST(report.records_failed == 0u);
  for (const auto& p : sink.problems) BOOST_TEST_MESSAGE("ingest problem: " << p);
  std::string committed;
  size_t waiting = 0;
  const Status c = CommitPulledExtracts(config, &committed, &waiting);
  BOOST_TEST_REQUIRE(c.ok(), c.message());
  BOOST_TEST(waiting == 0u);
  return committed;
}

json PullFixture::State() const {
  const fs::path path = StateLayout(portal.var).ehr_pull_state;
  if (!fs::exists(path)) return json::object();
  return json::parse(Slurp(path));
}

std::vector<std::string> PullFixture::ExtractNames() const {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(portal.extracts)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(".")) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<json> PullFixture::RequestsTo(const std::string& suffix) const {
  std::vector<json> out;
  for (const auto& r : server->Requests()) {
    if (r["path"].is_string() && r["path"].get<std::string>().ends_with(suffix)) out.push_back(r);
  }
  return out;
}

}  // namespace portal::testing
