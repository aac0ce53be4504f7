// The OpenPGP packet pre-check (core/openpgp_packets.h) that reads what a client sends before
// gpg sees a byte: a detached signature, an armored or binary public key. Properties: no crash;
// packets tile the bytes they were split from; an accepted signature is, by RFC 9580's layout
// read here independently, one v4 signature packet of a binary document hashed with SHA-256,
// SHA-384 or SHA-512 within the size bound; an accepted key block starts with a v4 public key
// and holds only public keys, user IDs, signatures and v4 subkeys; dearmored bytes are never
// more than the text they came from.

#include <string>
#include <vector>

#include "core/openpgp_packets.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

// The packets of `bytes` by an independent reading of RFC 9580 section 4.2 (no partial lengths,
// as the pre-check takes none). False when they do not parse.
bool Packets(std::string_view b, std::vector<std::pair<int, std::string_view>>* out) {
  size_t at = 0;
  while (at < b.size()) {
    const unsigned char h = b[at];
    if (!(h & 0x80)) return false;
    size_t len = 0, head = 0;
    int tag = 0;
    if (h & 0x40) {  // New format.
      tag = h & 0x3f;
      if (at + 1 >= b.size()) return false;
      const unsigned char l0 = b[at + 1];
      if (l0 < 192) {
        len = l0, head = 2;
      } else if (l0 < 224) {
        if (at + 2 >= b.size()) return false;
        len = ((l0 - 192) << 8) + static_cast<unsigned char>(b[at + 2]) + 192, head = 3;
      } else if (l0 == 255) {
        if (at + 5 >= b.size()) return false;
        for (int i = 0; i < 4; ++i) len = (len << 8) | static_cast<unsigned char>(b[at + 2 + i]);
        head = 6;
      } else {
        return false;  // Partial body length.
      }
    } else {  // Old format.
      tag = (h >> 2) & 0x0f;
      const int type = h & 3;
      if (type == 3) return false;
      const size_t n = type == 0 ? 1 : type == 1 ? 2 : 4;
      if (at + n >= b.size()) return false;
      for (size_t i = 0; i < n; ++i) len = (len << 8) | static_cast<unsigned char>(b[at + 1 + i]);
      head = 1 + n;
    }
    if (tag == 0 || len > b.size() - at - head) return false;
    out->push_back({tag, b.substr(at + head, len)});
    at += head + len;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = portal::fuzz::AsText(data, size);
  std::vector<portal::OpenPgpPacket> packets;
  if (portal::SplitOpenPgpPackets(bytes, 64, &packets).ok()) {
    size_t total = 0;
    for (const auto& p : packets) {
      FUZZ_CHECK(p.body.data() >= bytes.data() &&
                 p.body.data() + p.body.size() <= bytes.data() + bytes.size());
      total += p.body.size();
    }
    FUZZ_CHECK(total <= bytes.size());
    std::vector<std::pair<int, std::string_view>> mine;
    FUZZ_CHECK(Packets(bytes, &mine) && mine.size() == packets.size());
    for (size_t i = 0; i < mine.size(); ++i) {
      FUZZ_CHECK(mine[i].first == packets[i].tag && mine[i].second == packets[i].body);
    }
  }
  if (portal::CheckDetachedSignature(bytes).ok()) {
    FUZZ_CHECK(bytes.size() <= portal::kMaxDetachedSignatureBytes);
    std::vector<std::pair<int, std::string_view>> mine;
    FUZZ_CHECK(Packets(bytes, &mine) && mine.size() == 1 && mine[0].first == 2);
    const std::string_view body = mine[0].second;
    FUZZ_CHECK(body.size() >= 6);
    FUZZ_CHECK(body[0] == 4 && body[1] == 0);
    FUZZ_CHECK(body[3] == 8 || body[3] == 9 || body[3] == 10);
  }
  std::string binary;
  if (portal::Dearmor(bytes, "PGP PUBLIC KEY BLOCK", &binary).ok()) {
    FUZZ_CHECK(binary.size() <= bytes.size());
  }
  if (portal::CheckPublicKeyBlock(bytes, 16 * 1024).ok()) {
    if (!portal::Dearmor(bytes, "PGP PUBLIC KEY BLOCK", &binary).ok()) binary = std::string(bytes);
    std::vector<std::pair<int, std::string_view>> mine;
    FUZZ_CHECK(Packets(binary, &mine) && !mine.empty() && mine.size() <= 64);
    FUZZ_CHECK(mine[0].first == 6);
    for (size_t i = 0; i < mine.size(); ++i) {
      const int tag = mine[i].first;
      FUZZ_CHECK(tag == 2 || tag == 13 || tag == 14 || (tag == 6 && i == 0));
      if (tag == 6 || tag == 14) FUZZ_CHECK(!mine[i].second.empty() && mine[i].second[0] == 4);
    }
  }
  return 0;
}
