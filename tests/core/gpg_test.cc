#define BOOST_TEST_MODULE gpg_test
#include "core/gpg.h"

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <sstream>

#include "tests/test_keys.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
using testing::Slurp;
using testing::Spit;
using testing::TempDir;
using testing::TestKeys;

const std::string kGpg = "/usr/bin/gpg";

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
  TestKeys keys;
  const fs::path portal = keys.Home("portal");
  const fs::path patient = keys.Home("patient");
  const fs::path proxy = keys.Home("proxy");
  const std::string portal_fpr =
      keys.Generate(portal, "Portal Test <portal@test.invalid>", "ed25519", "sign");
  const std::string patient_fpr =
      keys.Generate(patient, "Patient <patient@test.invalid>", "default", "default");
  const std::string proxy_fpr =
      keys.Generate(proxy, "Proxy <proxy@test.invalid>", "default", "default");
  const fs::path patient_key = keys.Export(patient, patient_fpr, "patient.asc");
  const fs::path proxy_key = keys.Export(proxy, proxy_fpr, "proxy.asc");
  const fs::path portal_key = keys.Export(portal, portal_fpr, "portal.asc");

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
  Spit(keys.dir() / "summary.asc", message);

  for (const auto& home : {patient, proxy}) {
    BOOST_REQUIRE_EQUAL(
        RunCommand({kGpg, "--homedir", home.string(), "--batch", "--import", portal_key.string()})
            .exit_code,
        0);
    std::string opened;
    auto r = keys.Decrypt(home, keys.dir() / "summary.asc", &opened);
    BOOST_TEST(r.exit_code == 0, r.out);
    BOOST_TEST(r.out.find("[GNUPG:] GOODSIG") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("[GNUPG:] VALIDSIG " + portal_fpr) != std::string::npos, r.out);
    BOOST_TEST(opened == plaintext);
  }
}

BOOST_AUTO_TEST_CASE(unusable_recipients_are_errors) {
  TestKeys keys;
  const fs::path portal = keys.Home("portal");
  const std::string portal_fpr =
      keys.Generate(portal, "Portal Test <portal@test.invalid>", "ed25519", "sign");
  const fs::path sign_only = keys.Export(portal, portal_fpr, "sign-only.asc");
  std::unique_ptr<GpgContext> ctx;
  BOOST_REQUIRE(GpgContext::Open(portal, true, &ctx).ok());
  BOOST_REQUIRE(ctx->SetSigner(portal_fpr).ok());
  std::string message;
  BOOST_TEST(!ctx->SignAndEncryptToKeyFiles("x", {sign_only}, &message).ok());
  BOOST_TEST(!ctx->SignAndEncryptToKeyFiles("x", {keys.dir() / "missing.asc"}, &message).ok());
  BOOST_TEST(!ctx->SignAndEncryptToKeyFiles("x", {}, &message).ok());
  BOOST_TEST(!ctx->SetSigner("0000000000000000000000000000000000000000").ok());
}

// Enrolment reads keys through InspectKeys: each kind of unusable key must show as such.
BOOST_AUTO_TEST_CASE(inspect_keys_tells_usable_from_unusable_keys) {
  TestKeys keys;
  const fs::path home = keys.Home("people");
  const std::string good = keys.GenerateEncryptionKey(home, "Good <good@test.invalid>");
  const std::string sign_only = keys.Generate(home, "Sign <sign@test.invalid>", "ed25519", "sign");
  const std::string old =
      keys.Generate(home, "Old <old@test.invalid>", "default", "default", "1d", "20200101T000000");
  const std::string revoked = keys.GenerateEncryptionKey(home, "Rev <rev@test.invalid>");
  keys.Revoke(home, revoked);
  const std::string dated = keys.Generate(home, "Dated <dated@test.invalid>", "default", "default",
                                          "20990101T000000", "");

  const fs::path scratch = keys.Home("scratch");
  std::unique_ptr<GpgContext> ctx;
  BOOST_REQUIRE(GpgContext::Open(scratch, true, &ctx).ok());
  auto inspect = [&](const fs::path& file) {
    std::vector<OpenPgpKeyInfo> infos;
    Status st = ctx->InspectKeys(Slurp(file), &infos);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    BOOST_REQUIRE_EQUAL(infos.size(), 1u);
    return infos[0];
  };
  OpenPgpKeyInfo k = inspect(keys.Export(home, good, "good.asc"));
  BOOST_TEST(k.fingerprint == good);
  BOOST_TEST(k.can_encrypt);
  BOOST_TEST(!k.revoked);
  BOOST_TEST(!k.expired);
  BOOST_TEST(!k.secret);
  BOOST_TEST(k.expires == 0);
  k = inspect(keys.Export(home, sign_only, "sign.asc"));
  BOOST_TEST(!k.can_encrypt);
  k = inspect(keys.Export(home, old, "old.asc"));
  BOOST_TEST(k.expired);
  BOOST_TEST(!k.can_encrypt);
  k = inspect(keys.Export(home, revoked, "revoked.asc"));
  BOOST_TEST(k.revoked);
  BOOST_TEST(!k.can_encrypt);
  k = inspect(keys.Export(home, dated, "dated.asc"));
  BOOST_TEST(k.can_encrypt);
  BOOST_TEST(k.expires == 4070908800);  // 2099-01-01T00:00:00Z, computed with `date -d`.
  k = inspect(keys.Export(home, good, "good-secret.asc", /*secret=*/true));
  BOOST_TEST(k.secret);

  std::vector<OpenPgpKeyInfo> infos;
  BOOST_TEST(ctx->InspectKeys("not a key", &infos).ok());
  BOOST_TEST(infos.empty());
  // Nothing was imported into the inspecting home.
  auto r = RunCommand({kGpg, "--homedir", scratch.string(), "--with-colons", "--list-keys"});
  BOOST_TEST(r.out.find("pub:") == std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(created_signing_key_signs_and_exports) {
  TestKeys keys;
  TempDir dir;
  const fs::path portal = dir.path() / "portal";
  BOOST_REQUIRE(PrepareGnupgHome(portal).ok());
  std::unique_ptr<GpgContext> ctx;
  BOOST_REQUIRE(GpgContext::Open(portal, false, &ctx).ok());
  std::string fpr;
  Status st = ctx->CreateSigningKey("Portal Test <portal@test.invalid>", &fpr);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(fpr.size() == 40u);
  std::string exported;
  BOOST_REQUIRE(ctx->ExportPublicKey(fpr, &exported).ok());
  BOOST_TEST(exported.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
  BOOST_TEST(exported.find("PRIVATE") == std::string::npos);

  const fs::path patient = keys.Home("patient");
  const std::string patient_fpr = keys.GenerateEncryptionKey(patient, "P <p@test.invalid>");
  const fs::path patient_key = keys.Export(patient, patient_fpr, "patient.asc");
  BOOST_REQUIRE(ctx->SetSigner(fpr).ok());
  std::string message;
  st = ctx->SignAndEncryptToKeyFiles("hello", {patient_key}, &message);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  Spit(keys.dir() / "m.pgp", message);
  Spit(keys.dir() / "portal.asc", exported);
  keys.Import(patient, keys.dir() / "portal.asc");
  std::string opened;
  auto r = keys.Decrypt(patient, keys.dir() / "m.pgp", &opened);
  BOOST_TEST(r.out.find("[GNUPG:] VALIDSIG " + fpr) != std::string::npos, r.out);
  BOOST_TEST(opened == "hello");
  RunCommand({"/usr/bin/gpgconf", "--homedir", portal.string(), "--kill", "gpg-agent"});
}

// The mailbox daemon accepts a request only with a good detached signature by a pinned key.
BOOST_AUTO_TEST_CASE(detached_signatures_verify_only_when_good_and_by_a_known_key) {
  TestKeys keys;
  const fs::path patient = keys.Home("patient");
  const std::string fpr = keys.GenerateEncryptionKey(patient, "P <p@test.invalid>");
  const fs::path stranger = keys.Home("stranger");
  const std::string stranger_fpr = keys.GenerateEncryptionKey(stranger, "S <s@test.invalid>");
  const std::string body = R"({"mrn":"M123456","subject":"hello"})";
  Spit(keys.dir() / "body.json", body);
  auto sign = [&](const fs::path& home, const std::string& out) {
    auto r = RunCommand({kGpg, "--homedir", home.string(), "--batch", "--yes", "--armor",
                         "--output", (keys.dir() / out).string(), "--detach-sign",
                         (keys.dir() / "body.json").string()});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    return Slurp(keys.dir() / out);
  };
  const std::string good_sig = sign(patient, "good.asc");
  const std::string stranger_sig = sign(stranger, "stranger.asc");

  const fs::path daemon = keys.Home("daemon");
  std::unique_ptr<GpgContext> ctx;
  BOOST_REQUIRE(GpgContext::Open(daemon, true, &ctx).ok());
  BOOST_REQUIRE(ctx->ImportKeys(Slurp(keys.Export(patient, fpr, "patient.asc"))).ok());
  BOOST_TEST(!ctx->ImportKeys("not a key").ok());

  bool good = false;
  std::string signer;
  BOOST_REQUIRE(ctx->VerifyDetached(body, good_sig, &good, &signer).ok());
  BOOST_TEST(good);
  BOOST_TEST(signer == fpr);
  // One changed byte, a stranger's key, garbage: not good, and not system errors.
  BOOST_REQUIRE(ctx->VerifyDetached(body + " ", good_sig, &good, &signer).ok());
  BOOST_TEST(!good);
  BOOST_REQUIRE(ctx->VerifyDetached(body, stranger_sig, &good, &signer).ok());
  BOOST_TEST(!good);
  BOOST_TEST(signer.empty());
  BOOST_TEST(stranger_fpr != fpr);
  BOOST_REQUIRE(ctx->VerifyDetached(body, "garbage", &good, &signer).ok());
  BOOST_TEST(!good);
  // Revoked after signing: refused.
  keys.Revoke(patient, fpr);
  BOOST_REQUIRE(ctx->ImportKeys(Slurp(keys.Export(patient, fpr, "patient-revoked.asc"))).ok());
  BOOST_REQUIRE(ctx->VerifyDetached(body, good_sig, &good, &signer).ok());
  BOOST_TEST(!good);
}

// Detached signatures made here verify with VerifyDetached and with the gpg tool; binary unless
// the context is armored.
BOOST_AUTO_TEST_CASE(detached_signatures_made_here_verify_with_gpg) {
  TestKeys keys;
  const fs::path patient = keys.Home("patient");
  const std::string fpr = keys.GenerateEncryptionKey(patient, "P <p@test.invalid>");
  const std::string body = R"({"mrn":"M123456","subject":"hello"})";
  std::unique_ptr<GpgContext> ctx;
  BOOST_REQUIRE(GpgContext::Open(patient, /*armor=*/false, &ctx).ok());
  std::string sig;
  BOOST_TEST(!ctx->SignDetached(body, &sig).ok());  // No signer set.
  BOOST_REQUIRE(ctx->SetSigner(fpr).ok());
  Status st = ctx->SignDetached(body, &sig);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_REQUIRE(!sig.empty());
  BOOST_TEST((static_cast<unsigned char>(sig[0]) & 0x80) != 0);  // A binary packet.

  const fs::path verifier = keys.Home("verifier");
  std::unique_ptr<GpgContext> check;
  BOOST_REQUIRE(GpgContext::Open(verifier, false, &check).ok());
  BOOST_REQUIRE(check->ImportKeys(Slurp(keys.Export(patient, fpr, "patient.asc"))).ok());
  bool good = false;
  std::string signer;
  BOOST_REQUIRE(check->VerifyDetached(body, sig, &good, &signer).ok());
  BOOST_TEST(good);
  BOOST_TEST(signer == fpr);
  BOOST_REQUIRE(check->VerifyDetached(body + " ", sig, &good, &signer).ok());
  BOOST_TEST(!good);

  Spit(keys.dir() / "body.json", body);
  Spit(keys.dir() / "body.sig", sig);
  auto r =
      RunCommand({kGpg, "--homedir", verifier.string(), "--batch", "--status-fd", "1", "--verify",
                  (keys.dir() / "body.sig").string(), (keys.dir() / "body.json").string()});
  BOOST_TEST(r.out.find("[GNUPG:] VALIDSIG") != std::string::npos, r.out);

  std::unique_ptr<GpgContext> armored;
  BOOST_REQUIRE(GpgContext::Open(patient, /*armor=*/true, &armored).ok());
  BOOST_REQUIRE(armored->SetSigner(fpr).ok());
  BOOST_REQUIRE(armored->SignDetached(body, &sig).ok());
  BOOST_TEST(sig.starts_with("-----BEGIN PGP SIGNATURE-----"));
  BOOST_REQUIRE(check->VerifyDetached(body, sig, &good, &signer).ok());
  BOOST_TEST(good);
}

}  // namespace
}  // namespace portal
