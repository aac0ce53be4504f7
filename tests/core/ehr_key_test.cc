#define BOOST_TEST_MODULE ehr_key_test
// The EHR client key and its JWT client assertion on real files in a temp folder. Signatures,
// claims, the JWKS and the RFC 7638 thumbprint are checked apart from the code under test, by
// Debian's python3-cryptography; keys the key file must refuse are made with the openssl CLI.
#include "core/ehr_key.h"

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "tests/test_checks.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::RunCommand;
using testing::Slurp;
using testing::Spit;
using testing::TempDir;

constexpr char kClientId[] = "portal-backend-7f3a";
constexpr char kTokenUrl[] = "https://ehr.test.invalid/oauth2/token";
constexpr int64_t kNow = 1795000000;

// Verifies a JWT against a one-key JWKS without the code under test: the header, the RFC 7638
// thumbprint as kid, the JWK's members (and that the private key file holds the same key), the
// claims (all but jti, which must be 32 hex digits) and the signature: ES384 by turning JOSE's
// r||s back into DER, RS384 as PKCS#1 v1.5 with SHA-384. Prints "OK <key bits> <jti>".
constexpr char kVerifier[] = R"PY(
import base64, hashlib, json, re, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

def b64d(s):
    assert re.fullmatch(r'[A-Za-z0-9_-]*', s), 'not base64url without padding: ' + s
    return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))

def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()

def num(s):
    return int.from_bytes(b64d(s), 'big')

jwt_file, jwks_file, key_file, claims_file = sys.argv[1:5]
jwt = open(jwt_file).read()
jwks = json.load(open(jwks_file))
expected = json.load(open(claims_file))
assert list(jwks) == ['keys'] and len(jwks['keys']) == 1, jwks
jwk = jwks['keys'][0]
parts = jwt.split('.')
assert len(parts) == 3, jwt
header = json.loads(b64d(parts[0]))
claims = json.loads(b64d(parts[1]))
sig = b64d(parts[2])
assert header == {'alg': jwk['alg'], 'typ': 'JWT', 'kid': jwk['kid']}, header
assert jwk['use'] == 'sig' and jwk['key_ops'] == ['verify'], jwk

if jwk['kty'] == 'EC':
    assert set(jwk) == {'kty', 'crv', 'x', 'y', 'kid', 'alg', 'use', 'key_ops'}, jwk
    required = {k: jwk[k] for k in ('crv', 'kty', 'x', 'y')}
else:
    assert set(jwk) == {'kty', 'n', 'e', 'kid', 'alg', 'use', 'key_ops'}, jwk
    required = {k: jwk[k] for k in ('e', 'kty', 'n')}
canonical = json.dumps(required, sort_keys=True, separators=(',', ':'))
assert b64e(hashlib.sha256(canonical.encode()).digest()) == jwk['kid'], 'kid is not the thumbprint'

private = serialization.load_pem_private_key(open(key_file, 'rb').read(), password=None)
signing_input = (parts[0] + '.' + parts[1]).encode()
if jwk['kty'] == 'EC':
    assert jwk['alg'] == 'ES384' and jwk['crv'] == 'P-384', jwk
    assert len(b64d(jwk['x'])) == 48 and len(b64d(jwk['y'])) == 48, jwk
    public = ec.EllipticCurvePublicNumbers(num(jwk['x']), num(jwk['y']), ec.SECP384R1()).public_key()
    assert len(sig) == 96, 'ES384 signature is %d bytes, not r||s' % len(sig)
    der = utils.encode_dss_signature(int.from_bytes(sig[:48], 'big'), int.from_bytes(sig[48:], 'big'))
    public.verify(der, signing_input, ec.ECDSA(hashes.SHA384()))
    bits = public.curve.key_size
else:
    assert jwk['alg'] == 'RS384', jwk
    assert not b64d(jwk['n']).startswith(b'\0') and not b64d(jwk['e']).startswith(b'\0'), jwk
    public = rsa.RSAPublicNumbers(num(jwk['e']), num(jwk['n'])).public_key()
    public.verify(sig, signing_input, padding.PKCS1v15(), hashes.SHA384())
    bits = public.key_size
assert private.public_key().public_numbers() == public.public_numbers(), 'JWKS is not the key file'

jti = claims.pop('jti')
assert re.fullmatch(r'[0-9a-f]{32}', jti), jti
assert claims == expected, (claims, expected)
print('OK', bits, jti)
)PY";

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

nlohmann::json ExpectedClaims(int64_t now, int lifetime) {
  return {{"iss", kClientId},
          {"sub", kClientId},
          {"aud", kTokenUrl},
          {"iat", now},
          {"exp", now + lifetime}};
}

// The verifier's verdict on `jwt` for `key` (its JWKS) and the key file at `key_file`.
CommandResult Verify(const TempDir& dir, const EhrKey& key, const fs::path& key_file,
                     const std::string& jwt, const nlohmann::json& expected_claims) {
  Spit(dir.path() / "verify.py", kVerifier);
  Spit(dir.path() / "token.jwt", jwt);
  Spit(dir.path() / "jwks.json", key.PublicJwks());
  Spit(dir.path() / "claims.json", expected_claims.dump());
  return RunCommand({"/usr/bin/python3", (dir.path() / "verify.py").string(),
                     (dir.path() / "token.jwt").string(), (dir.path() / "jwks.json").string(),
                     key_file.string(), (dir.path() / "claims.json").string()});
}

// The jti of a verified assertion; fails the test unless the verifier said OK with `bits`.
std::string ExpectVerified(const CommandResult& r, int bits) {
  std::smatch m;
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  BOOST_REQUIRE_MESSAGE(
      std::regex_match(r.out, m, std::regex("OK " + std::to_string(bits) + " ([0-9a-f]{32})\n")),
      r.out);
  return m[1].str();
}

// Runs the openssl CLI; fails the test unless it succeeds.
void OpenSsl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult r = RunCommand(argv);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
}

// A key made by the openssl CLI at `path`, 0600; `options` are genpkey's after -algorithm.
fs::path GenPkey(const fs::path& path, const std::vector<std::string>& options) {
  std::vector<std::string> args = {"genpkey"};
  args.insert(args.end(), options.begin(), options.end());
  args.insert(args.end(), {"-out", path.string()});
  OpenSsl(args);
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  return path;
}

// Every line of a PEM file's base64 body: none may show up in an error message.
std::vector<std::string> PemBodyLines(const fs::path& pem) {
  std::vector<std::string> lines;
  std::istringstream in(Slurp(pem));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && !line.starts_with("-----")) lines.push_back(line);
  }
  return lines;
}

// Load must refuse `path` with InvalidInput naming it, `phrase` in the message, no key bytes.
void ExpectRefused(const fs::path& path, const std::string& phrase) {
  std::unique_ptr<EhrKey> key;
  const Status st = EhrKey::Load(path, &key);
  BOOST_TEST(!st.ok(), path);
  BOOST_TEST((st.code() == Status::Code::kInvalidInput), st.message());
  BOOST_TEST(st.message().starts_with("ehr key " + path.string() + ": "), st.message());
  BOOST_TEST(Has(st.message(), phrase), "'" << phrase << "' not in: " << st.message());
  BOOST_TEST(!Has(st.message(), "BEGIN"), st.message());
  for (const std::string& line : PemBodyLines(path)) {
    BOOST_TEST(!Has(st.message(), line.substr(0, 16)), st.message());
  }
  BOOST_TEST(!key);
}

BOOST_AUTO_TEST_CASE(rfc7638_thumbprint_known_answer) {
  // RFC 7638 section 3.1: the JWK (its alg and kid are not thumbprint members) and its thumbprint.
  const nlohmann::json jwk = {
      {"kty", "RSA"},
      {"n",
       "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
       "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
       "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
       "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-"
       "kEgU8awapJzKnqDKgw"},
      {"e", "AQAB"},
      {"alg", "RS256"},
      {"kid", "2011-04-29"}};
  std::string thumbprint;
  REQUIRE_OK(JwkThumbprint(jwk, &thumbprint));
  BOOST_TEST(thumbprint == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");

  nlohmann::json no_n = jwk;
  no_n.erase("n");
  nlohmann::json number_e = jwk;
  number_e["e"] = 65537;
  for (const nlohmann::json& bad :
       {no_n, number_e, nlohmann::json({{"kty", "oct"}, {"k", "AQAB"}}), nlohmann::json("RSA"),
        nlohmann::json({{"kty", "EC"}, {"crv", "P-384"}, {"x", "AA"}})}) {
    const Status st = JwkThumbprint(bad, &thumbprint);
    BOOST_TEST((st.code() == Status::Code::kInvalidInput), bad.dump());
  }
}

BOOST_AUTO_TEST_CASE(es384_key_is_created_private_and_signs_verifiable_assertions) {
  TempDir dir;
  const fs::path path = dir.path() / "ehr-key.pem";
  std::unique_ptr<EhrKey> key;
  REQUIRE_OK(EhrKey::Create(path, EhrKeyAlgorithm::kES384, &key));
  BOOST_TEST(::portal::testing::FileMode(path) == 0600u);
  BOOST_TEST(Slurp(path).starts_with("-----BEGIN PRIVATE KEY-----\n"));
  BOOST_TEST((key->algorithm() == EhrKeyAlgorithm::kES384));
  BOOST_TEST(key->alg_name() == std::string("ES384"));
  BOOST_TEST(std::regex_match(key->kid(), std::regex("[A-Za-z0-9_-]{43}")), key->kid());

  std::string jwt;
  REQUIRE_OK(MakeClientAssertion(*key, kClientId, kTokenUrl, kNow, 300, &jwt));
  const std::string first =
      ExpectVerified(Verify(dir, *key, path, jwt, ExpectedClaims(kNow, 300)), 384);

  // Loaded again: the same key, and what it signs verifies as well.
  std::unique_ptr<EhrKey> loaded;
  REQUIRE_OK(EhrKey::Load(path, &loaded));
  BOOST_TEST(loaded->kid() == key->kid());
  BOOST_TEST(loaded->PublicJwks() == key->PublicJwks());
  REQUIRE_OK(MakeClientAssertion(*loaded, kClientId, kTokenUrl, kNow, 300, &jwt));
  const std::string second =
      ExpectVerified(Verify(dir, *loaded, path, jwt, ExpectedClaims(kNow, 300)), 384);
  BOOST_TEST(first != second);  // A fresh jti each time, even in the same second.
}

BOOST_AUTO_TEST_CASE(rs384_key_is_rsa_3072_and_signs_verifiable_assertions) {
  TempDir dir;
  const fs::path path = dir.path() / "ehr-key.pem";
  std::unique_ptr<EhrKey> key;
  REQUIRE_OK(EhrKey::Create(path, EhrKeyAlgorithm::kRS384, &key));
  BOOST_TEST(::portal::testing::FileMode(path) == 0600u);
  BOOST_TEST((key->algorithm() == EhrKeyAlgorithm::kRS384));
  BOOST_TEST(key->alg_name() == std::string("RS384"));
  std::string jwt;
  REQUIRE_OK(MakeClientAssertion(*key, kClientId, kTokenUrl, kNow, 1, &jwt));
  ExpectVerified(Verify(dir, *key, path, jwt, ExpectedClaims(kNow, 1)), 3072);

  std::unique_ptr<EhrKey> loaded;
  REQUIRE_OK(EhrKey::Load(path, &loaded));
  BOOST_TEST(loaded->kid() == key->kid());
  BOOST_TEST((loaded->algorithm() == EhrKeyAlgorithm::kRS384));
}

BOOST_AUTO_TEST_CASE(keys_made_by_the_openssl_cli_load_and_sign) {
  TempDir dir;
  const fs::path ec =
      GenPkey(dir.path() / "ec.pem", {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"});
  const fs::path rsa =
      GenPkey(dir.path() / "rsa.pem", {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"});
  for (const auto& [path, bits] : {std::pair{ec, 384}, std::pair{rsa, 2048}}) {
    std::unique_ptr<EhrKey> key;
    REQUIRE_OK(EhrKey::Load(path, &key));
    std::string jwt;
    REQUIRE_OK(MakeClientAssertion(*key, kClientId, kTokenUrl, kNow, 60, &jwt));
    ExpectVerified(Verify(dir, *key, path, jwt, ExpectedClaims(kNow, 60)), bits);
  }
}

BOOST_AUTO_TEST_CASE(a_key_file_others_may_use_is_refused) {
  TempDir dir;
  const fs::path path = dir.path() / "ehr-key.pem";
  std::unique_ptr<EhrKey> key;
  REQUIRE_OK(EhrKey::Create(path, EhrKeyAlgorithm::kES384, &key));
  for (const auto& [mode, text] : {std::pair{0644u, "0644"}, std::pair{0640u, "0640"},
                                   std::pair{0602u, "0602"}, std::pair{0610u, "0610"}}) {
    BOOST_REQUIRE(::chmod(path.c_str(), mode) == 0);
    std::unique_ptr<EhrKey> loaded;
    const Status st = EhrKey::Load(path, &loaded);
    BOOST_TEST(st.message() ==
               "ehr key " + path.string() + ": mode " + text + ", must be 0600 or stricter");
    BOOST_TEST((st.code() == Status::Code::kInvalidInput));
  }
  BOOST_REQUIRE(::chmod(path.c_str(), 0400) == 0);  // Stricter is fine.
  std::unique_ptr<EhrKey> loaded;
  REQUIRE_OK(EhrKey::Load(path, &loaded));
  BOOST_TEST(loaded->kid() == key->kid());
}

BOOST_AUTO_TEST_CASE(create_never_overwrites) {
  TempDir dir;
  const fs::path path = dir.path() / "ehr-key.pem";
  Spit(path, "an earlier key, registered with the EHR\n");
  std::unique_ptr<EhrKey> key;
  Status st = EhrKey::Create(path, EhrKeyAlgorithm::kES384, &key);
  BOOST_TEST((st.code() == Status::Code::kInvalidInput), st.message());
  BOOST_TEST(Has(st.message(), "ehr key " + path.string() + ": exists already"), st.message());
  BOOST_TEST(Has(st.message(), "remove the file deliberately first"), st.message());
  BOOST_TEST(Slurp(path) == "an earlier key, registered with the EHR\n");
  BOOST_TEST(!key);

  // Nor through a symbolic link, even one that points nowhere.
  const fs::path link = dir.path() / "link.pem";
  fs::create_symlink(dir.path() / "nowhere.pem", link);
  st = EhrKey::Create(link, EhrKeyAlgorithm::kRS384, &key);
  BOOST_TEST(Has(st.message(), "exists already"), st.message());
  BOOST_TEST(!fs::exists(dir.path() / "nowhere.pem"));

  // The parent folder must exist: Create makes none.
  st = EhrKey::Create(dir.path() / "missing" / "ehr-key.pem", EhrKeyAlgorithm::kES384, &key);
  BOOST_TEST((st.code() == Status::Code::kIoError), st.message());
  BOOST_TEST(!fs::exists(dir.path() / "missing"));
}

BOOST_AUTO_TEST_CASE(files_that_are_not_a_usable_private_key_are_refused) {
  TempDir dir;
  auto private_file = [&](const std::string& name, const std::string& data) {
    const fs::path path = dir.path() / name;
    Spit(path, data);
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
    return path;
  };
  ExpectRefused(private_file("notes.pem", "not a key at all\n"), "not an unencrypted PKCS#8");
  ExpectRefused(private_file("empty.pem", ""), "not an unencrypted PKCS#8");
  ExpectRefused(private_file("broken.pem",
                             "-----BEGIN PRIVATE KEY-----\nTUlJQkJBQUFBQUE=\n"
                             "-----END PRIVATE KEY-----\n"),
                "not an unencrypted PKCS#8");
  ExpectRefused(private_file("big.pem", std::string(64 * 1024 + 1, 'A')), "larger than 64 KiB");

  const fs::path p256 =
      GenPkey(dir.path() / "p256.pem", {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"});
  ExpectRefused(p256, "EC key on prime256v1, must be P-384");
  const fs::path rsa1024 = GenPkey(dir.path() / "rsa1024.pem",
                                   {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"});
  ExpectRefused(rsa1024, "RSA key of 1024 bits, must be 2048 or more");
  const fs::path ed25519 = GenPkey(dir.path() / "ed25519.pem", {"-algorithm", "ED25519"});
  ExpectRefused(ed25519, "must be EC P-384 (ES384) or RSA (RS384)");

  // A P-384 key, but not as an unencrypted PKCS#8 file alone: its public half, the key
  // encrypted (refused without asking for a passphrase), the older "EC PRIVATE KEY" form, and the
  // key followed by something else.
  const fs::path p384 =
      GenPkey(dir.path() / "p384.pem", {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"});
  const fs::path pub = dir.path() / "public.pem";
  OpenSsl({"pkey", "-in", p384.string(), "-pubout", "-out", pub.string()});
  fs::permissions(pub, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  ExpectRefused(pub, "not an unencrypted PKCS#8");
  const fs::path encrypted = dir.path() / "encrypted.pem";
  OpenSsl({"pkcs8", "-topk8", "-in", p384.string(), "-passout", "pass:guessme", "-out",
           encrypted.string()});
  fs::permissions(encrypted, fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);
  ExpectRefused(encrypted, "not an unencrypted PKCS#8");
  const fs::path traditional = dir.path() / "traditional.pem";
  OpenSsl({"pkey", "-in", p384.string(), "-traditional", "-out", traditional.string()});
  fs::permissions(traditional, fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);
  BOOST_REQUIRE(Slurp(traditional).starts_with("-----BEGIN EC PRIVATE KEY-----"));
  ExpectRefused(traditional, "not an unencrypted PKCS#8");
  ExpectRefused(private_file("two.pem", Slurp(p384) + Slurp(p384)), "not an unencrypted PKCS#8");
  ExpectRefused(private_file("trailer.pem", Slurp(p384) + "trailing words\n"),
                "not an unencrypted PKCS#8");

  fs::create_directory(dir.path() / "folder.pem");
  ExpectRefused(dir.path() / "folder.pem", "not a regular file");
  std::unique_ptr<EhrKey> key;
  const Status missing = EhrKey::Load(dir.path() / "missing.pem", &key);
  BOOST_TEST((missing.code() == Status::Code::kIoError), missing.message());
}

BOOST_AUTO_TEST_CASE(assertion_lifetime_and_inputs_are_bounded) {
  TempDir dir;
  std::unique_ptr<EhrKey> key;
  REQUIRE_OK(EhrKey::Create(dir.path() / "ehr-key.pem", EhrKeyAlgorithm::kES384, &key));
  std::string jwt;
  for (int lifetime : {0, -1, 301, 3600}) {
    const Status st = MakeClientAssertion(*key, kClientId, kTokenUrl, kNow, lifetime, &jwt);
    BOOST_TEST((st.code() == Status::Code::kInvalidInput), lifetime);
    BOOST_TEST(Has(st.message(), "must be 1 to 300"), st.message());
  }
  BOOST_TEST(jwt.empty());
  BOOST_TEST((MakeClientAssertion(*key, "", kTokenUrl, kNow, 60, &jwt).code() ==
              Status::Code::kInvalidInput));
  BOOST_TEST((MakeClientAssertion(*key, kClientId, "", kNow, 60, &jwt).code() ==
              Status::Code::kInvalidInput));
  BOOST_TEST((MakeClientAssertion(*key, kClientId, kTokenUrl, -5, 60, &jwt).code() ==
              Status::Code::kInvalidInput));
  BOOST_TEST((MakeClientAssertion(*key, kClientId, kTokenUrl,
                                  std::numeric_limits<int64_t>::max() - 10, 60, &jwt)
                  .code() == Status::Code::kInvalidInput));
  BOOST_TEST(jwt.empty());

  // Claims that are no JSON object, or carry bytes that are not UTF-8, are refused (no throw).
  BOOST_TEST(
      (key->SignJwt(nlohmann::json::array({1, 2}), &jwt).code() == Status::Code::kInvalidInput));
  BOOST_TEST((key->SignJwt({{"iss", std::string("\xff\xfe")}}, &jwt).code() ==
              Status::Code::kInvalidInput));
  BOOST_TEST(jwt.empty());
}

BOOST_AUTO_TEST_CASE(jwks_holds_the_public_key_only) {
  TempDir dir;
  for (EhrKeyAlgorithm alg : {EhrKeyAlgorithm::kES384, EhrKeyAlgorithm::kRS384}) {
    std::unique_ptr<EhrKey> key;
    const fs::path path = dir.path() / (alg == EhrKeyAlgorithm::kES384 ? "ec.pem" : "rsa.pem");
    REQUIRE_OK(EhrKey::Create(path, alg, &key));
    const nlohmann::json jwks = nlohmann::json::parse(key->PublicJwks());
    BOOST_REQUIRE(jwks["keys"].size() == 1u);
    const nlohmann::json& jwk = jwks["keys"][0];
    for (const char* member : {"d", "p", "q", "dp", "dq", "qi"}) {
      BOOST_TEST(!jwk.contains(member), member);
    }
    std::string thumbprint;
    REQUIRE_OK(JwkThumbprint(jwk, &thumbprint));
    BOOST_TEST(thumbprint == key->kid());
    BOOST_TEST(jwk["alg"] == key->alg_name());
    BOOST_TEST(nlohmann::json(key->PublicJwksJson()) == jwks);
  }
}

}  // namespace
}  // namespace portal
