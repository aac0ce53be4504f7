#define BOOST_TEST_MODULE bulk_client_test
// The Bulk Data client against the real test server (tests/bulk_data_server.py) on 127.0.0.1:
// kick-off, polling (Retry-After as seconds and as a date, 429 and 5xx retried, fatal outcomes
// reported), partial manifests, downloads (plain, gzip, cut and resumed, expired), hangs, the
// status URL's DELETE, and SMART Backend Services tokens signed by a key made here. What the
// client sent is read from the server's request log; downloaded files are compared byte for
// byte with the data files written here. Nothing sleeps: waits go through the sleep seam and
// are read from BulkCounts::waits. Synthetic data only.
#include "generator/ehr/bulk_client.h"

#include <boost/test/unit_test.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/ehr_key.h"
#include "core/parse_number.h"
#include "tests/bulk_data_server.h"
#include "tests/test_checks.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::BulkDataServer;
using testing::Slurp;
using testing::Spit;
using testing::TempDir;

constexpr char kClientId[] = "portal-test-client";

// --- Synthetic data -------------------------------------------------------------------------

std::string PatientFile() {
  return R"({"resourceType":"Patient","id":"p1","meta":{"lastUpdated":"2024-01-01T00:00:00Z"},"name":[{"family":"Testperson","given":["Alpha"]}]})"
         "\n"
         R"({"resourceType":"Patient","id":"p2","meta":{"lastUpdated":"2024-01-02T00:00:00Z"},"name":[{"family":"Testperson","given":["Beta"]}]})"
         "\n"
         R"({"resourceType":"Patient","id":"p3","meta":{"lastUpdated":"2024-01-03T00:00:00Z"},"name":[{"family":"Testperson","given":["Gamma"]}]})"
         "\n";
}

// 300 Observations (some 60 KiB): many of the server's 4 KiB chunks.
std::string ObservationFile() {
  std::string text;
  for (int i = 1; i <= 300; ++i) {
    const std::string day = (i % 28 + 1 < 10 ? "0" : "") + std::to_string(i % 28 + 1);
    text +=
        R"({"resourceType":"Observation","id":"obs-)" + std::to_string(i) +
        R"(","meta":{"lastUpdated":"2024-02-)" + day +
        R"(T08:00:00Z"},"status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]},"subject":{"reference":"Patient/p)" +
        std::to_string(i % 3 + 1) + R"("},"valueQuantity":{"value":)" + std::to_string(4 + i % 7) +
        "." + std::to_string(i % 10) +
        R"(,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}})" + "\n";
  }
  return text;
}

// --- The server and the client --------------------------------------------------------------

enum class Auth { kNone, kSmart, kUnknownKey };

// A data folder, the server on it and a client's settings. With kSmart the server knows the
// JWKS of `key`; with kUnknownKey it knows another key's.
struct Env {
  explicit Env(Auth auth = Auth::kNone)
      : server(tmp.path() / "state", tmp.path() / "data", ServerOptions(auth)) {
    Spit(tmp.path() / "data" / "Patient.ndjson", PatientFile());
    Spit(tmp.path() / "data" / "Observation.ndjson", ObservationFile());
    if (auth != Auth::kNone) {
      // The key's folder is 0700 (mkdtemp) and the key 0600 (EhrKey::Create).
      BOOST_REQUIRE(fs::status(keys.path()).permissions() == fs::perms::owner_all);
      REQUIRE_OK(EhrKey::Create(keys.path() / "ehr-key.pem", EhrKeyAlgorithm::kES384, &key));
      std::unique_ptr<EhrKey> registered;
      if (auth == Auth::kUnknownKey) {
        REQUIRE_OK(EhrKey::Create(keys.path() / "other.pem", EhrKeyAlgorithm::kES384, &registered));
      }
      Spit(tmp.path() / "jwks.json", (registered ? *registered : *key).PublicJwksJson().dump());
    }
    std::string why;
    BOOST_REQUIRE_MESSAGE(server.Start(&why), why);
    ehr.enabled = true;
    ehr.base_url = server.BaseUrl();
    ehr.retries = 6;
    ehr.retry_initial_seconds = 2;
    ehr.max_retry_after_seconds = 600;
  }

  BulkDataServer::Options ServerOptions(Auth auth) {
    if (auth == Auth::kNone) return {};
    return {tmp.path() / "jwks.json", kClientId};
  }

  // The SMART token over `key` (moved in), the token endpoint discovered.
  SmartToken* Token() {
    SmartToken::Options o;
    o.base_url = server.BaseUrl();
    o.client_id = kClientId;
    o.scope = BackendScope(types, "v2");
    token = std::make_unique<SmartToken>(o, std::move(key), clock);
    return token.get();
  }

  std::unique_ptr<BulkClient> Client(SmartToken* with = nullptr,
                                     HttpClient::Timeouts timeouts = {}) {
    std::unique_ptr<HttpClient> http;
    REQUIRE_OK(HttpClient::Create(timeouts, &http));
    BulkClient::Options o;
    o.ehr = &ehr;
    o.types = types;
    o.token = with;
    o.sleep = [](int64_t) {};  // The waits are read from counts.waits.
    o.clock = &clock;
    return std::make_unique<BulkClient>(std::move(o), std::move(http), &counts);
  }

  // The log's requests whose path starts with `prefix`.
  std::vector<json> RequestsTo(const std::string& prefix) const {
    std::vector<json> found;
    for (auto& r : server.Requests()) {
      if (r["path"].get<std::string>().starts_with(prefix)) found.push_back(r);
    }
    return found;
  }

  std::string DataFile(const std::string& type) const {
    return Slurp(tmp.path() / "data" / (type + ".ndjson"));
  }

  TempDir tmp;
  TempDir keys;
  std::unique_ptr<EhrKey> key;
  BulkDataServer server;
  // The token's JWTs are checked against the server's real time; the client never advances it.
  FixedClock clock{SystemClock().Now()};
  PortalConfig::Ehr ehr;
  std::vector<std::string> types = {"Patient", "Observation"};
  BulkCounts counts;
  std::unique_ptr<SmartToken> token;
};

// Kicks off and polls to the manifest.
BulkManifest Export(Env& env, BulkClient& client, std::string* status_url = nullptr) {
  std::string url;
  REQUIRE_OK(client.KickOff("", &url));
  BulkManifest manifest;
  BulkClient::Outcome outcome;
  REQUIRE_OK(client.Poll(url, &manifest, &outcome));
  BOOST_TEST_REQUIRE((outcome == BulkClient::Outcome::kOk));
  if (status_url != nullptr) *status_url = url;
  return manifest;
}

std::string UrlOf(const BulkManifest& m, const std::string& type) {
  for (const auto& f : m.output) {
    if (f.type == type) return f.url;
  }
  BOOST_FAIL("no " << type << " file in the manifest");
  return "";
}

std::vector<long> Statuses(const std::vector<json>& requests) {
  std::vector<long> out;
  for (const auto& r : requests) out.push_back(r["status"].is_null() ? 0 : r["status"].get<long>());
  return out;
}

// --- Kick-off and polling -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(kickoff_sends_what_the_ig_asks) {
  Env env;
  auto client = env.Client();
  std::string url;
  REQUIRE_OK(client->KickOff("2024-02-01T00:00:00+01:00", &url));
  BOOST_TEST(url.starts_with(env.server.BaseUrl().substr(0, env.server.BaseUrl().size() - 5) +
                             "/bulkstatus/"));
  const auto kickoffs = env.RequestsTo("/fhir/");
  BOOST_TEST_REQUIRE(kickoffs.size() == 1u);
  const json& k = kickoffs[0];
  BOOST_TEST(k["method"] == "GET");
  BOOST_TEST(k["path"] == "/fhir/$export");
  BOOST_TEST(k["status"] == 202);
  BOOST_TEST(k["accept"] == "application/fhir+json");
  BOOST_TEST(k["prefer"] == "respond-async");
  BOOST_TEST(k["_type"] == "Patient,Observation");
  BOOST_TEST(k["_since"] == "2024-02-01T00:00:00+01:00");  // '+' sent as %2B.
  BOOST_TEST(k["_outputFormat"] == "application/fhir+ndjson");
  BOOST_TEST((k["query"] == json::array({"_outputFormat", "_type", "_since"})));
  BOOST_TEST(k["authorization"] == false);
  BOOST_TEST(env.counts.retries == 0);

  // Without a _since, none is sent; at Patient level the path says so.
  env.server.ClearRequests();
  env.ehr.level = "Patient";
  REQUIRE_OK(client->KickOff("", &url));
  const auto patient = env.RequestsTo("/fhir/");
  BOOST_TEST_REQUIRE(patient.size() == 1u);
  BOOST_TEST(patient[0]["path"] == "/fhir/Patient/$export");
  BOOST_TEST(patient[0]["_since"].is_null());
  BOOST_TEST((patient[0]["query"] == json::array({"_outputFormat", "_type"})));
}

BOOST_AUTO_TEST_CASE(polls_until_ready_waiting_retry_after_seconds) {
  Env env;
  env.server.SetScenario({{"polls_before_ready", 2}, {"retry_after_seconds", 3}});
  auto client = env.Client();
  const BulkManifest m = Export(env, *client);
  BOOST_TEST(env.counts.polls == 2);
  BOOST_TEST(env.counts.waits == std::vector<int64_t>({3, 3}));
  BOOST_TEST(env.counts.retries == 0);
  BOOST_TEST(env.counts.progress == "66% complete");  // The server's 100 * 2 // 3.
  BOOST_TEST(!m.requires_access_token);
  BOOST_TEST(!m.transaction_time.empty());
  BOOST_TEST(m.next_url.empty());
  BOOST_TEST_REQUIRE(m.output.size() == 2u);
  BOOST_TEST(m.output[0].type == "Observation");
  BOOST_TEST(m.output[0].count == 300);
  BOOST_TEST(m.output[1].type == "Patient");
  BOOST_TEST(m.output[1].count == 3);
  const auto polls = env.RequestsTo("/bulkstatus/");
  BOOST_TEST((Statuses(polls) == std::vector<long>{202, 202, 200}));
  for (const auto& p : polls) BOOST_TEST(p["accept"] == "application/json");
}

BOOST_AUTO_TEST_CASE(retry_after_as_a_date_is_read_against_the_answers_date) {
  Env env;
  // The client's clock is years off: only the answer's own Date makes the wait right.
  env.clock.Set(946684800);  // 2000-01-01.
  env.server.SetScenario(
      {{"polls_before_ready", 2}, {"retry_after", "date"}, {"retry_after_seconds", 5}});
  auto client = env.Client();
  Export(env, *client);
  BOOST_TEST(env.counts.polls == 2);
  BOOST_TEST_REQUIRE(env.counts.waits.size() == 2u);
  for (int64_t w : env.counts.waits) {
    // The server sends its time + 6 s, whole seconds; its Date is that second or the next.
    BOOST_TEST((w == 6 || w == 5), "waited " << w);
  }
}

BOOST_AUTO_TEST_CASE(absurd_retry_after_is_clamped_and_garbage_backs_off) {
  Env env;
  env.ehr.max_retry_after_seconds = 40;
  env.server.SetScenario({{"polls_before_ready", 2}, {"retry_after", "absurd"}});
  auto client = env.Client();
  Export(env, *client);
  BOOST_TEST(env.counts.waits == std::vector<int64_t>({40, 40}));  // 99999999 s clamped.

  env.counts = BulkCounts();
  env.server.SetScenario({{"polls_before_ready", 3}, {"retry_after", "garbage"}});
  Export(env, *client);
  BOOST_TEST(env.counts.waits == std::vector<int64_t>({1, 2, 4}));  // "soon": backoff.
}

BOOST_AUTO_TEST_CASE(an_export_that_never_finishes_stops_at_max_wait_minutes) {
  Env env;
  env.ehr.max_wait_minutes = 2;
  env.server.SetScenario({{"polls_before_ready", 1000}, {"retry_after_seconds", 60}});
  auto client = env.Client();
  std::string url;
  REQUIRE_OK(client->KickOff("", &url));
  BulkManifest m;
  BulkClient::Outcome outcome;
  const Status st = client->Poll(url, &m, &outcome);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("ehr.max_wait_minutes") != std::string::npos, st.message());
  BOOST_TEST((outcome == BulkClient::Outcome::kFailed));
  BOOST_TEST(env.counts.waits == std::vector<int64_t>({60, 60}));
  BOOST_TEST(env.counts.polls == 3);
}

BOOST_AUTO_TEST_CASE(throttled_kickoff_is_sent_again) {
  Env env;
  env.server.SetScenario({{"kickoff_429", 2}});
  auto client = env.Client();
  std::string url;
  REQUIRE_OK(client->KickOff("", &url));
  BOOST_TEST(env.counts.retries == 2);
  BOOST_TEST(env.counts.waits == std::vector<int64_t>({1, 1}));  // The server's Retry-After: 1.
  BOOST_TEST((Statuses(env.RequestsTo("/fhir/")) == std::vector<long>{429, 429, 202}));
}

BOOST_AUTO_TEST_CASE(transient_server_errors_are_sent_again) {
  Env env;
  env.server.SetScenario({{"kickoff_500_transient", 1},
                          {"status_429", 1},
                          {"status_500_transient", 1},
                          {"polls_before_ready", 0}});
  auto client = env.Client();
  const BulkManifest m = Export(env, *client);
  BOOST_TEST(m.output.size() == 2u);
  BOOST_TEST(env.counts.retries == 3);
  BOOST_TEST(env.counts.polls == 0);
  BOOST_TEST(env.counts.waits == std::vector<int64_t>({1, 1, 1}));
  BOOST_TEST((Statuses(env.RequestsTo("/fhir/")) == std::vector<long>{500, 202}));
  BOOST_TEST((Statuses(env.RequestsTo("/bulkstatus/")) == std::vector<long>{429, 500, 200}));
}

BOOST_AUTO_TEST_CASE(retries_run_out_and_the_answer_is_reported) {
  Env env;
  env.ehr.retries = 2;
  env.server.SetScenario({{"kickoff_429", 5}});
  auto client = env.Client();
  std::string url;
  const Status st = client->KickOff("2024-02-01T00:00:00Z", &url);
  BOOST_TEST(!st.ok());
  BOOST_TEST((st.code() == Status::Code::kIoError));
  BOOST_TEST(st.message().find("HTTP 429 (error/throttled)") != std::string::npos, st.message());
  BOOST_TEST(st.message().find("too many requests") == std::string::npos);  // Diagnostics.
  BOOST_TEST(st.message().find("2024-02-01") == std::string::npos);         // The query.
  BOOST_TEST(st.message().find("_type") == std::string::npos);
  BOOST_TEST(env.counts.retries == 2);
  BOOST_TEST(env.RequestsTo("/fhir/").size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_fatal_outcome_is_reported_at_once) {
  Env env;
  env.server.SetScenario({{"status_fatal", true}});
  auto client = env.Client();
  std::string url;
  REQUIRE_OK(client->KickOff("", &url));
  BulkManifest m;
  BulkClient::Outcome outcome;
  const Status st = client->Poll(url, &m, &outcome);
  BOOST_TEST(!st.ok());
  // The server ended the job: the next run starts a new one (kRefused), not this one again.
  BOOST_TEST((outcome == BulkClient::Outcome::kRefused));
  BOOST_TEST(st.message().find("HTTP 500 (fatal/exception)") != std::string::npos, st.message());
  BOOST_TEST(st.message().find("will not complete") == std::string::npos, st.message());
  BOOST_TEST(env.counts.retries == 0);
  BOOST_TEST(env.RequestsTo("/bulkstatus/").size() == 1u);
}

BOOST_AUTO_TEST_CASE(partial_manifests_are_merged) {
  Env env;
  env.server.SetScenario({{"manifest_page_size", 1}, {"max_resources_per_file", 100}});
  auto client = env.Client();
  const BulkManifest m = Export(env, *client);
  // 300 Observations in files of 100 and one file of Patients, one file per page.
  BOOST_TEST_REQUIRE(m.output.size() == 4u);
  std::set<std::string> urls;
  int64_t observations = 0;
  for (const auto& f : m.output) {
    urls.insert(f.url);
    if (f.type == "Observation") observations += f.count;
  }
  BOOST_TEST(urls.size() == 4u);
  BOOST_TEST(observations == 300);
  BOOST_TEST(m.output[3].type == "Patient");
  BOOST_TEST(m.output[3].count == 3);
  BOOST_TEST(m.next_url.empty());
  const auto pages = env.RequestsTo("/bulkstatus/");
  // An in-progress poll, the status answered with page 1, then pages 2 to 4.
  BOOST_TEST_REQUIRE(pages.size() == 5u);
  BOOST_TEST(pages[2]["path"].get<std::string>().ends_with("/manifest/2"));
  BOOST_TEST(pages[4]["path"].get<std::string>().ends_with("/manifest/4"));
}

BOOST_AUTO_TEST_CASE(delete_tells_the_server_and_the_job_is_gone) {
  Env env;
  auto client = env.Client();
  std::string url;
  Export(env, *client, &url);
  REQUIRE_OK(client->Delete(url));
  const auto requests = env.server.Requests();
  BOOST_TEST_REQUIRE(!requests.empty());
  BOOST_TEST(requests.back()["method"] == "DELETE");
  BOOST_TEST(url.ends_with(requests.back()["path"].get<std::string>()));
  BOOST_TEST(requests.back()["status"] == 202);
  // Once more: the server no longer knows it (404), which is fine.
  REQUIRE_OK(client->Delete(url));
  BulkManifest m;
  BulkClient::Outcome outcome;
  const Status st = client->Poll(url, &m, &outcome);
  BOOST_TEST(!st.ok());
  BOOST_TEST((outcome == BulkClient::Outcome::kGone));
  BOOST_TEST(st.message().find("404") != std::string::npos, st.message());
}

// --- Downloads ------------------------------------------------------------------------------

struct Downloaded {
  Status status;
  BulkClient::Outcome outcome = BulkClient::Outcome::kFailed;
  uint64_t told = 0;  // What on_bytes heard.
};

Downloaded DownloadTo(BulkClient& client, const std::string& url, bool with_token,
                      const fs::path& part) {
  Downloaded d;
  d.status = client.Download(
      url, with_token, part, [&d](size_t n) { d.told += n; }, &d.outcome);
  return d;
}

BOOST_AUTO_TEST_CASE(downloads_are_byte_exact_plain_and_gzip) {
  Env env;
  auto client = env.Client();
  const BulkManifest m = Export(env, *client);
  const fs::path plain = env.tmp.path() / "Observation.plain.part";
  Downloaded d = DownloadTo(*client, UrlOf(m, "Observation"), m.requires_access_token, plain);
  REQUIRE_OK(d.status);
  BOOST_TEST(Slurp(plain) == env.DataFile("Observation"));
  BOOST_TEST(d.told == env.DataFile("Observation").size());
  BOOST_TEST(((fs::status(plain).permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
              fs::perms::none));
  const json logged = env.server.Requests().back();
  BOOST_TEST(logged["accept"] == "application/fhir+ndjson");
  BOOST_TEST(logged["range"].is_null());
  BOOST_TEST(logged["authorization"] == false);

  env.server.SetScenario({{"gzip", true}});
  const fs::path zipped = env.tmp.path() / "Observation.gzip.part";
  d = DownloadTo(*client, UrlOf(m, "Observation"), false, zipped);
  REQUIRE_OK(d.status);
  BOOST_TEST(env.server.Requests().back()["accept_encoding"] == "gzip");
  BOOST_TEST(Slurp(zipped) == env.DataFile("Observation"));  // Decoded.
  d = DownloadTo(*client, UrlOf(m, "Patient"), false, env.tmp.path() / "Patient.part");
  REQUIRE_OK(d.status);
  BOOST_TEST(Slurp(env.tmp.path() / "Patient.part") == env.DataFile("Patient"));
  BOOST_TEST(env.counts.retries == 0);
}

BOOST_AUTO_TEST_CASE(a_cut_download_resumes_with_a_range) {
  Env env;
  auto client = env.Client();
  const BulkManifest m = Export(env, *client);
  env.server.ClearRequests();
  env.counts = BulkCounts();
  env.server.SetScenario({{"cut_file_after_bytes", 5000}, {"cut_times", 1}, {"ranges", true}});
  const fs::path part = env.tmp.path() / "Observation.part";
  const Downloaded d = DownloadTo(*client, UrlOf(m, "Observation"), false, part);
  REQUIRE_OK(d.status);
  BOOST_TEST(Slurp(part) == env.DataFile("Observation"));
  BOOST_TEST(d.told == env.DataFile("Observation").size());
  BOOST_TEST(env.counts.retries == 1);
  BOOST_TEST(env.counts.waits == std::vector<int64_t>({2}));  // retry_initial_seconds.
  const auto files = env.RequestsTo("/bulkfiles/");
  BOOST_TEST_REQUIRE(files.size() == 2u);
  BOOST_TEST(files[0]["cut_after"] == 5000);
  BOOST_TEST(files[0]["range"].is_null());
  BOOST_TEST(files[1]["range"] == "bytes=5000-");
  BOOST_TEST(files[1]["status"] == 206);
}

BOOST_AUTO_TEST_CASE(a_cut_download_starts_again_where_ranges_are_ignored) {
  Env env;
  auto client = env.Client();
  const BulkManifest m = Export(env, *client);
  env.server.ClearRequests();
  env.counts = BulkCounts();
  env.server.SetScenario({{"cut_file_after_bytes", 5000}, {"cut_times", 2}});
  const fs::path part = env.tmp.path() / "Observation.part";
  const Downloaded d = DownloadTo(*client, UrlOf(m, "Observation"), false, part);
  REQUIRE_OK(d.status);
  BOOST_TEST(Slurp(part) == env.DataFile("Observation"));  // Emptied, then written whole.
  BOOST_TEST(env.counts.retries == 2);
  const auto files = env.RequestsTo("/bulkfiles/");
  BOOST_TEST_REQUIRE(files.size() == 3u);
  BOOST_TEST(files[1]["range"] == "bytes=5000-");
  BOOST_TEST(files[2]["range"] == "bytes=5000-");  // The second cut also left 5000 bytes.
  BOOST_TEST((Statuses(files) == std::vector<long>{200, 200, 200}));
}

BOOST_AUTO_TEST_CASE(a_cut_gzip_download_resumes_uncompressed) {
  Env env;
  auto client = env.Client();
  const BulkManifest m = Export(env, *client);
  env.server.ClearRequests();
  env.counts = BulkCounts();
  env.server.SetScenario(
      {{"gzip", true}, {"cut_file_after_bytes", 1000}, {"cut_times", 1}, {"ranges", true}});
  const fs::path part = env.tmp.path() / "Observation.part";
  const Downloaded d = DownloadTo(*client, UrlOf(m, "Observation"), false, part);
  REQUIRE_OK(d.status);
  BOOST_TEST(Slurp(part) == env.DataFile("Observation"));
  const auto files = env.RequestsTo("/bulkfiles/");
  BOOST_TEST_REQUIRE(files.size() == 2u);
  BOOST_TEST(files[0]["accept_encoding"] == "gzip");
  // The rest must come as stored (identity), not compressed again.
  BOOST_TEST(files[1]["accept_encoding"].is_null());
  // The rest is asked for from the decoded bytes already held.
  const std::string range = files[1]["range"].get<std::string>();
  BOOST_TEST_REQUIRE(range.starts_with("bytes="));
  BOOST_TEST_REQUIRE(range.ends_with("-"));
  int64_t from = 0;
  BOOST_TEST_REQUIRE(ParseInt64(range.substr(6, range.size() - 7), &from), range);
  BOOST_TEST(from > 0);
  BOOST_TEST(from < static_cast<int64_t>(env.DataFile("Observation").size()));
  BOOST_TEST(files[1]["status"] == 206);
}

BOOST_AUTO_TEST_CASE(an_expired_file_is_gone) {
  Env env;
  auto client = env.Client();
  const BulkManifest m = Export(env, *client);
  env.server.SetScenario({{"expire_files_after_downloads", 0}});
  const Downloaded d =
      DownloadTo(*client, UrlOf(m, "Patient"), false, env.tmp.path() / "Patient.part");
  BOOST_TEST(!d.status.ok());
  BOOST_TEST((d.outcome == BulkClient::Outcome::kGone));
  BOOST_TEST(d.status.message().find("410") != std::string::npos, d.status.message());
  BOOST_TEST(env.counts.retries == 0);
}

// --- Hangs ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_hanging_status_request_times_out) {
  Env env;
  env.ehr.retries = 1;
  HttpClient::Timeouts timeouts;
  timeouts.connect_seconds = 2;
  timeouts.total_seconds = 1;
  timeouts.stall_seconds = 1;
  auto client = env.Client(nullptr, timeouts);
  std::string url;
  REQUIRE_OK(client->KickOff("", &url));
  env.server.SetScenario({{"hang", "status"}});
  BulkManifest m;
  BulkClient::Outcome outcome;
  const Status st = client->Poll(url, &m, &outcome);
  BOOST_TEST(!st.ok());
  BOOST_TEST((st.code() == Status::Code::kIoError));
  BOOST_TEST((outcome == BulkClient::Outcome::kFailed));
  BOOST_TEST(st.message().find("/bulkstatus/") != std::string::npos, st.message());
  BOOST_TEST(env.counts.retries == 1);
  BOOST_TEST(env.counts.waits == std::vector<int64_t>({2}));
  BOOST_TEST((Statuses(env.RequestsTo("/bulkstatus/")) == std::vector<long>{0, 0}));  // Unanswered.
}

BOOST_AUTO_TEST_CASE(a_hanging_download_is_cut_by_the_stall_timeout) {
  Env env;
  env.ehr.retries = 0;
  HttpClient::Timeouts timeouts;
  timeouts.connect_seconds = 2;
  timeouts.total_seconds = 10;
  timeouts.stall_seconds = 1;
  auto client = env.Client(nullptr, timeouts);
  const BulkManifest m = Export(env, *client);
  env.server.SetScenario({{"hang", "file"}});
  const Downloaded d =
      DownloadTo(*client, UrlOf(m, "Patient"), false, env.tmp.path() / "Patient.part");
  BOOST_TEST(!d.status.ok());
  BOOST_TEST((d.status.code() == Status::Code::kIoError));
  BOOST_TEST((d.outcome == BulkClient::Outcome::kFailed));
  BOOST_TEST(d.told == 0u);
}

// --- SMART Backend Services -----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(one_token_serves_the_whole_export) {
  Env env(Auth::kSmart);
  const std::string kid = env.key->kid();
  env.server.SetScenario({{"polls_before_ready", 2}});
  SmartToken* token = env.Token();
  auto client = env.Client(token);
  const BulkManifest m = Export(env, *client);
  BOOST_TEST(m.requires_access_token);
  for (const char* type : {"Patient", "Observation"}) {
    const fs::path part = env.tmp.path() / (std::string(type) + ".part");
    const Downloaded d = DownloadTo(*client, UrlOf(m, type), m.requires_access_token, part);
    REQUIRE_OK(d.status);
    BOOST_TEST(Slurp(part) == env.DataFile(type));
  }
  BOOST_TEST(token->requests() == 1);
  BOOST_TEST(env.counts.retries == 0);
  const auto tokens = env.RequestsTo("/auth/token");
  BOOST_TEST_REQUIRE(tokens.size() == 1u);
  const json& t = tokens[0];
  BOOST_TEST(t["status"] == 200);
  BOOST_TEST(t["method"] == "POST");
  BOOST_TEST(t["content_type"] == "application/x-www-form-urlencoded");
  BOOST_TEST(t["grant_type"] == "client_credentials");
  BOOST_TEST(t["scope"] == "system/Patient.rs system/Observation.rs");
  BOOST_TEST(t["jwt_header"]["alg"] == "ES384");
  BOOST_TEST(t["jwt_header"]["kid"] == kid);
  BOOST_TEST(t["jwt_claims"]["iss"] == kClientId);
  BOOST_TEST(t["jwt_claims"]["sub"] == kClientId);
  BOOST_TEST(t["jwt_claims"]["aud"] == env.server.TokenUrl());
  BOOST_TEST(env.RequestsTo("/fhir/.well-known/smart-configuration").size() == 1u);
  // Kick-off, three status requests and two files, each with the one token.
  const auto fhir = env.server.Requests();
  int authorized = 0;
  for (const auto& r : fhir) {
    const std::string path = r["path"].get<std::string>();
    if (path == "/auth/token" || path.starts_with("/fhir/.well-known")) continue;
    BOOST_TEST(r["authorization"] == true, path);
    BOOST_TEST(r["status"] != 401, path);
    ++authorized;
  }
  BOOST_TEST(authorized == 6);
}

BOOST_AUTO_TEST_CASE(an_expired_token_is_renewed_once) {
  Env env(Auth::kSmart);
  // A token the server stops taking after two requests: kick-off, first poll, then 401.
  env.server.SetScenario({{"token_expire_after_requests", 2}, {"polls_before_ready", 2}});
  SmartToken* token = env.Token();
  auto client = env.Client(token);
  const BulkManifest m = Export(env, *client);
  BOOST_TEST(m.output.size() == 2u);
  BOOST_TEST(token->requests() == 2);
  BOOST_TEST(env.RequestsTo("/auth/token").size() == 2u);
  BOOST_TEST(env.counts.retries == 1);
  BOOST_TEST(env.counts.polls == 2);
  BOOST_TEST((Statuses(env.RequestsTo("/bulkstatus/")) == std::vector<long>{202, 401, 202, 200}));
}

BOOST_AUTO_TEST_CASE(a_token_refused_twice_ends_the_request) {
  Env env(Auth::kSmart);
  env.server.SetScenario({{"token_expire_after_requests", 0}});  // No token ever works.
  SmartToken* token = env.Token();
  auto client = env.Client(token);
  std::string url;
  const Status st = client->KickOff("", &url);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("HTTP 401") != std::string::npos, st.message());
  BOOST_TEST(st.message().find("Bearer") == std::string::npos, st.message());
  BOOST_TEST(token->requests() == 2);  // One renewal, not a loop.
  BOOST_TEST((Statuses(env.RequestsTo("/fhir/$export")) == std::vector<long>{401, 401}));
}

BOOST_AUTO_TEST_CASE(a_key_the_server_does_not_know_gets_no_token) {
  Env env(Auth::kUnknownKey);
  SmartToken* token = env.Token();
  auto client = env.Client(token);
  std::string url;
  const Status st = client->KickOff("", &url);
  BOOST_TEST(!st.ok());
  BOOST_TEST((st.code() == Status::Code::kIoError));
  BOOST_TEST(st.message().find("token refused: HTTP 401 invalid_client") != std::string::npos,
             st.message());
  // Neither the assertion (a JWT starts "eyJ"), a token, nor the server's description.
  BOOST_TEST(st.message().find("eyJ") == std::string::npos, st.message());
  BOOST_TEST(st.message().find("Bearer") == std::string::npos, st.message());
  BOOST_TEST(st.message().find("kid") == std::string::npos, st.message());
  BOOST_TEST(env.RequestsTo("/fhir/$export").empty());  // Nothing was sent without a token.
  const auto tokens = env.RequestsTo("/auth/token");
  BOOST_TEST_REQUIRE(tokens.size() == 1u);
  BOOST_TEST(tokens[0]["status"] == 401);
}

}  // namespace
}  // namespace portal
