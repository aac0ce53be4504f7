#define BOOST_TEST_MODULE openpgp_packets_test
// The packet reader on hand-written bytes (every header form, truncations), and the signature and
// key checks on what real gpg makes: a default signature and key pass; SHA-1, RIPEMD-160, text
// mode, an inline (compressed) signature, two signatures, secret keys and two keys do not.
#include "core/openpgp_packets.h"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "core/gpg.h"
#include "tests/openpgp_test_packets.h"
#include "tests/test_keys.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::LiteralPacket;
using testing::NewPacket;
using testing::RunCommand;
using testing::Slurp;
using testing::Spit;
using testing::TempDir;
using testing::TestKeys;

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

// Reads one packet from `bytes`; false if the reader refused it.
bool ReadOne(const std::string& bytes, OpenPgpPacket* p, size_t* end = nullptr) {
  size_t pos = 0;
  const bool ok = ReadOpenPgpPacket(bytes, &pos, p).ok();
  if (end != nullptr) *end = pos;
  return ok;
}

// A minimal structurally valid v4 signature body: version, type, algo, hash, empty subpacket
// areas, the hash prefix and a 1-bit MPI.
std::string SigBody(int version = 4, int type = 0x00, int hash = 8) {
  return Bytes({version, type, 22, hash, 0, 0, 0, 0, 0xAB, 0xCD, 0, 1, 1});
}

// gpg run in `home` with `args`; the test fails if it does.
std::string Gpg(const fs::path& home, std::vector<std::string> args, const fs::path& out) {
  args.insert(args.begin(), {"/usr/bin/gpg", "--homedir", home.string(), "--batch", "--yes",
                             "--output", out.string()});
  const auto r = RunCommand(args);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  return Slurp(out);
}

BOOST_AUTO_TEST_CASE(new_format_headers_of_every_length_form) {
  OpenPgpPacket p;
  size_t end = 0;
  // One octet: 3.
  const std::string abc = Bytes({0xC2, 0x03, 'a', 'b', 'c'});
  BOOST_REQUIRE(ReadOne(abc, &p, &end));
  BOOST_TEST(p.tag == 2);
  BOOST_TEST(p.body == "abc");
  BOOST_TEST(end == 5u);
  // Two octets: (0xC0 - 192) * 256 + 0x08 + 192 = 200.
  BOOST_REQUIRE(ReadOne(Bytes({0xC2, 0xC0, 0x08}) + std::string(200, 'x'), &p, &end));
  BOOST_TEST(p.body.size() == 200u);
  BOOST_TEST(end == 203u);
  // Two octets at their top: (0xDF - 192) * 256 + 0xFF + 192 = 8383.
  BOOST_REQUIRE(ReadOne(Bytes({0xCD, 0xDF, 0xFF}) + std::string(8383, 'x'), &p));
  BOOST_TEST(p.tag == 13);
  BOOST_TEST(p.body.size() == 8383u);
  // Five octets: 0xFF then 0x00000100 = 256.
  BOOST_REQUIRE(ReadOne(Bytes({0xC6, 0xFF, 0, 0, 1, 0}) + std::string(256, 'k'), &p, &end));
  BOOST_TEST(p.tag == 6);
  BOOST_TEST(p.body.size() == 256u);
  BOOST_TEST(end == 262u);
  // The test helper writes the same forms.
  BOOST_TEST(testing::NewPacketHeader(2, 3) == Bytes({0xC2, 3}));
  BOOST_TEST(testing::NewPacketHeader(2, 200) == Bytes({0xC2, 0xC0, 0x08}));
  BOOST_TEST(testing::NewPacketHeader(2, 256) == Bytes({0xC2, 0xC0, 0x40}));
  BOOST_TEST(testing::NewPacketHeader(2, 9000) == Bytes({0xC2, 0xFF, 0, 0, 0x23, 0x28}));
}

BOOST_AUTO_TEST_CASE(old_format_headers_of_every_length_form) {
  OpenPgpPacket p;
  // Tag 2, length type 0 (one octet): 0x80 | 2 << 2 | 0 = 0x88.
  const std::string hi = Bytes({0x88, 0x02, 'h', 'i'});
  BOOST_REQUIRE(ReadOne(hi, &p));
  BOOST_TEST(p.tag == 2);
  BOOST_TEST(p.body == "hi");
  // Tag 6, type 1 (two octets): 0x80 | 6 << 2 | 1 = 0x99, length 0x0100.
  BOOST_REQUIRE(ReadOne(Bytes({0x99, 0x01, 0x00}) + std::string(256, 'k'), &p));
  BOOST_TEST(p.tag == 6);
  BOOST_TEST(p.body.size() == 256u);
  // Tag 8, type 2 (four octets): 0x80 | 8 << 2 | 2 = 0xA2, length 5.
  BOOST_REQUIRE(ReadOne(Bytes({0xA2, 0, 0, 0, 5, 1, 2, 3, 4, 5}), &p));
  BOOST_TEST(p.tag == 8);
  BOOST_TEST(p.body.size() == 5u);
  // Type 3, indeterminate length (to the end of the data): refused.
  BOOST_TEST(!ReadOne(Bytes({0xA3, 1, 2, 3}), &p));
}

BOOST_AUTO_TEST_CASE(partial_lengths_truncations_and_non_packets_are_refused) {
  OpenPgpPacket p;
  BOOST_TEST(!ReadOne(Bytes({0xCB, 0xE0, 'x'}), &p));  // 224: a partial length of 1.
  BOOST_TEST(!ReadOne(Bytes({0xCB, 0xFE, 'x'}), &p));  // 254: partial, 2^30.
  BOOST_TEST(!ReadOne("", &p));
  BOOST_TEST(!ReadOne(Bytes({0xC2}), &p));                  // No length.
  BOOST_TEST(!ReadOne(Bytes({0xC2, 0xC0}), &p));            // Two-octet length cut.
  BOOST_TEST(!ReadOne(Bytes({0xC2, 0xFF, 0, 0, 1}), &p));   // Five-octet length cut.
  BOOST_TEST(!ReadOne(Bytes({0x89, 0x01}), &p));            // Old two-octet length cut.
  BOOST_TEST(!ReadOne(Bytes({0x8A, 0, 0, 0}), &p));         // Old four-octet length cut.
  BOOST_TEST(!ReadOne(Bytes({0xC2, 0x05, 'a', 'b'}), &p));  // Body shorter than its length.
  BOOST_TEST(!ReadOne(Bytes({0xC2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 'a'}), &p));  // 4 GiB claimed.
  BOOST_TEST(!ReadOne(Bytes({0x02, 0x01, 'a'}), &p));  // Bit 7 clear: not a packet.
  BOOST_TEST(!ReadOne(Bytes({0xC0, 0x00}), &p));       // Tag 0 (reserved).
  BOOST_TEST(!ReadOne(Bytes({0x80, 0x00}), &p));       // Old-format tag 0.
}

BOOST_AUTO_TEST_CASE(splitting_counts_packets_and_stops_at_the_bound) {
  const std::string three = NewPacket(13, "a") + NewPacket(13, "b") + NewPacket(13, "c");
  std::vector<OpenPgpPacket> packets;
  BOOST_REQUIRE(SplitOpenPgpPackets(three, 3, &packets).ok());
  BOOST_TEST(packets.size() == 3u);
  BOOST_TEST(packets[2].body == "c");
  BOOST_TEST(!SplitOpenPgpPackets(three, 2, &packets).ok());
  BOOST_TEST(!SplitOpenPgpPackets(three + Bytes({0xC2}), 9, &packets).ok());
}

BOOST_AUTO_TEST_CASE(signature_rules_on_hand_written_packets) {
  BOOST_TEST(CheckDetachedSignature(NewPacket(2, SigBody())).ok());
  BOOST_TEST(CheckDetachedSignature(NewPacket(2, SigBody(4, 0x00, 9))).ok());   // SHA-384.
  BOOST_TEST(CheckDetachedSignature(NewPacket(2, SigBody(4, 0x00, 10))).ok());  // SHA-512.
  // Old-format header for the same packet.
  BOOST_TEST(CheckDetachedSignature(Bytes({0x88, 13}) + SigBody()).ok());
  const auto refused = [](const std::string& sig, const std::string& why) {
    const Status st = CheckDetachedSignature(sig);
    BOOST_TEST(!st.ok());
    BOOST_TEST(st.message().find(why) != std::string::npos, st.message());
  };
  refused("", "empty");
  refused(NewPacket(2, SigBody(3)), "version 4");
  refused(NewPacket(2, SigBody(5)), "version 4");
  refused(NewPacket(2, SigBody(6)), "version 4");
  refused(NewPacket(2, SigBody(4, 0x01)), "text mode");
  refused(NewPacket(2, SigBody(4, 0x10)), "not a signature of a document");  // A certification.
  refused(NewPacket(2, SigBody(4, 0x00, 1)), "hash algorithm 1");            // MD5.
  refused(NewPacket(2, SigBody(4, 0x00, 2)), "hash algorithm 2");            // SHA-1.
  refused(NewPacket(2, SigBody(4, 0x00, 3)), "hash algorithm 3");            // RIPEMD-160.
  refused(NewPacket(2, SigBody(4, 0x00, 11)), "hash algorithm 11");          // SHA-224.
  refused(NewPacket(2, SigBody()) + NewPacket(2, SigBody()), "more than one packet");
  refused(NewPacket(2, SigBody()) + "x", "more than one packet");
  refused(NewPacket(11, "b\0\0\0\0\0data"), "literal data");
  refused(NewPacket(8, "\x03garbage"), "compressed data");
  refused(NewPacket(18, "\x01secret"), "encrypted data");
  refused(NewPacket(10, "PGP"), "marker");
  refused(NewPacket(2, Bytes({4, 0, 22, 8, 0x01, 0x00})), "subpackets overrun");
  refused(NewPacket(2, Bytes({4, 0, 22, 8, 0, 0, 0, 0})), "truncated");
  refused(NewPacket(2, Bytes({0xCB, 0xE0})), "version 4");
  refused(Bytes({0xC2, 0xE0}) + SigBody(), "partial body length");
  // The size bound: a packet of kMaxDetachedSignatureBytes passes the size rule, one more not.
  std::string big = SigBody();
  big += std::string(kMaxDetachedSignatureBytes - 3 - big.size(), '\0');
  BOOST_TEST(NewPacket(2, big).size() == kMaxDetachedSignatureBytes);
  BOOST_TEST(CheckDetachedSignature(NewPacket(2, big)).ok());
  refused(NewPacket(2, big + "x"), "longer than 768 bytes");
}

BOOST_AUTO_TEST_CASE(real_gpg_signatures_pass_or_fail_as_the_rules_say) {
  TestKeys keys;
  const fs::path home = keys.Home("signer");
  const std::string rsa = keys.Generate(home, "Signer <signer@test.invalid>", "rsa4096", "sign");
  const std::string ed = keys.Generate(home, "Ed <ed@test.invalid>", "ed25519", "sign");
  const fs::path data = keys.dir() / "request.json";
  Spit(data, "{\"version\":1}");
  const fs::path out = keys.dir() / "sig";
  const auto sign = [&](const std::string& fpr, std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--local-user", fpr});
    extra.push_back(data.string());
    return Gpg(home, extra, out);
  };
  // What gpg makes by default: passes; an RSA-4096 one is well under the bound.
  const std::string rsa_sig = sign(rsa, {"--detach-sign"});
  BOOST_TEST(CheckDetachedSignature(rsa_sig).ok(), CheckDetachedSignature(rsa_sig).message());
  BOOST_TEST(rsa_sig.size() < kMaxDetachedSignatureBytes);
  BOOST_TEST_MESSAGE("RSA-4096 signature: " << rsa_sig.size() << " bytes");
  const std::string ed_sig = sign(ed, {"--detach-sign"});
  BOOST_TEST(CheckDetachedSignature(ed_sig).ok());
  BOOST_TEST(CheckDetachedSignature(sign(ed, {"--digest-algo", "SHA512", "--detach-sign"})).ok());
  // Weak hashes, text mode, an inline signed message, two signatures, armor: refused.
  BOOST_TEST(!CheckDetachedSignature(sign(rsa, {"--digest-algo", "SHA1", "--detach-sign"})).ok());
  BOOST_TEST(
      !CheckDetachedSignature(sign(rsa, {"--digest-algo", "RIPEMD160", "--detach-sign"})).ok());
  BOOST_TEST(!CheckDetachedSignature(sign(ed, {"--textmode", "--detach-sign"})).ok());
  BOOST_TEST(!CheckDetachedSignature(sign(ed, {"--sign"})).ok());  // Compressed, one-pass.
  BOOST_TEST(!CheckDetachedSignature(sign(ed, {"--armor", "--detach-sign"})).ok());
  BOOST_TEST(!CheckDetachedSignature(ed_sig + ed_sig).ok());
  BOOST_TEST(
      !CheckDetachedSignature(
           Gpg(home, {"--local-user", ed, "--local-user", rsa, "--detach-sign", data.string()},
               out))
           .ok());
}

BOOST_AUTO_TEST_CASE(public_key_blocks_from_gpg_and_what_is_refused) {
  TestKeys keys;
  const fs::path home = keys.Home("patient");
  const std::string fpr = keys.GenerateEncryptionKey(home, "Patient <patient@test.invalid>");
  const std::string other = keys.GenerateEncryptionKey(home, "Other <other@test.invalid>");
  const std::string armored = Slurp(keys.Export(home, fpr, "patient.asc"));
  constexpr size_t kMax = 64 * 1024;
  Status st = CheckPublicKeyBlock(armored, kMax);
  BOOST_TEST(st.ok(), st.message());
  const fs::path out = keys.dir() / "out";
  const std::string binary = Gpg(home, {"--export", fpr}, out);
  BOOST_TEST(CheckPublicKeyBlock(binary, kMax).ok());
  // CRLF line ends (a browser's form) read the same.
  std::string crlf;
  for (char c : armored) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  BOOST_TEST(CheckPublicKeyBlock(crlf, kMax).ok());
  // Dearmor gives gpg's own binary export back.
  std::string dearmored;
  BOOST_REQUIRE(Dearmor(armored, "PGP PUBLIC KEY BLOCK", &dearmored).ok());
  BOOST_TEST(dearmored == binary);

  const auto refused = [&](const std::string& data, const std::string& why) {
    const Status s = CheckPublicKeyBlock(data, kMax);
    BOOST_TEST(!s.ok());
    BOOST_TEST(s.message().find(why) != std::string::npos, s.message());
  };
  refused(std::string(kMax + 1, 'a'), "longer than");
  refused("", "empty");
  refused(Gpg(home, {"--export", fpr, other}, out), "more than one primary key");
  refused(Gpg(home, {"--armor", "--export-secret-keys", fpr}, out), "armor");
  refused(Gpg(home, {"--export-secret-keys", fpr}, out), "does not start with a public key");
  refused(Gpg(home, {"--export-secret-subkeys", fpr}, out), "does not start with a public key");
  refused(binary + NewPacket(8, "\x03x"), "compressed data");
  refused(binary + LiteralPacket("x"), "literal data");
  refused(binary + NewPacket(18, "\x01x"), "encrypted data");
  refused(binary + NewPacket(17, "\x01x"), "user attribute");
  refused(binary + NewPacket(12, "x"), "trust");
  refused(binary + NewPacket(7, "\x04x"), "secret key");
  refused(NewPacket(13, "uid") + binary, "does not start with a public key");
  std::string many = binary;
  for (int i = 0; i < 64; ++i) many += NewPacket(13, "u");
  refused(many, "more than 64 OpenPGP packets");
  refused(binary.substr(0, binary.size() - 1), "truncated");
  // A v5/v6 key packet (version octet 5/6): gpg 2.2 reads v4 only.
  OpenPgpPacket primary;
  size_t end = 0;
  BOOST_REQUIRE(ReadOpenPgpPacket(binary, &end, &primary).ok());
  std::string v6 = binary;
  v6[static_cast<size_t>(primary.body.data() - binary.data())] = 6;
  refused(v6, "not version 4");
  // Armor: text around it, another label, a body that is not base64, no END line.
  refused("hello\n" + armored, "text before");
  refused(armored + "trailing\n", "text after");
  refused(armored + armored, "text after");
  std::string label = armored;
  label.replace(label.find("PUBLIC KEY"), 10, "MESSAGE---");
  refused(label, "armor");
  std::string broken = armored;
  broken[broken.find("\n\n") + 5] = '*';
  refused(broken, "base64");
  refused(armored.substr(0, armored.find("-----END")), "no -----END");
}

BOOST_AUTO_TEST_CASE(sealed_files_name_no_recipient) {
  // Every session-key packet of what SignAndEncryptToKeyFiles makes has the wildcard key ID 0
  // (gpg --throw-keyids), and gpg still opens it for each recipient.
  TestKeys keys;
  const fs::path portal = keys.Home("portal");
  const fs::path patient = keys.Home("patient");
  const fs::path proxy = keys.Home("proxy");
  const std::string portal_fpr =
      keys.Generate(portal, "Portal Test <portal@test.invalid>", "ed25519", "sign");
  const std::string patient_fpr = keys.GenerateEncryptionKey(patient, "P <p@test.invalid>");
  const std::string proxy_fpr = keys.Generate(proxy, "Q <q@test.invalid>", "default", "default");
  const fs::path patient_key = keys.Export(patient, patient_fpr, "patient.asc");
  const fs::path proxy_key = keys.Export(proxy, proxy_fpr, "proxy.asc");
  keys.Import(patient, keys.Export(portal, portal_fpr, "portal.asc"));
  keys.Import(proxy, keys.dir() / "portal.asc");
  std::unique_ptr<GpgContext> ctx;
  BOOST_REQUIRE(GpgContext::Open(portal, /*armor=*/false, &ctx).ok());
  BOOST_REQUIRE(ctx->SetSigner(portal_fpr).ok());
  std::string sealed;
  const Status st =
      ctx->SignAndEncryptToKeyFiles("<p>summary</p>", {patient_key, proxy_key}, &sealed);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  std::vector<OpenPgpPacket> packets;
  BOOST_REQUIRE(SplitOpenPgpPackets(sealed, 16, &packets).ok());
  int pkesks = 0;
  for (const auto& p : packets) {
    if (p.tag != kTagPkesk) continue;
    ++pkesks;
    BOOST_REQUIRE(p.body.size() > 9u);
    BOOST_TEST(static_cast<int>(p.body[0]) == 3);             // v3 PKESK: version, key ID.
    BOOST_TEST(p.body.substr(1, 8) == std::string(8, '\0'));  // Wildcard.
  }
  BOOST_TEST(pkesks == 2);
  const fs::path file = keys.dir() / "sealed.pgp";
  Spit(file, sealed);
  for (const fs::path& home : {patient, proxy}) {
    std::string plaintext;
    keys.Decrypt(home, file, &plaintext);
    BOOST_TEST(plaintext == "<p>summary</p>");
  }
}

}  // namespace
}  // namespace portal
