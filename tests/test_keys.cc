#include "tests/test_keys.h"

#include <atomic>

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <sstream>

namespace portal::testing {

namespace fs = std::filesystem;

namespace {
const std::string kGpg = "/usr/bin/gpg";
}

TestKeys::~TestKeys() {
  for (const auto& home : homes_) {
    RunCommand({"/usr/bin/gpgconf", "--homedir", home.string(), "--kill", "gpg-agent"});
  }
}

fs::path TestKeys::Home(const std::string& name) {
  const fs::path home = dir_.path() / name;
  BOOST_REQUIRE(::mkdir(home.c_str(), 0700) == 0);
  Spit(home / "gpg.conf", "no-random-seed-file\n");
  homes_.push_back(home);
  return home;
}

std::string TestKeys::Generate(const fs::path& home, const std::string& uid,
                               const std::string& algo, const std::string& usage,
                               const std::string& expires, const std::string& faked_time) {
  std::vector<std::string> argv = {
      kGpg,           "--homedir", home.string(), "--batch", "--pinentry-mode", "loopback",
      "--passphrase", ""};
  if (!faked_time.empty()) {
    argv.insert(argv.end(), {"--faked-system-time", faked_time, "--ignore-time-conflict"});
  }
  argv.insert(argv.end(), {"--quick-gen-key", uid, algo, usage, expires});
  auto r = RunCommand(argv);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  r = RunCommand({kGpg, "--homedir", home.string(), "--with-colons", "--list-keys", uid});
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("fpr:")) return line.substr(12, line.find(':', 12) - 12);
  }
  BOOST_FAIL("no fingerprint for a generated key");
  return "";
}

std::string TestKeys::GenerateEncryptionKey(const fs::path& home, const std::string& uid) {
  const std::string fpr = Generate(home, uid, "ed25519", "sign");
  auto r = RunCommand({kGpg, "--homedir", home.string(), "--batch", "--pinentry-mode", "loopback",
                       "--passphrase", "", "--quick-add-key", fpr, "cv25519", "encr", "never"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  return fpr;
}

fs::path TestKeys::Export(const fs::path& home, const std::string& fingerprint,
                          const std::string& file, bool secret) {
  const fs::path out = dir_.path() / file;
  auto r = RunCommand({kGpg, "--homedir", home.string(), "--batch", "--pinentry-mode", "loopback",
                       "--passphrase", "", "--armor", "--output", out.string(),
                       secret ? "--export-secret-keys" : "--export", fingerprint});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  return out;
}

void TestKeys::Revoke(const fs::path& home, const std::string& fingerprint) {
  // gpg writes a revocation certificate for every new key, its armor line masked by ':'.
  std::string cert = Slurp(home / "openpgp-revocs.d" / (fingerprint + ".rev"));
  const size_t masked = cert.find(":-----BEGIN");
  BOOST_REQUIRE(masked != std::string::npos);
  cert.erase(masked, 1);
  const fs::path file = dir_.path() / (fingerprint + ".rev");
  Spit(file, cert);
  Import(home, file);
}

CommandResult TestKeys::Decrypt(const fs::path& home, const fs::path& message,
                                std::string* plaintext) {
  const fs::path out = dir_.path() / "decrypted.tmp";
  fs::remove(out);
  auto r = RunCommand({kGpg, "--homedir", home.string(), "--batch", "--status-fd", "1", "--output",
                       out.string(), "--decrypt", message.string()});
  *plaintext = fs::exists(out) ? Slurp(out) : std::string();
  fs::remove(out);
  return r;
}

std::string TestKeys::SignDetached(const fs::path& home, const std::string& fingerprint,
                                   const std::string& data) {
  static std::atomic<int> counter{0};
  const std::string n = std::to_string(++counter);
  const fs::path in = dir_.path() / ("to-sign-" + n + ".tmp");
  const fs::path sig = dir_.path() / ("to-sign-" + n + ".sig");
  Spit(in, data);
  auto r = RunCommand({kGpg, "--homedir", home.string(), "--batch", "--yes", "--local-user",
                       fingerprint + "!", "--output", sig.string(), "--detach-sign", in.string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  std::string out = Slurp(sig);
  fs::remove(in);
  fs::remove(sig);
  return out;
}

void TestKeys::Import(const fs::path& home, const fs::path& key_file) {
  auto r = RunCommand({kGpg, "--homedir", home.string(), "--batch", "--import", key_file.string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
}

}  // namespace portal::testing
