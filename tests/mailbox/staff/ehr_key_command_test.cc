#define BOOST_TEST_MODULE ehr_key_command_test
// portal-staff ehr-key create | show as built, on a whole portal in a temp folder: the key file
// and its folder private, the public key set printed (checked against the key file by Debian's
// python3-cryptography, not by the code under test), never a key replaced, the audit entry.
#include <sys/stat.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "tests/portal_fixture.h"
#include "tests/test_checks.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::CommandResult;
using testing::PortalFixture;
using testing::RunCommand;
using testing::Slurp;
using testing::Spit;

const std::string kError = "portal-staff: error: ";

// Prints "OK <bits>" when the JWKS's one key is the key file's public key and its kid is the
// RFC 7638 thumbprint.
constexpr char kCheckJwks[] = R"PY(
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

def b64d(s):
    return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))

def num(s):
    return int.from_bytes(b64d(s), 'big')

jwks = json.load(open(sys.argv[1]))
private = serialization.load_pem_private_key(open(sys.argv[2], 'rb').read(), password=None)
(jwk,) = jwks['keys']
if jwk['kty'] == 'EC':
    members = ('crv', 'kty', 'x', 'y')
    public = ec.EllipticCurvePublicNumbers(num(jwk['x']), num(jwk['y']), ec.SECP384R1())
    bits = private.curve.key_size
else:
    members = ('e', 'kty', 'n')
    public = rsa.RSAPublicNumbers(num(jwk['e']), num(jwk['n']))
    bits = private.key_size
assert private.public_key().public_numbers() == public, 'not the key file'
canonical = json.dumps({k: jwk[k] for k in members}, sort_keys=True, separators=(',', ':'))
kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b'=').decode()
assert jwk['kid'] == kid, 'kid is not the thumbprint'
print('OK', bits)
)PY";

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void ExpectError(const CommandResult& r, int exit_code, const std::string& phrase) {
  BOOST_TEST(r.exit_code == exit_code, r.out);
  BOOST_TEST(r.out.starts_with(kError), r.out);
  BOOST_TEST(std::count(r.out.begin(), r.out.end(), '\n') == 1, r.out);
  BOOST_TEST(Has(r.out, phrase), "'" << phrase << "' not in: " << r.out);
}

json ParseOutput(const CommandResult& r) {
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  json value = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  BOOST_REQUIRE_MESSAGE(!value.is_discarded(), r.out);
  return value;
}

// python3-cryptography's verdict on `jwks` for the private key at `key_file`: "OK <bits>\n".
std::string CheckJwks(const PortalFixture& f, const json& jwks, const fs::path& key_file) {
  Spit(f.root() / "check.py", kCheckJwks);
  Spit(f.root() / "jwks.json", jwks.dump());
  const CommandResult r = RunCommand({"/usr/bin/python3", (f.root() / "check.py").string(),
                                      (f.root() / "jwks.json").string(), key_file.string()});
  return r.out;
}

BOOST_AUTO_TEST_CASE(create_writes_a_private_key_once_and_prints_its_public_key_set) {
  PortalFixture f;
  ExpectError(f.Staff({"ehr-key", "create"}), 1, "portal-staff init");
  f.Init();
  const fs::path key_file = f.var / "ehr" / "ehr-key.pem";

  const json created = ParseOutput(f.Staff({"ehr-key", "create", "--json"}));
  BOOST_TEST(created["alg"] == "ES384");
  BOOST_TEST(created["path"] == key_file.string());
  const json& jwk = created["jwks"]["keys"][0];
  BOOST_TEST(created["jwks"]["keys"].size() == 1u);
  BOOST_TEST(jwk["kid"] == created["kid"]);
  BOOST_TEST(jwk["kty"] == "EC");
  BOOST_TEST(jwk["crv"] == "P-384");
  BOOST_TEST(jwk["alg"] == "ES384");
  BOOST_TEST(!jwk.contains("d"));
  BOOST_TEST(CheckJwks(f, created["jwks"], key_file) == "OK 384\n");
  BOOST_TEST(::portal::testing::FileMode(f.var / "ehr") == 0700u);
  BOOST_TEST(::portal::testing::FileMode(key_file) == 0600u);
  const std::string pem = Slurp(key_file);
  BOOST_TEST(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));

  // A second create changes nothing: the EHR may have the first key registered.
  for (const char* alg : {"ES384", "RS384"}) {
    ExpectError(f.Staff({"ehr-key", "create", "--alg", alg}), 1,
                "exists already (an EHR key is never replaced");
  }
  BOOST_TEST(Slurp(key_file) == pem);

  // show prints the same public key set: as text it is the JWKS alone.
  const json shown = ParseOutput(f.Staff({"ehr-key", "show"}));
  BOOST_TEST(shown == created["jwks"]);
  BOOST_TEST(ParseOutput(f.Staff({"ehr-key", "show", "--json"})) == created);
  BOOST_TEST(!Has(f.Staff({"ehr-key", "show"}).out, "PRIVATE"));

  // Audited once, without a staff key, naming the kid; the trail still verifies.
  const json trail = ParseOutput(f.Staff({"audit", "list", "--json"}));
  std::vector<json> entries;
  for (const json& e : trail) {
    if (e["action"] == "ehr-key-create") entries.push_back(e);
  }
  BOOST_REQUIRE(entries.size() == 1u);
  BOOST_TEST(entries[0]["detail"] == "ES384 key, kid " + created["kid"].get<std::string>());
  const CommandResult verify = f.Staff({"audit", "verify"});
  BOOST_TEST(verify.exit_code == 0, verify.out);
}

BOOST_AUTO_TEST_CASE(rs384_key_at_a_chosen_path) {
  PortalFixture f;
  f.Init();
  const fs::path dir = f.root() / "ehr-keys";
  fs::create_directory(dir);
  const fs::path key_file = dir / "portal.pem";

  // Text: the JWKS on stdout, a line naming the file and the kid on stderr.
  const CommandResult r =
      f.Staff({"ehr-key", "create", "--alg", "RS384", "--out", key_file.string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  BOOST_TEST(Has(r.out, "portal-staff: created ehr key " + key_file.string() + " (RS384, kid "),
             r.out);
  const size_t brace = r.out.find('{');
  BOOST_REQUIRE(brace != std::string::npos);
  const json jwks = json::parse(r.out.substr(brace), nullptr, false);
  BOOST_REQUIRE_MESSAGE(!jwks.is_discarded(), r.out);
  BOOST_TEST(jwks["keys"][0]["kty"] == "RSA");
  BOOST_TEST(jwks["keys"][0]["alg"] == "RS384");
  BOOST_TEST(CheckJwks(f, jwks, key_file) == "OK 3072\n");
  BOOST_TEST(::portal::testing::FileMode(key_file) == 0600u);
  BOOST_TEST(!fs::exists(f.var / "ehr" / "ehr-key.pem"));

  const json shown = ParseOutput(f.Staff({"ehr-key", "show", "--key", key_file.string()}));
  BOOST_TEST(shown == jwks);

  // A key file others may read is refused, naming the file and its mode.
  fs::permissions(key_file, fs::perms::group_read | fs::perms::others_read, fs::perm_options::add);
  ExpectError(f.Staff({"ehr-key", "show", "--key", key_file.string()}), 1,
              "ehr key " + key_file.string() + ": mode 0644, must be 0600 or stricter");
}

BOOST_AUTO_TEST_CASE(refusals) {
  PortalFixture f;
  f.Init();
  ExpectError(f.Staff({"ehr-key", "show"}), 1, "no ehr key at ");
  const CommandResult usage = f.Staff({"ehr-key", "create", "--alg", "ES256"});
  BOOST_TEST(usage.exit_code == 2, usage.out);
  // --out's folder must exist; nothing is written and nothing audited.
  const CommandResult missing =
      f.Staff({"ehr-key", "create", "--out", (f.root() / "no-such-folder" / "key.pem").string()});
  BOOST_TEST(missing.exit_code == 3, missing.out);
  BOOST_TEST(!fs::exists(f.root() / "no-such-folder"));
  const json trail = ParseOutput(f.Staff({"audit", "list", "--json"}));
  for (const json& e : trail) BOOST_TEST(e["action"] != "ehr-key-create");
}

}  // namespace
}  // namespace portal
