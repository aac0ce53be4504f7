// Load client for portal-mailboxd (docs/benchmarks.md, issue 5). Two steps, so that signing
// is not timed and timestamps are fresh (the daemon allows ±5 minutes):
//
//   mailbox_load sign --gnupghome DIR --patients FILE --count N --out FILE [--threads T]
//                     [--to PROVIDER[,PROVIDER...]]
//     FILE lists "MRN FINGERPRINT" per line (secret keys in DIR). Writes N message requests,
//     round robin over the patients, each signed (detached, binary) by its patient's key:
//     one line each, "base64(body) base64(signature) idempotency-key".
//   mailbox_load run --port P --connections C --requests FILE [--receipts FILE]
//                    [--latencies FILE]
//     C threads, each with its own keep-alive connection, send the requests (each once; a
//     broken connection is reopened and the request retried with the same idempotency key)
//     and time each from write to complete response. Prints one JSON report on stdout;
//     receipts of 202 answers go to the receipts file, one a line; the latencies file gets
//     "connection started-ms ms status" per request.
//
// Patients' accounts (issue 13):
//   mailbox_load accounts --state DIR --patients FILE --out FILE
//     Before the daemon starts (not timed): an account for each "MRN FINGERPRINT" of FILE (an
//     enrolled patient and its pinned key), made through the account store as an activation
//     with a staff code would make it, with a random auth key. Writes "LOGON-ID base64(auth key)"
//     per line. The client's Argon2id is not the server's work and is not part of this.
//   mailbox_load signin --port P --connections C --accounts FILE --count N [--latencies FILE]
//     N POST /v1/sessions over C keep-alive connections, round robin over the accounts; one
//     JSON report like run's (sign_ins_per_s: answers 200).
//   mailbox_load registrations --port P --known FILE --unknown FILE --count N
//     Timing equality: N POST /v1/registrations for the "MRN E-MAIL" pairs of --known
//     (eligible, not enrolled, the e-mail on record) and N for those of --unknown (MRNs nobody
//     has), interleaved one by one on one keep-alive connection; one JSON report of both sides'
//     medians and their ratio.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <openssl/rand.h>

#include "core/account_codes.h"
#include "core/account_secrets.h"
#include "core/account_store.h"
#include "core/base64.h"
#include "core/clock.h"
#include "core/enrollment_registry.h"
#include "core/fhir_time.h"
#include "core/gpg.h"
#include "core/parse_number.h"
#include "core/sha256.h"
#include "core/state_layout.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

struct SignedRequest {
  std::string body;
  std::string signature;  // Binary detached signature.
  std::string idempotency_key;
};

struct Patient {
  std::string mrn;
  std::string fingerprint;
};

// --name value pairs after the subcommand.
std::map<std::string, std::string> ParseFlags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 2; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  return flags;
}

std::string Flag(const std::map<std::string, std::string>& flags, const std::string& name,
                 const std::string& fallback = "") {
  auto it = flags.find(name);
  if (it != flags.end()) return it->second;
  if (fallback.empty()) {
    std::fprintf(stderr, "mailbox_load: %s is required\n", name.c_str());
    std::exit(2);
  }
  return fallback;
}

// The flag `name` as a whole number from `min` to `max`; a usage error (exit 2) otherwise.
int64_t NumberFlag(const std::map<std::string, std::string>& flags, const std::string& name,
                   int64_t min, int64_t max, const std::string& fallback = "") {
  int64_t value = 0;
  if (!portal::ParseInt64(Flag(flags, name, fallback), &value) || value < min || value > max) {
    std::fprintf(stderr, "mailbox_load: %s must be a number from %lld to %lld\n", name.c_str(),
                 static_cast<long long>(min), static_cast<long long>(max));
    std::exit(2);
  }
  return value;
}

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, sep);) parts.push_back(part);
  return parts;
}

// ---- sign ----

// A message as a patient's app would send it: fresh nonce, the current time.
std::string MessageBody(const Patient& p, const std::string& to, size_t n,
                        const std::string& nonce) {
  const json body = {
      {"version", 1},
      {"mrn", p.mrn},
      {"to", to},
      {"subject", "Question about my prescription (" + std::to_string(n) + ")"},
      {"body",
       "Hello, I would like to ask whether my prescription can be renewed before my next "
       "visit, and whether the dose should stay the same. I have had no side effects since "
       "the last change. Thank you."},
      {"nonce", nonce},
      {"timestamp", portal::FormatInstant(portal::SystemClock().Now())}};
  return body.dump();
}

// Signs requests n = t, t + T, t + 2T, ... with one GPGME context per patient of this thread.
bool SignShare(const std::string& home, const std::vector<Patient>& patients,
               const std::vector<std::string>& providers, size_t t, size_t threads,
               std::vector<SignedRequest>* out) {
  std::map<size_t, std::unique_ptr<portal::GpgContext>> contexts;
  for (size_t n = t; n < out->size(); n += threads) {
    const size_t who = n % patients.size();
    auto& ctx = contexts[who];
    if (!ctx) {
      portal::Status st = portal::GpgContext::Open(home, /*armor=*/false, &ctx);
      if (st.ok()) st = ctx->SetSigner(patients[who].fingerprint);
      if (!st.ok()) {
        std::fprintf(stderr, "mailbox_load: %s\n", st.message().c_str());
        return false;
      }
    }
    const std::string nonce = "bench-" + portal::RandomHex(12);
    SignedRequest& r = (*out)[n];
    r.body = MessageBody(patients[who], providers[n % providers.size()], n, nonce);
    r.idempotency_key = "k-" + nonce;
    const portal::Status st = ctx->SignDetached(r.body, &r.signature);
    if (!st.ok()) {
      std::fprintf(stderr, "mailbox_load: %s\n", st.message().c_str());
      return false;
    }
  }
  return true;
}

int Sign(const std::map<std::string, std::string>& flags) {
  const std::string home = Flag(flags, "--gnupghome");
  const auto count = static_cast<size_t>(NumberFlag(flags, "--count", 0, 100'000'000));
  const auto threads = static_cast<size_t>(NumberFlag(flags, "--threads", 1, 1024, "2"));
  const auto providers = Split(Flag(flags, "--to", "conncare"), ',');
  std::vector<Patient> patients;
  std::ifstream list(Flag(flags, "--patients"));
  for (Patient p; list >> p.mrn >> p.fingerprint;) patients.push_back(p);
  if (patients.empty() || providers.empty()) {
    std::fprintf(stderr, "mailbox_load: no patients or no providers\n");
    return 2;
  }
  std::vector<SignedRequest> requests(count);
  std::atomic<bool> ok{true};
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      if (!SignShare(home, patients, providers, t, threads, &requests)) ok = false;
    });
  }
  for (auto& th : pool) th.join();
  if (!ok) return 3;
  std::ofstream out(Flag(flags, "--out"));
  for (const auto& r : requests) {
    out << portal::Base64Encode(r.body) << ' ' << portal::Base64Encode(r.signature) << ' '
        << r.idempotency_key << '\n';
  }
  return out.good() ? 0 : 3;
}

// ---- run ----

struct Result {
  int status = 0;  // 0: no answer (the connection broke twice).
  double ms = 0;
  double started_ms = 0;  // After the start of the run.
  int connection = 0;
  std::string receipt;
};

std::vector<SignedRequest> ReadRequests(const std::string& path) {
  std::vector<SignedRequest> requests;
  std::ifstream in(path);
  for (std::string body, sig, key; in >> body >> sig >> key;) {
    SignedRequest r;
    if (!portal::Base64Decode(body, &r.body) || !portal::Base64Decode(sig, &r.signature)) {
      std::fprintf(stderr, "mailbox_load: %s: not a requests file\n", path.c_str());
      std::exit(2);
    }
    r.idempotency_key = key;
    requests.push_back(std::move(r));
  }
  return requests;
}

using Request = http::request<http::string_body>;

// A JSON POST (or PUT) to `target`, keep-alive.
Request JsonRequest(http::verb verb, const std::string& target, const std::string& host,
                    const std::string& body) {
  Request req{verb, target, 11};
  req.set(http::field::host, host);
  req.set(http::field::content_type, "application/json");
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();
  return req;
}

Request MakeRequest(const SignedRequest& r, const std::string& host) {
  Request req = JsonRequest(http::verb::post, "/v1/messages", host, r.body);
  req.set("Portal-Signature", portal::Base64Encode(r.signature));
  req.set("Idempotency-Key", r.idempotency_key);
  return req;
}

std::string HostOf(unsigned short port) { return "127.0.0.1:" + std::to_string(port); }

// One connection's loop: takes the next request until none are left.
class Connection {
 public:
  Connection(int id, const tcp::endpoint& server, std::atomic<size_t>* next,
             const std::vector<Request>& requests, std::vector<Result>* results,
             std::atomic<int>* reconnects)
      : id_(id),
        server_(server),
        next_(next),
        requests_(requests),
        results_(results),
        reconnects_(reconnects) {}

  void Run(Clock::time_point run_start) {
    for (size_t i = next_->fetch_add(1); i < requests_.size(); i = next_->fetch_add(1)) {
      const Request& req = requests_[i];
      Result& result = (*results_)[i];
      const auto start = Clock::now();
      result.connection = id_;
      result.started_ms = std::chrono::duration<double, std::milli>(start - run_start).count();
      // A retry carries the same idempotency key: the daemon answers with the first receipt.
      for (int attempt = 0; attempt < 2 && result.status == 0; ++attempt) Exchange(req, &result);
      result.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    }
  }

  void Open() {
    socket_ = std::make_unique<tcp::socket>(io_);
    beast::error_code ec;
    socket_->connect(server_, ec);
    if (ec) socket_.reset();
  }

 private:
  void Exchange(const Request& req, Result* result) {
    beast::error_code ec;
    if (!socket_) Open();
    if (!socket_) return Broken();
    http::write(*socket_, req, ec);
    if (ec) return Broken();
    http::response<http::string_body> res;
    http::read(*socket_, buffer_, res, ec);
    if (ec) return Broken();
    result->status = res.result_int();
    if (result->status == 202) {
      const json body = json::parse(res.body(), nullptr, /*allow_exceptions=*/false);
      if (body.is_object() && body.contains("receipt") && body["receipt"].is_string()) {
        result->receipt = body["receipt"].get<std::string>();
      }
    }
    if (!res.keep_alive()) socket_.reset();
  }

  void Broken() {
    socket_.reset();
    buffer_.clear();
    ++*reconnects_;
  }

  const int id_;
  const tcp::endpoint server_;
  std::atomic<size_t>* next_;
  const std::vector<Request>& requests_;
  std::vector<Result>* results_;
  std::atomic<int>* reconnects_;
  asio::io_context io_;
  std::unique_ptr<tcp::socket> socket_;
  beast::flat_buffer buffer_;
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.999);
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

double Round2(double v) { return static_cast<double>(static_cast<int64_t>(v * 100 + 0.5)) / 100; }
// Microseconds, for the registrations' sub-millisecond medians.
double Round3(double v) { return static_cast<double>(static_cast<int64_t>(v * 1000 + 0.5)) / 1000; }

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

json Latencies(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return {{"p50", Round2(Percentile(ms, 50))},
          {"p90", Round2(Percentile(ms, 90))},
          {"p99", Round2(Percentile(ms, 99))},
          {"max", Round2(ms.empty() ? 0 : ms.back())}};
}

// Answers with `ok_status` count as done (a 202 only with its receipt); `rate` names the rate.
json Report(const std::vector<Result>& results, int connections, double wall_s, int reconnects,
            int ok_status, const char* rate) {
  std::map<std::string, int> statuses;
  std::vector<double> ms;
  int accepted = 0;
  for (const auto& r : results) {
    ++statuses[r.status == 0 ? "no-answer" : std::to_string(r.status)];
    if (r.status == ok_status && (ok_status != 202 || !r.receipt.empty())) ++accepted;
    ms.push_back(r.ms);
  }
  return {{"connections", connections},
          {"sent", results.size()},
          {"accepted", accepted},
          {"statuses", statuses},
          {"reconnects", reconnects},
          {"wall_s", Round2(wall_s)},
          {rate, Round2(accepted / wall_s)},
          {"latency_ms", Latencies(ms)}};
}

// Sends every request once over `connections` keep-alive connections (connecting not timed).
std::vector<Result> Drive(unsigned short port, int connections,
                          const std::vector<Request>& requests, double* wall_s,
                          int* reconnects_out) {
  const tcp::endpoint server(asio::ip::make_address("127.0.0.1"), port);
  std::vector<Result> results(requests.size());
  std::atomic<size_t> next{0};
  std::atomic<int> reconnects{0};
  std::vector<std::unique_ptr<Connection>> conns;
  for (int c = 0; c < connections; ++c) {
    conns.push_back(
        std::make_unique<Connection>(c, server, &next, requests, &results, &reconnects));
  }
  for (auto& c : conns) c->Open();
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (auto& c : conns) threads.emplace_back([&c, start] { c->Run(start); });
  for (auto& t : threads) t.join();
  *wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  *reconnects_out = reconnects.load();
  return results;
}

void WriteLatencies(const std::map<std::string, std::string>& flags,
                    const std::vector<Result>& results) {
  const std::string latencies_path = Flag(flags, "--latencies", "-");
  if (latencies_path == "-") return;
  std::ofstream out(latencies_path);
  for (const auto& r : results) {
    out << r.connection << ' ' << r.started_ms << ' ' << r.ms << ' ' << r.status << '\n';
  }
}

// Drive, then the report on stdout and the latencies file.
std::vector<Result> DriveAndReport(const std::map<std::string, std::string>& flags,
                                   unsigned short port, int connections,
                                   const std::vector<Request>& requests, int ok_status,
                                   const char* rate) {
  double wall_s = 0;
  int reconnects = 0;
  auto results = Drive(port, connections, requests, &wall_s, &reconnects);
  std::printf("%s\n",
              Report(results, connections, wall_s, reconnects, ok_status, rate).dump().c_str());
  WriteLatencies(flags, results);
  return results;
}

int Run(const std::map<std::string, std::string>& flags) {
  const auto connections = static_cast<int>(NumberFlag(flags, "--connections", 1, 100'000));
  const auto port = static_cast<unsigned short>(NumberFlag(flags, "--port", 1, 65535));
  std::vector<Request> requests;
  for (const auto& r : ReadRequests(Flag(flags, "--requests"))) {
    requests.push_back(MakeRequest(r, HostOf(port)));
  }
  const auto results = DriveAndReport(flags, port, connections, requests, 202, "submissions_per_s");
  const std::string receipts_path = Flag(flags, "--receipts", "-");
  if (receipts_path != "-") {
    std::ofstream out(receipts_path);
    for (const auto& r : results) {
      if (!r.receipt.empty()) out << r.receipt << '\n';
    }
  }
  return 0;
}

// ---- patients' accounts ----

std::vector<std::pair<std::string, std::string>> ReadPairs(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::ifstream in(path);
  for (std::string a, b; in >> a >> b;) pairs.emplace_back(a, b);
  if (pairs.empty()) {
    std::fprintf(stderr, "mailbox_load: %s: nothing to read\n", path.c_str());
    std::exit(2);
  }
  return pairs;
}

std::string RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) {
    std::fprintf(stderr, "mailbox_load: no random bytes\n");
    std::exit(3);
  }
  return bytes;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

int Fail(const portal::Status& st) {
  std::fprintf(stderr, "mailbox_load: %s\n", st.message().c_str());
  return 3;
}

// One account for an enrolled patient, as an activation with a staff code makes it.
portal::Status MakeAccount(const portal::StateLayout& layout, portal::EnrollmentRegistry* registry,
                           portal::AccountStore* store, const portal::AccountSecrets& secrets,
                           const Patient& p, int64_t now, std::string* logon_id,
                           std::string* auth_key) {
  portal::Enrollment enrollment;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(registry->Find(p.mrn, &enrollment, &found));
  if (!found) return portal::Status::InvalidInput("a listed patient is not enrolled");
  std::string code;
  if (!portal::NormalizeActivationCode(portal::NewActivationCode(), &code)) {
    return portal::Status::InvalidInput("a new activation code does not normalize");
  }
  portal::ActivationCode staff_code;
  staff_code.code_hash = portal::ActivationCodeHash(code);
  staff_code.mrn = p.mrn;
  staff_code.created_at = now;
  staff_code.expires_at = now + 86400;
  PORTAL_RETURN_IF_ERROR(store->AddActivationCode(staff_code));
  *auth_key = RandomBytes(32);
  portal::NewAccount a;
  a.logon_id = *logon_id = "bench-" + portal::RandomHex(6);
  a.kdf.salt = RandomBytes(16);
  a.auth_verifier = secrets.AuthVerifier(*auth_key);
  // A blob the size of a real one (an ed25519/cv25519 secret key, armored: about 900 bytes).
  a.key_blob = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" +
               portal::Base64Encode(RandomBytes(640)) + "\n-----END PGP PRIVATE KEY BLOCK-----\n";
  a.key.fingerprint = p.fingerprint;
  a.key.added_at = now;
  a.key_data = ReadFile(portal::KeyFileIn(layout.keys_dir, p.fingerprint));
  a.mrn = p.mrn;
  a.patient_id = enrollment.patient_id;
  a.activation_code_hash = staff_code.code_hash;
  portal::AccountOutcome outcome = portal::AccountOutcome::kDone;
  std::string token;
  PORTAL_RETURN_IF_ERROR(store->CreateAccount(a, now, 5, &outcome, &token));
  if (outcome != portal::AccountOutcome::kDone) {
    return portal::Status::InvalidInput("the account store refused a benchmark account");
  }
  return portal::Status::Ok();
}

int Accounts(const std::map<std::string, std::string>& flags) {
  const portal::StateLayout layout(Flag(flags, "--state"));
  std::unique_ptr<portal::EnrollmentRegistry> registry;
  portal::Status st =
      portal::EnrollmentRegistry::Open(layout.registry_db, layout.keys_dir, &registry);
  if (!st.ok()) return Fail(st);
  std::unique_ptr<portal::AccountStore> store;
  if (!(st = portal::AccountStore::Open(registry.get(), &store)).ok()) return Fail(st);
  portal::AccountSecrets secrets;
  if (!(st = portal::AccountSecrets::Load(layout.accounts_pepper, &secrets)).ok()) return Fail(st);
  const int64_t now = portal::SystemClock().Now();
  std::ofstream out(Flag(flags, "--out"));
  for (const auto& [mrn, fingerprint] : ReadPairs(Flag(flags, "--patients"))) {
    std::string logon_id, auth_key;
    st = MakeAccount(layout, registry.get(), store.get(), secrets, {mrn, fingerprint}, now,
                     &logon_id, &auth_key);
    if (!st.ok()) return Fail(st);
    out << logon_id << ' ' << portal::Base64Encode(auth_key) << '\n';
  }
  return out.good() ? 0 : 3;
}

int SignIn(const std::map<std::string, std::string>& flags) {
  const auto connections = static_cast<int>(NumberFlag(flags, "--connections", 1, 100'000));
  const auto port = static_cast<unsigned short>(NumberFlag(flags, "--port", 1, 65535));
  const auto count = static_cast<size_t>(NumberFlag(flags, "--count", 1, 100'000'000));
  const auto accounts = ReadPairs(Flag(flags, "--accounts"));
  std::vector<Request> requests;
  for (size_t i = 0; i < count; ++i) {
    const auto& [logon_id, auth_key] = accounts[i % accounts.size()];
    const json body = {{"logon_id", logon_id}, {"auth_key", auth_key}};
    requests.push_back(JsonRequest(http::verb::post, "/v1/sessions", HostOf(port), body.dump()));
  }
  DriveAndReport(flags, port, connections, requests, 200, "sign_ins_per_s");
  return 0;
}

int Registrations(const std::map<std::string, std::string>& flags) {
  const auto port = static_cast<unsigned short>(NumberFlag(flags, "--port", 1, 65535));
  const auto count = static_cast<size_t>(NumberFlag(flags, "--count", 1, 1'000'000));
  const auto known = ReadPairs(Flag(flags, "--known"));
  const auto unknown = ReadPairs(Flag(flags, "--unknown"));
  std::vector<Request> requests;  // Even: known, odd: unknown.
  for (size_t i = 0; i < count; ++i) {
    for (const auto* side : {&known, &unknown}) {
      const auto& [mrn, email] = (*side)[i % side->size()];
      const json body = {{"mrn", mrn}, {"email", email}};
      requests.push_back(
          JsonRequest(http::verb::post, "/v1/registrations", HostOf(port), body.dump()));
    }
  }
  double wall_s = 0;
  int reconnects = 0;
  // One connection: the requests go one at a time, in the interleaved order.
  const auto results = Drive(port, 1, requests, &wall_s, &reconnects);
  std::vector<double> ms[2];
  std::map<std::string, int> statuses[2];
  for (size_t i = 0; i < results.size(); ++i) {
    ms[i % 2].push_back(results[i].ms);
    ++statuses[i % 2][std::to_string(results[i].status)];
  }
  const double known_median = Median(ms[0]), unknown_median = Median(ms[1]);
  const json report = {
      {"count", count},
      {"known",
       {{"median_ms", Round3(known_median)},
        {"statuses", statuses[0]},
        {"latency_ms", Latencies(ms[0])}}},
      {"unknown",
       {{"median_ms", Round3(unknown_median)},
        {"statuses", statuses[1]},
        {"latency_ms", Latencies(ms[1])}}},
      {"median_ratio", unknown_median > 0 ? Round3(known_median / unknown_median) : 0},
      {"reconnects", reconnects}};
  std::printf("%s\n", report.dump().c_str());
  WriteLatencies(flags, results);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "sign") return Sign(ParseFlags(argc, argv));
  if (command == "run") return Run(ParseFlags(argc, argv));
  if (command == "accounts") return Accounts(ParseFlags(argc, argv));
  if (command == "signin") return SignIn(ParseFlags(argc, argv));
  if (command == "registrations") return Registrations(ParseFlags(argc, argv));
  std::fprintf(stderr,
               "usage: mailbox_load sign --gnupghome DIR --patients FILE --count N --out FILE "
               "[--threads T] [--to IDS]\n"
               "       mailbox_load run --port P --connections C --requests FILE "
               "[--receipts FILE] [--latencies FILE]\n"
               "       mailbox_load accounts --state DIR --patients FILE --out FILE\n"
               "       mailbox_load signin --port P --connections C --accounts FILE --count N "
               "[--latencies FILE]\n"
               "       mailbox_load registrations --port P --known FILE --unknown FILE "
               "--count N [--latencies FILE]\n");
  return 2;
}
