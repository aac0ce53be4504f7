#define BOOST_TEST_MODULE gpg_worker_test
#include "core/gpg_worker.h"

#include <signal.h>

#include <boost/test/unit_test.hpp>

#include "tests/test_keys.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
using testing::Slurp;
using testing::Spit;
using testing::TestKeys;

const fs::path kWorker = testing::BinaryDir() / "bin" / "portal-gpg-worker";

BOOST_AUTO_TEST_CASE(the_helper_signs_and_encrypts_and_survives_a_bad_request) {
  TestKeys keys;
  const fs::path portal = keys.Home("portal");
  const std::string signer =
      keys.Generate(portal, "Portal <portal@test.invalid>", "ed25519", "sign");
  const fs::path patient = keys.Home("patient");
  const std::string patient_fpr = keys.GenerateEncryptionKey(patient, "P <p@test.invalid>");
  const fs::path key_file = keys.Export(patient, patient_fpr, "patient.asc");
  keys.Import(patient, keys.Export(portal, signer, "portal.asc"));

  std::unique_ptr<GpgWorkerClient> worker;
  BOOST_REQUIRE(GpgWorkerClient::Start(kWorker, portal, signer, &worker).ok());
  for (const std::string& plaintext : {std::string("first page"), std::string(300000, 'x')}) {
    std::string message;
    Status st = worker->SignAndEncryptToKeyFiles(plaintext, {key_file}, &message);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    Spit(keys.dir() / "m.pgp", message);
    std::string opened;
    auto r = keys.Decrypt(patient, keys.dir() / "m.pgp", &opened);
    BOOST_TEST(r.out.find("[GNUPG:] VALIDSIG " + signer) != std::string::npos, r.out);
    BOOST_TEST(opened == plaintext);
  }
  std::string message;
  Status st = worker->SignAndEncryptToKeyFiles("x", {keys.dir() / "missing.asc"}, &message);
  BOOST_TEST(!st.ok());
  BOOST_TEST(message.empty());
  // The helper answered the error and goes on serving.
  BOOST_TEST(worker->SignAndEncryptToKeyFiles("again", {key_file}, &message).ok());
  // A helper that dies is started again and the request retried.
  ::kill(worker->pid(), SIGKILL);
  st = worker->SignAndEncryptToKeyFiles("after a crash", {key_file}, &message);
  BOOST_TEST(st.ok(), st.message());
  Spit(keys.dir() / "m.pgp", message);
  std::string opened;
  keys.Decrypt(patient, keys.dir() / "m.pgp", &opened);
  BOOST_TEST(opened == "after a crash");
  worker.reset();  // Closes the socket; the helper exits and is reaped.
  RunCommand({"/usr/bin/gpgconf", "--homedir", portal.string(), "--kill", "gpg-agent"});
}

BOOST_AUTO_TEST_CASE(a_wrong_signer_is_an_error_for_every_request) {
  TestKeys keys;
  const fs::path portal = keys.Home("portal");
  std::unique_ptr<GpgWorkerClient> worker;
  BOOST_REQUIRE(GpgWorkerClient::Start(kWorker, portal, std::string(40, 'A'), &worker).ok());
  std::string message;
  Status st = worker->SignAndEncryptToKeyFiles("x", {keys.dir() / "k.asc"}, &message);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("signing key") != std::string::npos, st.message());
}

BOOST_AUTO_TEST_CASE(a_missing_program_is_an_error) {
  TestKeys keys;
  std::unique_ptr<GpgWorkerClient> worker;
  BOOST_TEST(
      !GpgWorkerClient::Start(keys.dir() / "no-such-program", keys.dir(), "A", &worker).ok());
}

}  // namespace
}  // namespace portal
