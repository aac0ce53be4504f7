#define BOOST_TEST_MODULE account_client_test
// The test client's password derivation checked against an independent one (Debian's
// python3-argon2 and an RFC 5869 HKDF written here in Python), and its device keys against gpg.
#include "tests/account_client.h"

#include <boost/test/unit_test.hpp>
#include <sstream>

#include "core/base64.h"
#include "tests/test_checks.h"
#include "tests/test_util.h"

namespace portal::testing {
namespace {

namespace fs = std::filesystem;

// The derivation of docs/architecture.md, written apart from the C++ one. The HKDF is checked
// first against RFC 5869 test case 3 (empty salt and info), the one our empty salt relies on.
const char kPythonDerivation[] = R"PY(
import base64, hashlib, hmac, sys, unicodedata
from argon2.low_level import Type, hash_secret_raw
def hkdf(ikm, info, length, salt=b""):
    prk = hmac.new(salt if salt else bytes(32), ikm, hashlib.sha256).digest()
    okm, t, i = b"", b"", 1
    while len(okm) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        okm += t
        i += 1
    return okm[:length]
assert hkdf(bytes([11] * 22), b"", 42).hex() == (
    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
password = unicodedata.normalize("NFC", bytes.fromhex(sys.argv[1]).decode("utf-8"))
salt = bytes.fromhex(sys.argv[2])
t, m, p = map(int, sys.argv[3:6])
master = hash_secret_raw(password.encode("utf-8"), salt, time_cost=t, memory_cost=m,
                         parallelism=p, hash_len=32, type=Type.ID)
print(hkdf(master, b"portal auth key v1", 32).hex())
print(base64.b64encode(hkdf(master, b"portal key passphrase v1", 32)).decode())
)PY";

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

KdfSettings Kdf(int64_t t, int64_t m, int64_t p, const std::string& salt) {
  KdfSettings kdf;
  kdf.t = t;
  kdf.m_kib = m;
  kdf.p = p;
  kdf.salt = salt;
  return kdf;
}

std::string SaltOf(unsigned char first) {
  std::string salt;
  for (int i = 0; i < 16; ++i) salt += static_cast<char>(first + i);
  return salt;
}

// Python's answer: auth key hex, passphrase.
std::pair<std::string, std::string> PythonDerives(const std::string& password,
                                                  const KdfSettings& kdf) {
  TempDir dir;
  Spit(dir.path() / "derive.py", kPythonDerivation);
  const auto r = RunCommand({"/usr/bin/python3", (dir.path() / "derive.py").string(), Hex(password),
                             Hex(kdf.salt), std::to_string(kdf.t), std::to_string(kdf.m_kib),
                             std::to_string(kdf.p)});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  std::istringstream lines(r.out);
  std::string auth, passphrase;
  lines >> auth >> passphrase;
  return {auth, passphrase};
}

BOOST_AUTO_TEST_CASE(written_out_vector) {
  // Computed once with the Python derivation above (argon2-cffi 21.1.0): a regression pin.
  AccountKeys keys;
  BOOST_REQUIRE(
      DeriveAccountKeys("correct horse battery staple", Kdf(3, 65536, 4, SaltOf(0)), &keys).ok());
  BOOST_TEST(Hex(keys.auth_key) ==
             "ad9269a220ad89783a30ed5785cf0ccea09ee378779a46992ac011a75b5cf6fd");
  BOOST_TEST(keys.key_passphrase == "5f7Iwq8aIMphY8pzFFFqhhfbZOCmXYmrm0S38SSVDEo=");
}

BOOST_AUTO_TEST_CASE(matches_an_independent_derivation) {
  struct Case {
    std::string password;
    KdfSettings kdf;
  };
  const std::vector<Case> cases = {
      {"correct horse battery staple", Kdf(3, 65536, 4, SaltOf(0x40))},  // The defaults.
      {"Gr\xc3\xbc\xc3\x9f"
       "e aus K\xc3\xb6ln 2026",
       Kdf(3, 65536, 4, SaltOf(0xa0))},                  // NFC.
      {"twelve chars", Kdf(1, 19456, 1, SaltOf(0x10))},  // The smallest the server accepts.
      {"an even longer pass phrase with spaces", Kdf(2, 32768, 2, SaltOf(0xf0))},
  };
  for (const auto& c : cases) {
    AccountKeys keys;
    REQUIRE_OK(DeriveAccountKeys(c.password, c.kdf, &keys));
    const auto [auth, passphrase] = PythonDerives(c.password, c.kdf);
    BOOST_TEST(Hex(keys.auth_key) == auth);
    BOOST_TEST(keys.key_passphrase == passphrase);
  }
}

BOOST_AUTO_TEST_CASE(each_input_changes_the_output) {
  const KdfSettings base = Kdf(1, 19456, 1, SaltOf(1));
  AccountKeys a, b;
  REQUIRE_OK(DeriveAccountKeys("one password here", base, &a));
  BOOST_TEST(a.auth_key.size() == 32u);
  std::string raw;
  BOOST_TEST(Base64Decode(a.key_passphrase, &raw));
  BOOST_TEST(raw.size() == 32u);
  BOOST_TEST(raw != a.auth_key);  // Two info strings: two unrelated values.
  REQUIRE_OK(DeriveAccountKeys("one password herE", base, &b));
  BOOST_TEST(b.auth_key != a.auth_key);
  REQUIRE_OK(DeriveAccountKeys("one password here", Kdf(1, 19456, 1, SaltOf(2)), &b));
  BOOST_TEST(b.auth_key != a.auth_key);
  REQUIRE_OK(DeriveAccountKeys("one password here", Kdf(2, 19456, 1, SaltOf(1)), &b));
  BOOST_TEST(b.auth_key != a.auth_key);
  BOOST_TEST(!DeriveAccountKeys("one password here", Kdf(1, 19456, 1, "short"), &b).ok());
}

BOOST_AUTO_TEST_CASE(kdf_on_the_wire) {
  const KdfSettings kdf = Kdf(3, 65536, 4, SaltOf(0));
  BOOST_TEST(KdfToJson(kdf).dump() ==
             R"({"alg":"argon2id","t":3,"m":65536,"p":4,"salt":"AAECAwQFBgcICQoLDA0ODw=="})");
  KdfSettings back;
  REQUIRE_OK(KdfFromJson(nlohmann::json::parse(KdfToJson(kdf).dump()), &back));
  BOOST_TEST(back.t == 3);
  BOOST_TEST(back.m_kib == 65536);
  BOOST_TEST(back.p == 4);
  BOOST_TEST(back.salt == kdf.salt);
  BOOST_TEST(
      !KdfFromJson(nlohmann::json::parse(R"({"alg":"scrypt","t":3,"m":1,"p":1,"salt":""})"), &back)
           .ok());
  NewKdfSettings();  // Fresh salts differ:
  BOOST_TEST(NewKdfSettings().salt != NewKdfSettings().salt);
  BOOST_TEST(NewKdfSettings().salt.size() == 16u);
}

// gpg's view of a key file: the --with-colons listing of --show-keys.
std::string ShowKeys(const std::string& armored, const fs::path& dir) {
  Spit(dir / "show.asc", armored);
  return RunCommand({"/usr/bin/gpg", "--homedir", (dir / "show-home").string(), "--batch",
                     "--with-colons", "--show-keys", (dir / "show.asc").string()})
      .out;
}

BOOST_AUTO_TEST_CASE(a_device_key_and_its_blob) {
  TempDir dir;
  fs::create_directory(dir.path() / "show-home");
  fs::permissions(dir.path() / "show-home", fs::perms::owner_all, fs::perm_options::replace);
  AccountDevice first(dir.path(), "device-1");
  REQUIRE_OK(first.GenerateKey("Patient Portal key", "first passphrase"));
  BOOST_TEST(first.fingerprint().size() == 40u);

  // v4 (40-hex fingerprint), ed25519 primary (algo 22) that signs, cv25519 subkey (algo 18)
  // that encrypts, no expiry: what OpenPGP.js's curve25519Legacy key looks like to gpg.
  std::string public_key;
  REQUIRE_OK(first.ExportPublicKey(&public_key));
  BOOST_TEST(public_key.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
  const std::string listing = ShowKeys(public_key, dir.path());
  std::vector<std::string> keys;  // "pub 22 scESC", "sub 18 e": kind, algorithm, usage.
  std::istringstream lines(listing);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, ':');) f.push_back(field);
    if (f.size() > 11 && (f[0] == "pub" || f[0] == "sub"))
      keys.push_back(f[0] + " " + f[3] + " " + f[11]);
  }
  BOOST_TEST(keys == (std::vector<std::string>{"pub 22 scESC", "sub 18 e"}), listing);
  BOOST_TEST(listing.find("fpr:::::::::" + first.fingerprint() + ":") != std::string::npos);

  // The blob is the secret key, protected: another device opens it only with the passphrase.
  std::string blob;
  REQUIRE_OK(first.ExportKeyBlob(&blob));
  BOOST_TEST(blob.starts_with("-----BEGIN PGP PRIVATE KEY BLOCK-----"));
  Spit(dir.path() / "blob.asc", blob);
  const auto packets =
      RunCommand({"/usr/bin/gpg", "--homedir", (dir.path() / "show-home").string(), "--batch",
                  "--list-packets", (dir.path() / "blob.asc").string()});
  BOOST_TEST(packets.out.find("iter+salt S2K") != std::string::npos, packets.out);
  BOOST_TEST(packets.out.find("[v4 protected]") != std::string::npos, packets.out);
  BOOST_TEST(packets.out.find("unprotected") == std::string::npos, packets.out);

  AccountDevice wrong(dir.path(), "device-wrong");
  BOOST_TEST(!wrong.ImportKeyBlob(blob, "not the passphrase").ok());
  AccountDevice second(dir.path(), "device-2");
  REQUIRE_OK(second.ImportKeyBlob(blob, "first passphrase"));
  BOOST_TEST(second.fingerprint() == first.fingerprint());

  // What the second device signs, the first one's public key verifies.
  std::string signature;
  REQUIRE_OK(second.Sign("a body", &signature));
  Spit(dir.path() / "body", "a body");
  Spit(dir.path() / "body.sig", signature);
  fs::create_directory(dir.path() / "verify-home");
  fs::permissions(dir.path() / "verify-home", fs::perms::owner_all, fs::perm_options::replace);
  Spit(dir.path() / "public.asc", public_key);
  const std::string verify_home = (dir.path() / "verify-home").string();
  RunCommand({"/usr/bin/gpg", "--homedir", verify_home, "--batch", "--import",
              (dir.path() / "public.asc").string()});
  const auto verified =
      RunCommand({"/usr/bin/gpg", "--homedir", verify_home, "--batch", "--status-fd", "1",
                  "--verify", (dir.path() / "body.sig").string(), (dir.path() / "body").string()});
  BOOST_TEST(verified.out.find("[GNUPG:] VALIDSIG ") != std::string::npos, verified.out);
  BOOST_TEST(verified.out.find(" " + first.fingerprint() + "\n") != std::string::npos);

  // A message to the key opens on the second device; after a change of passphrase the new
  // blob opens only with the new one.
  const auto sealed = RunCommand({"/usr/bin/gpg", "--homedir", verify_home, "--batch", "--yes",
                                  "--trust-model", "always", "--recipient", first.fingerprint(),
                                  "--output", (dir.path() / "sealed.pgp").string(), "--encrypt",
                                  (dir.path() / "body").string()});
  BOOST_REQUIRE_MESSAGE(sealed.exit_code == 0, sealed.out);
  std::string plaintext, signer;
  REQUIRE_OK(second.Decrypt(Slurp(dir.path() / "sealed.pgp"), "", &plaintext, &signer));
  BOOST_TEST(plaintext == "a body");
  BOOST_TEST(signer.empty());  // Not signed.

  REQUIRE_OK(second.ChangePassphrase("second passphrase"));
  std::string new_blob;
  REQUIRE_OK(second.ExportKeyBlob(&new_blob));
  AccountDevice old_way(dir.path(), "device-3");
  BOOST_TEST(!old_way.ImportKeyBlob(new_blob, "first passphrase").ok());
  AccountDevice new_way(dir.path(), "device-4");
  REQUIRE_OK(new_way.ImportKeyBlob(new_blob, "second passphrase"));
  REQUIRE_OK(new_way.Decrypt(Slurp(dir.path() / "sealed.pgp"), "", &plaintext, &signer));
  BOOST_TEST(plaintext == "a body");
  RunCommand({"/usr/bin/gpgconf", "--homedir", verify_home, "--kill", "all"});
  RunCommand(
      {"/usr/bin/gpgconf", "--homedir", (dir.path() / "show-home").string(), "--kill", "all"});
}

BOOST_AUTO_TEST_CASE(request_bodies) {
  ActivationFields f;
  f.code = "K7M2Q-8XW4T-R9D3B";
  f.birth_date = "1970-05-05";
  f.logon_id = "annika.l";
  f.public_key = "PUB";
  f.key_blob = "BLOB";
  f.kdf = Kdf(3, 65536, 4, SaltOf(0));
  f.auth_key = std::string(32, '\x01');
  f.nonce = "n0nce_n0nce-n0nce";
  f.timestamp = "2026-11-26T15:00:00Z";
  const std::string kdf =
      R"({"alg":"argon2id","t":3,"m":65536,"p":4,"salt":"AAECAwQFBgcICQoLDA0ODw=="})";
  const std::string auth = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
  BOOST_TEST(ActivationBody(f) ==
             R"({"code":"K7M2Q-8XW4T-R9D3B","birth_date":"1970-05-05","logon_id":"annika.l",)"
             R"("public_key":"PUB","key_blob":"BLOB","kdf":)" +
                 kdf + R"(,"auth_key":")" + auth +
                 R"(","nonce":"n0nce_n0nce-n0nce","timestamp":"2026-11-26T15:00:00Z"})");
  f.mrn = "M100001";
  BOOST_TEST(KeyResetBody(f) ==
             R"({"code":"K7M2Q-8XW4T-R9D3B","mrn":"M100001","birth_date":"1970-05-05",)"
             R"("public_key":"PUB","key_blob":"BLOB","kdf":)" +
                 kdf + R"(,"auth_key":")" + auth +
                 R"(","nonce":"n0nce_n0nce-n0nce","timestamp":"2026-11-26T15:00:00Z"})");
  BOOST_TEST(SessionBody("annika.l", std::string(32, '\x01')) ==
             R"({"logon_id":"annika.l","auth_key":")" + auth + R"("})");
  BOOST_TEST(PreloginBody("annika.l") == R"({"logon_id":"annika.l"})");
  BOOST_TEST(CodeRequestBody("M100001", "a@example.org") ==
             R"({"mrn":"M100001","email":"a@example.org"})");
  BOOST_TEST(
      ProxyLinkBody("F", "C", "1970-05-05", "N", "T") ==
      R"({"fingerprint":"F","code":"C","birth_date":"1970-05-05","nonce":"N","timestamp":"T"})");
  BOOST_TEST(KeyBlobBody("F", std::string(32, '\x01'), std::string(32, '\x01'), f.kdf, "B", "N",
                         "T") == R"({"fingerprint":"F","old_auth_key":")" + auth +
                                     R"(","auth_key":")" + auth + R"(","kdf":)" + kdf +
                                     R"(,"key_blob":"B","nonce":"N","timestamp":"T"})");
  const std::string nonce = AccountNonce();
  BOOST_TEST(nonce.size() == 24u);
  BOOST_TEST(nonce.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-_") == std::string::npos);
  BOOST_TEST(AccountNonce() != nonce);
}

}  // namespace
}  // namespace portal::testing
