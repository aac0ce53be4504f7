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

#include "core/base64.h"
#include "core/clock.h"
#include "core/fhir_time.h"
#include "core/gpg.h"
#include "core/parse_number.h"
#include "core/sha256.h"

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

http::request<http::string_body> MakeRequest(const SignedRequest& r, const std::string& host) {
  http::request<http::string_body> req{http::verb::post, "/v1/messages", 11};
  req.set(http::field::host, host);
  req.set(http::field::content_type, "application/json");
  req.set("Portal-Signature", portal::Base64Encode(r.signature));
  req.set("Idempotency-Key", r.idempotency_key);
  req.keep_alive(true);
  req.body() = r.body;
  req.prepare_payload();
  return req;
}

// One connection's loop: takes the next request until none are left.
class Connection {
 public:
  Connection(int id, const tcp::endpoint& server, std::atomic<size_t>* next,
             const std::vector<SignedRequest>& requests, std::vector<Result>* results,
             std::atomic<int>* reconnects)
      : id_(id),
        server_(server),
        next_(next),
        requests_(requests),
        results_(results),
        reconnects_(reconnects) {}

  void Run(Clock::time_point run_start) {
    const std::string host = "127.0.0.1:" + std::to_string(server_.port());
    for (size_t i = next_->fetch_add(1); i < requests_.size(); i = next_->fetch_add(1)) {
      const auto req = MakeRequest(requests_[i], host);
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
  void Exchange(const http::request<http::string_body>& req, Result* result) {
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
  const std::vector<SignedRequest>& requests_;
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

json Report(const std::vector<Result>& results, int connections, double wall_s, int reconnects) {
  std::map<std::string, int> statuses;
  std::vector<double> ms;
  int accepted = 0;
  for (const auto& r : results) {
    ++statuses[r.status == 0 ? "no-answer" : std::to_string(r.status)];
    if (r.status == 202 && !r.receipt.empty()) ++accepted;
    ms.push_back(r.ms);
  }
  std::sort(ms.begin(), ms.end());
  auto round2 = [](double v) {
    return static_cast<double>(static_cast<int64_t>(v * 100 + 0.5)) / 100;
  };
  return {{"connections", connections},
          {"sent", results.size()},
          {"accepted", accepted},
          {"statuses", statuses},
          {"reconnects", reconnects},
          {"wall_s", round2(wall_s)},
          {"submissions_per_s", round2(accepted / wall_s)},
          {"latency_ms",
           {{"p50", round2(Percentile(ms, 50))},
            {"p90", round2(Percentile(ms, 90))},
            {"p99", round2(Percentile(ms, 99))},
            {"max", round2(ms.empty() ? 0 : ms.back())}}}};
}

int Run(const std::map<std::string, std::string>& flags) {
  const auto connections = static_cast<int>(NumberFlag(flags, "--connections", 1, 100'000));
  const auto port = static_cast<unsigned short>(NumberFlag(flags, "--port", 1, 65535));
  const std::vector<SignedRequest> requests = ReadRequests(Flag(flags, "--requests"));
  const tcp::endpoint server(asio::ip::make_address("127.0.0.1"), port);
  std::vector<Result> results(requests.size());
  std::atomic<size_t> next{0};
  std::atomic<int> reconnects{0};
  std::vector<std::unique_ptr<Connection>> conns;
  for (int c = 0; c < connections; ++c) {
    conns.push_back(
        std::make_unique<Connection>(c, server, &next, requests, &results, &reconnects));
  }
  for (auto& c : conns) c->Open();  // Connecting is not timed.
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (auto& c : conns) threads.emplace_back([&c, start] { c->Run(start); });
  for (auto& t : threads) t.join();
  const double wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("%s\n", Report(results, connections, wall_s, reconnects.load()).dump().c_str());
  const std::string receipts_path = Flag(flags, "--receipts", "-");
  if (receipts_path != "-") {
    std::ofstream out(receipts_path);
    for (const auto& r : results) {
      if (!r.receipt.empty()) out << r.receipt << '\n';
    }
  }
  const std::string latencies_path = Flag(flags, "--latencies", "-");
  if (latencies_path != "-") {
    std::ofstream out(latencies_path);
    for (const auto& r : results) {
      out << r.connection << ' ' << r.started_ms << ' ' << r.ms << ' ' << r.status << '\n';
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "sign") return Sign(ParseFlags(argc, argv));
  if (command == "run") return Run(ParseFlags(argc, argv));
  std::fprintf(stderr,
               "usage: mailbox_load sign --gnupghome DIR --patients FILE --count N --out FILE "
               "[--threads T] [--to IDS]\n"
               "       mailbox_load run --port P --connections C --requests FILE "
               "[--receipts FILE] [--latencies FILE]\n");
  return 2;
}
