#define BOOST_TEST_MODULE gpg_cpu_limit_test
// GpgContext::SetCpuLimit on a real gpg: a BZip2 bomb (about 450 bytes inflating to 512 MiB, some
// 2.5 seconds of gpg's CPU) given as a detached signature is stopped at the limit, reported as
// such, and the context says it is not to be reused; an honest verify under the same limit is
// untouched.
#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "core/gpg.h"
#include "tests/openpgp_test_packets.h"
#include "tests/test_keys.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::TestKeys;

// The mechanism, without any timing: a child forked under the limit reports it (the shell's
// `ulimit -t`), one forked after it is gone reports none.
BOOST_AUTO_TEST_CASE(children_forked_under_the_limit_carry_it) {
  const auto cpu_limit = [] { return testing::RunCommand({"/bin/sh", "-c", "ulimit -t"}).out; };
  {
    ChildCpuLimit limit(3);
    BOOST_TEST(cpu_limit() == "3\n");
    {
      ChildCpuLimit none(0);
      BOOST_TEST(cpu_limit() == "unlimited\n");
    }
    BOOST_TEST(cpu_limit() == "3\n");
  }
  BOOST_TEST(cpu_limit() == "unlimited\n");
}

BOOST_AUTO_TEST_CASE(a_compression_bomb_is_stopped_at_the_cpu_limit) {
  TestKeys keys;
  const fs::path home = keys.Home("verify");
  const std::string fpr = keys.Generate(home, "Signer <signer@test.invalid>", "ed25519", "sign");
  const std::string bomb = testing::Bzip2BombPacket(512, keys.dir());
  BOOST_TEST(bomb.size() < 1024u);

  std::unique_ptr<GpgContext> gpg;
  BOOST_REQUIRE(GpgContext::Open(home, /*armor=*/false, &gpg).ok());
  gpg->SetCpuLimit(1);
  // An honest signature under the limit verifies.
  const std::string data = "{\"version\":1}";
  bool good = false;
  std::string signer;
  Status st = gpg->VerifyDetachedQuick(data, keys.SignDetached(home, fpr, data), &good, &signer);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(good);
  BOOST_TEST(gpg->usable());
  // The bomb: stopped, said so, and the context is spent.
  st = gpg->VerifyDetachedQuick(data, bomb, &good, &signer);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("CPU time limit") != std::string::npos, st.message());
  BOOST_TEST(!good);
  BOOST_TEST(!gpg->usable());
}

}  // namespace
}  // namespace portal
