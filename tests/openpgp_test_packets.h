#pragma once

// Hand-made OpenPGP packets for tests of what reaches gpg: headers written out byte by byte, and
// a BZip2 compression bomb made at run time by Python's bz2 (nothing large is committed).

#include <boost/test/unit_test.hpp>
#include <cstddef>
#include <filesystem>
#include <string>

#include "tests/test_util.h"

namespace portal::testing {

// A new-format packet header for `tag` with a one-, two- or five-octet length (RFC 9580 4.2.1).
inline std::string NewPacketHeader(int tag, size_t length) {
  std::string h(1, static_cast<char>(0xC0 | tag));
  if (length < 192) {
    h += static_cast<char>(length);
  } else if (length < 8384) {
    h += static_cast<char>(((length - 192) >> 8) + 192);
    h += static_cast<char>((length - 192) & 0xFF);
  } else {
    h += static_cast<char>(0xFF);
    for (int shift = 24; shift >= 0; shift -= 8) h += static_cast<char>((length >> shift) & 0xFF);
  }
  return h;
}

inline std::string NewPacket(int tag, const std::string& body) {
  return NewPacketHeader(tag, body.size()) + body;
}

// A literal data packet (tag 11, binary, no file name, date 0) holding `data`.
inline std::string LiteralPacket(const std::string& data) {
  return NewPacket(11, std::string("b\0\0\0\0\0", 6) + data);
}

// A compressed data packet (tag 8, BZip2) that holds one literal data packet of `mib` MiB of
// zeros: about 800 bytes for 1 GiB, 141 for 100 MiB. gpg inflates all of it before it finds no
// signature (about half a second per 100 MiB).
inline std::string Bzip2BombPacket(int mib, const std::filesystem::path& scratch) {
  const std::filesystem::path out = scratch / "bomb.bin";
  static const char kScript[] = R"PY(
import bz2, sys
n = int(sys.argv[1]) << 20
head = b'b\x00\x00\x00\x00\x00'
literal = bytes([0xCB, 0xFF]) + (len(head) + n).to_bytes(4, 'big') + head
c = bz2.BZ2Compressor(9)
payload = c.compress(literal)
zeros = b'\x00' * (1 << 20)
for _ in range(n >> 20):
    payload += c.compress(zeros)
payload += c.flush()
body = bytes([3]) + payload
open(sys.argv[2], 'wb').write(bytes([0xC8, 0xFF]) + len(body).to_bytes(4, 'big') + body)
)PY";
  const CommandResult r =
      RunCommand({"/usr/bin/python3", "-c", kScript, std::to_string(mib), out.string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  return Slurp(out);
}

}  // namespace portal::testing
