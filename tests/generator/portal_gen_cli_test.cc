#define BOOST_TEST_MODULE portal_gen_cli_test
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/test_util.h"

namespace portal {
namespace {

using testing::RunCommand;

const std::string kBin = (testing::BinaryDir() / "bin" / "portal-gen").string();

BOOST_AUTO_TEST_CASE(help_and_version) {
  auto help = RunCommand({kBin, "--help"});
  BOOST_TEST(help.exit_code == 0);
  BOOST_TEST(help.out.find("site") != std::string::npos);
  BOOST_TEST(help.out.find("Exit codes") != std::string::npos);
  auto version = RunCommand({kBin, "--version"});
  BOOST_TEST(version.exit_code == 0);
  BOOST_TEST(version.out.find("portal-gen 0.") != std::string::npos, version.out);
  BOOST_TEST(RunCommand({kBin, "site", "--help"}).exit_code == 0);
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2_with_one_line) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {kBin}, {kBin, "frobnicate"}, {kBin, "site", "--jobs", "0"}, {kBin, "--bogus"}}) {
    auto r = RunCommand(args);
    BOOST_TEST(r.exit_code == 2, r.out);
    BOOST_TEST(r.out.starts_with("portal-gen: error: "), r.out);
  }
}

BOOST_AUTO_TEST_CASE(bad_config_exits_1_naming_the_file) {
  testing::TempDir dir;
  const auto config = testing::CopyProjectSite(dir.path());
  testing::ReplaceInFile(config, "[site]\n", "[site]\ncolor = \"blue\"\n");
  auto r = RunCommand(
      {kBin, "site", "--config", config.string(), "--output", (dir.path() / "out").string()});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(r.out.find("portal.toml:") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("site.color: unknown key") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(missing_config_exits_3) {
  auto r = RunCommand({kBin, "--config", "/nonexistent/portal.toml", "site"});
  BOOST_TEST(r.exit_code == 3, r.out);
}

BOOST_AUTO_TEST_CASE(a_second_run_on_the_same_output_exits_4) {
  testing::TempDir dir;
  const auto config = testing::CopyProjectSite(dir.path());
  const auto out = dir.path() / "out";
  // Hold the output's lock as a running portal-gen would.
  const int fd = ::open((dir.path() / "out.lock").c_str(), O_RDWR | O_CREAT, 0644);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE(::flock(fd, LOCK_EX) == 0);
  auto r = RunCommand({kBin, "site", "--config", config.string(), "--output", out.string()});
  ::close(fd);
  BOOST_TEST(r.exit_code == 4, r.out);
  BOOST_TEST(r.out.find("another run is publishing") != std::string::npos, r.out);
  BOOST_TEST(!std::filesystem::exists(out));
}

BOOST_AUTO_TEST_CASE(base_url_can_be_overridden_for_a_preview) {
  testing::TempDir dir;
  const auto config = testing::CopyProjectSite(dir.path());
  const auto out = dir.path() / "out";
  auto r = RunCommand({kBin, "site", "--config", config.string(), "--output", out.string(),
                       "--base-url", "http://127.0.0.1:8000/"});
  BOOST_TEST(r.exit_code == 0, r.out);
  const std::string home = testing::Slurp(out / "index.html");
  BOOST_TEST(home.find("href=\"/faq/\"") != std::string::npos);
  BOOST_TEST(home.find("portal-help") == std::string::npos);
  BOOST_TEST(testing::Slurp(out / "robots.txt").find("http://127.0.0.1:8000/sitemap.xml") !=
             std::string::npos);
  r = RunCommand({kBin, "site", "--config", config.string(), "--output", out.string(), "--base-url",
                  "127.0.0.1:8000"});
  BOOST_TEST(r.exit_code == 2, r.out);
}

BOOST_AUTO_TEST_CASE(ingest_reports_counts_and_exits_1_on_bad_records) {
  testing::TempDir dir;
  const auto config = testing::CopyProjectSite(dir.path());
  const auto bundles = testing::SharedDir() / "fhir-samples" / "us-core-bundles";
  auto r = RunCommand({kBin, "ingest", "--config", config.string(), bundles.string()});
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(r.out.find("797 read, 797 inserted") != std::string::npos, r.out);
  // Resources by type in the four bundles, counted with Python's json module.
  BOOST_TEST(r.out.find("\nread by type: AllergyIntolerance 11, CarePlan 27, CareTeam 27, "
                        "Condition 46, Coverage 2, Device 3, DiagnosticReport 45, "
                        "DocumentReference 48, Encounter 191, Endpoint 1, Goal 2, "
                        "Immunization 41, Location 6, Media 1, Medication 1, "
                        "MedicationDispense 3, MedicationRequest 34, Observation 233, "
                        "Organization 6, Patient 4, Practitioner 6, PractitionerRole 6, "
                        "Procedure 41, Provenance 4, QuestionnaireResponse 1, RelatedPerson 2, "
                        "ServiceRequest 3, Specimen 2\n") != std::string::npos,
             r.out);
  testing::Spit(dir.path() / "bad.ndjson", "{oops\n");
  r = RunCommand(
      {kBin, "ingest", "--config", config.string(), (dir.path() / "bad.ndjson").string()});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(r.out.find("bad.ndjson:1: malformed JSON") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("\nread by type: (unreadable) 1 (1 failed)\n") != std::string::npos, r.out);
  BOOST_TEST(RunCommand({kBin, "ingest", "--config", config.string()}).exit_code == 2);
}

BOOST_AUTO_TEST_CASE(ingest_json_counts_by_type_and_skips_configured_types) {
  testing::TempDir dir;
  const auto config = testing::CopyProjectSite(dir.path());
  testing::Spit(config, testing::Slurp(config) + "\n[ingest]\nskip_types = [\"Claim\"]\n");
  testing::Spit(
      dir.path() / "export.ndjson",
      R"({"resourceType":"Patient","id":"p1"})"
      "\n"
      R"({"resourceType":"Claim","id":"c1","patient":{"reference":"Patient/p1"}})"
      "\n"
      R"({"resourceType":"CarePlan","id":"cp1","subject":{"reference":"Patient/p1"}})"
      "\n"
      R"({"resourceType":"Observation","id":"o1","subject":{"reference":"https://x.example/Patient/p1"}})"
      "\n");
  auto r = RunCommand({kBin, "ingest", "--config", config.string(), "--json",
                       (dir.path() / "export.ndjson").string()});
  BOOST_TEST(r.exit_code == 1, r.out);  // The Observation's patient is another server's.
  BOOST_TEST(r.out.find("export.ndjson:4: Observation/o1: subject references another server's "
                        "Patient") != std::string::npos,
             r.out);
  // stdout's JSON object, between the stderr lines.
  const size_t begin = r.out.find("\n{\n"), end = r.out.find("\n}\n");
  BOOST_REQUIRE(begin != std::string::npos && end != std::string::npos);
  const auto j = nlohmann::json::parse(r.out.substr(begin + 1, end + 2 - begin));
  BOOST_TEST(j["run"] == 1);
  BOOST_TEST(j["read"] == 4);
  BOOST_TEST(j["inserted"] == 2);
  BOOST_TEST(j["skipped_by_type"] == 1);
  BOOST_TEST(j["failed"] == 1);
  BOOST_TEST(j["types"]["Claim"] == nlohmann::json::parse(R"({"read": 1, "stored": 0,)"
                                                          R"( "skipped_by_type": 1,)"
                                                          R"( "held_back": 0, "failed": 0})"));
  BOOST_TEST(j["types"]["CarePlan"]["stored"] == 1);
  BOOST_TEST(j["types"]["Observation"]["failed"] == 1);
}

// The shared bundles ingested under a config that accepts their UUID MRNs.
struct IngestedBundles {
  testing::TempDir dir;
  std::filesystem::path config;
  IngestedBundles() {
    config = testing::CopyProjectSite(dir.path());
    testing::ReplaceInFile(config, "pattern = \"^M[0-9]{6}$\"", "pattern = \".+\"");
    const auto bundles = testing::SharedDir() / "fhir-samples" / "us-core-bundles";
    BOOST_REQUIRE_EQUAL(
        RunCommand({kBin, "ingest", "--config", config.string(), bundles.string()}).exit_code, 0);
  }
};

// MRN of patient 355 in uscore_bundle_patient_355.json (identifier typed MR).
const char kMrn355[] = "e91975f5-9445-c11f-cabf-c3c6dae161f2";
// Patient 85 (deceasedDateTime 1977-07-14).
const char kMrn85[] = "d831ec91-c7a3-4a61-9312-7ff0c4a32134";

BOOST_AUTO_TEST_CASE(preview_prints_one_summary_and_refuses_others_without_echoing) {
  IngestedBundles b;
  auto r = RunCommand({kBin, "preview", "--config", b.config.string(), "--mrn", kMrn355, "--as-of",
                       "2020-06-01T00:00:00Z"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out.find("<h1>Health summary</h1>") != std::string::npos);
  BOOST_TEST(r.out.find(kMrn355) != std::string::npos);  // The page names its patient's MRN.
  r = RunCommand({kBin, "preview", "--config", b.config.string(), "--mrn", kMrn85});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(r.out.find("no summary: the patient is deceased") != std::string::npos, r.out);
  BOOST_TEST(r.out.find(kMrn85) == std::string::npos, r.out);
  r = RunCommand({kBin, "preview", "--config", b.config.string(), "--mrn", "M999999"});
  BOOST_TEST(r.exit_code == 1, r.out);
  BOOST_TEST(r.out.find("no patient with the given MRN") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("M999999") == std::string::npos, r.out);
  r = RunCommand(
      {kBin, "preview", "--config", b.config.string(), "--mrn", kMrn355, "--as-of", "yesterday"});
  BOOST_TEST(r.exit_code == 2, r.out);
}

BOOST_AUTO_TEST_CASE(summaries_need_the_plaintext_flag_and_use_opaque_names) {
  IngestedBundles b;
  BOOST_TEST(RunCommand({kBin, "summaries", "--config", b.config.string()}).exit_code == 2);
  const auto out = b.dir.path() / "plain";
  auto r = RunCommand({kBin, "summaries", "--config", b.config.string(), "--as-of",
                       "2020-06-01T00:00:00Z", "--plaintext-dir", out.string()});
  BOOST_TEST(r.exit_code == 0, r.out);
  // 355, 907 and the client-test patient are adults and alive; 85 is deceased.
  BOOST_TEST(r.out.find("3 written, 1 patients without a summary") != std::string::npos, r.out);
  // File names: first 16 hex digits of SHA-256 of the patient id, computed by sha256sum.
  testing::Spit(b.dir.path() / "id", "355");
  const std::string sum = RunCommand({"/usr/bin/sha256sum", (b.dir.path() / "id").string()}).out;
  BOOST_TEST(std::filesystem::exists(out / (sum.substr(0, 16) + ".html")));
  // A second run into the same folder removes what no longer applies.
  testing::Spit(out / "0123456789abcdef.html", "stale");
  r = RunCommand({kBin, "summaries", "--config", b.config.string(), "--as-of",
                  "2020-06-01T00:00:00Z", "--plaintext-dir", out.string()});
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(!std::filesystem::exists(out / "0123456789abcdef.html"));
  const std::regex opaque("[0-9a-f]{16}\\.html");
  for (const auto& e : std::filesystem::directory_iterator(out)) {
    BOOST_TEST(std::regex_match(e.path().filename().string(), opaque), e.path());
  }
}

BOOST_AUTO_TEST_CASE(renders_the_site_and_says_where) {
  testing::TempDir dir;
  const auto config = testing::CopyProjectSite(dir.path());
  const auto out = dir.path() / "out";
  auto r = RunCommand({kBin, "site", "--config", config.string(), "--output", out.string()});
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(r.out.find("12 questions") != std::string::npos, r.out);
  BOOST_TEST(std::filesystem::exists(out / "faq" / "index.html"));
}

}  // namespace
}  // namespace portal
