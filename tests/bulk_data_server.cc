#include "tests/bulk_data_server.h"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>
#include <utility>

#include "tests/test_util.h"

namespace portal::testing {

namespace fs = std::filesystem;

namespace {

// The port in ready.json, 0 while it is absent or unreadable.
uint16_t ReadyPort(const fs::path& ready) {
  std::ifstream in(ready);
  if (!in) return 0;
  std::ostringstream text;
  text << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object() || !j.contains("port") || !j["port"].is_number_unsigned()) return 0;
  const auto port = j["port"].get<uint64_t>();
  return port > 0 && port < 65536 ? static_cast<uint16_t>(port) : 0;
}

}  // namespace

BulkDataServer::BulkDataServer(const fs::path& state_dir, const fs::path& data_dir, Options options)
    : state_dir_(state_dir), data_dir_(data_dir), options_(std::move(options)) {}

bool BulkDataServer::Start(std::string* why) {
  fs::create_directories(state_dir_);
  const fs::path ready = state_dir_ / "ready.json";
  std::error_code ec;
  fs::remove(ready, ec);
  // Debian's python3, with python3-cryptography.
  std::vector<std::string> args = {
      "/usr/bin/python3", std::string(PORTAL_SOURCE_DIR) + "/tests/bulk_data_server.py",
      "--data",           data_dir_.string(),
      "--state",          state_dir_.string(),
      "--scenario",       (state_dir_ / "scenario.json").string()};
  if (!options_.jwks_path.empty()) {
    args.insert(args.end(),
                {"--jwks", options_.jwks_path.string(), "--client-id", options_.client_id});
  }
  return process_.Start(
      args, state_dir_ / "server.log", "bulk_data_server.py",
      [&] { return (port_ = ReadyPort(ready)) != 0; }, why);
}

void BulkDataServer::Stop() {
  process_.Stop();
  port_ = 0;
}

std::string BulkDataServer::BaseUrl() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/fhir";
}

std::string BulkDataServer::TokenUrl() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/auth/token";
}

void BulkDataServer::SetScenario(const nlohmann::json& scenario) const {
  static int serial = 0;
  const fs::path final_path = state_dir_ / "scenario.json";
  const fs::path temp = state_dir_ / ("scenario.json." + std::to_string(::getpid()) + "." +
                                      std::to_string(++serial) + ".tmp");
  fs::create_directories(state_dir_);
  Spit(temp, scenario.dump());
  std::error_code ec;
  fs::rename(temp, final_path, ec);
  BOOST_REQUIRE_MESSAGE(!ec, "cannot replace " << final_path << ": " << ec.message());
}

std::vector<nlohmann::json> BulkDataServer::Requests() const {
  std::vector<nlohmann::json> requests;
  std::ifstream in(state_dir_ / "requests.ndjson");
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // A line still being written has no newline yet.
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    BOOST_REQUIRE_MESSAGE(!j.is_discarded(), "requests.ndjson line is not JSON: " << line);
    requests.push_back(std::move(j));
  }
  return requests;
}

void BulkDataServer::ClearRequests() const {
  std::ofstream out(state_dir_ / "requests.ndjson", std::ios::trunc);
}

}  // namespace portal::testing
