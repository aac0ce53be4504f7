#define BOOST_TEST_MODULE gpg_test
#include "core/gpg.h"

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <sstream>

#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
using testing::Slurp;
using testing::Spit;
using testing::TempDir;

const std::string kGpg = "/usr/bin/gpg";

// Key homes for the test: made by PrepareGnupgHome, keys generated here at run time with the
// gpg command line (no key is committed), agents stopped at the end.
struct Keys {
  TempDir dir;
  std::vector<fs::path> homes;

  fs::path Home(const std::string& name) {
    const fs::path home = dir.path() / name;
    BOOST_REQUIRE(PrepareGnupgHome(home).ok());
    homes.push_back(home);
    return home;
  }
  // Generates a key without passphrase; returns its fingerprint.
  std::string Generate(const fs::path& home, const std::string& uid, const std::string& algo,
                       const std::string& usage) {
    auto r = RunCommand({kGpg, "--homedir", home.string(), "--batch", "--pinentry-mode", "loopback",
                         "--passphrase", "", "--quick-gen-key", uid, algo, usage, "never"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    r = RunCommand({kGpg, "--homedir", home.string(), "--with-colons", "--list-keys", uid});
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("fpr:")) return line.substr(12, line.find(':', 12) - 12);
    }
    BOOST_FAIL("no fingerprint for " << uid);
    return "";
  }
  fs::path Export(const fs::path& home, const std::string& uid, const std::string& file) {
    const fs::path out = dir.path() / file;
    auto r = RunCommand({kGpg, "--homedir", home.string(), "--batch", "--armor", "--output",
                         out.string(), "--export", uid});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    return out;
  }
  ~Keys() {
    for (const auto& home : homes) {
      RunCommand({"/usr/bin/gpgconf", "--homedir", home.string(), "--kill", "gpg-agent"});
    }
  }
};

BOOST_AUTO_TEST_CASE(gnupg_homes_are_private) {
  TempDir dir;
  const fs::path home = dir.path() / "home";
  BOOST_REQUIRE(PrepareGnupgHome(home).ok());
  struct stat st {};
  BOOST_REQUIRE(::stat(home.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0700u);
  BOOST_TEST(Slurp(home / "gpg.conf").find("no-random-seed-file") != std::string::npos);
  BOOST_TEST(PrepareGnupgHome(home).ok());  // Idempotent.
  const fs::path open_home = dir.path() / "open";
  fs::create_directory(open_home);
  fs::permissions(open_home, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  Status st2 = PrepareGnupgHome(open_home);
  BOOST_TEST(!st2.ok());
  BOOST_TEST(st2.message().find("0700") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(signed_message_opens_for_every_recipient_with_the_gpg_tool) {
  Keys keys;
  const fs::path portal = keys.Home("portal");
  const fs::path patient = keys.Home("patient");
  const fs::path proxy = keys.Home("proxy");
  const std::string portal_fpr =
      keys.Generate(portal, "Portal Test <portal@test.invalid>", "ed25519", "sign");
  keys.Generate(patient, "Patient <patient@test.invalid>", "default", "default");
  keys.Generate(proxy, "Proxy <proxy@test.invalid>", "default", "default");
  const fs::path patient_key = keys.Export(patient, "patient@test.invalid", "patient.asc");
  const fs::path proxy_key = keys.Export(proxy, "proxy@test.invalid", "proxy.asc");
  const fs::path portal_key = keys.Export(portal, "portal@test.invalid", "portal.asc");

  std::unique_ptr<GpgContext> ctx;
  BOOST_REQUIRE(GpgContext::Open(portal, /*armor=*/true, &ctx).ok());
  Status st = ctx->SetSigner(portal_fpr);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  const std::string plaintext = "<p>Health summary</p>\n";
  std::string message;
  st = ctx->SignAndEncryptToKeyFiles(plaintext, {patient_key, proxy_key}, &message);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(message.starts_with("-----BEGIN PGP MESSAGE-----"));
  BOOST_TEST(message.find("Health summary") == std::string::npos);
  Spit(keys.dir.path() / "summary.asc", message);

  for (const auto& home : {patient, proxy}) {
    BOOST_REQUIRE_EQUAL(
        RunCommand({kGpg, "--homedir", home.string(), "--batch", "--import", portal_key.string()})
            .exit_code,
        0);
    const fs::path out = keys.dir.path() / ("plain-" + home.filename().string());
    auto r =
        RunCommand({kGpg, "--homedir", home.string(), "--batch", "--status-fd", "1", "--output",
                    out.string(), "--decrypt", (keys.dir.path() / "summary.asc").string()});
    BOOST_TEST(r.exit_code == 0, r.out);
    BOOST_TEST(r.out.find("[GNUPG:] GOODSIG") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("[GNUPG:] VALIDSIG " + portal_fpr) != std::string::npos, r.out);
    BOOST_TEST(Slurp(out) == plaintext);
  }
}

BOOST_AUTO_TEST_CASE(unusable_recipients_are_errors) {
  Keys keys;
  const fs::path portal = keys.Home("portal");
  const std::string portal_fpr =
      keys.Generate(portal, "Portal Test <portal@test.invalid>", "ed25519", "sign");
  const fs::path sign_only = keys.Export(portal, "portal@test.invalid", "sign-only.asc");
  std::unique_ptr<GpgContext> ctx;
  BOOST_REQUIRE(GpgContext::Open(portal, true, &ctx).ok());
  BOOST_REQUIRE(ctx->SetSigner(portal_fpr).ok());
  std::string message;
  BOOST_TEST(!ctx->SignAndEncryptToKeyFiles("x", {sign_only}, &message).ok());
  BOOST_TEST(!ctx->SignAndEncryptToKeyFiles("x", {keys.dir.path() / "missing.asc"}, &message).ok());
  BOOST_TEST(!ctx->SignAndEncryptToKeyFiles("x", {}, &message).ok());
  BOOST_TEST(!ctx->SetSigner("0000000000000000000000000000000000000000").ok());
}

}  // namespace
}  // namespace portal
