#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace portal {

// A small, bounded reader of OpenPGP packet framing (RFC 4880 / RFC 9580 section 4): what a
// client sends is checked with it BEFORE gpg sees a byte, so gpg only ever parses the few packet
// kinds a request can honestly carry (no compressed, literal or encrypted data to inflate or
// decrypt). It reads headers and a few fixed fields; the cryptography stays gpg's.

// Packet tags (RFC 9580 section 5).
enum OpenPgpTag : int {
  kTagPkesk = 1,
  kTagSignature = 2,
  kTagSecretKey = 5,
  kTagPublicKey = 6,
  kTagSecretSubkey = 7,
  kTagCompressed = 8,
  kTagSymEncrypted = 9,
  kTagMarker = 10,
  kTagLiteral = 11,
  kTagTrust = 12,
  kTagUserId = 13,
  kTagPublicSubkey = 14,
  kTagUserAttribute = 17,
  kTagSymEncryptedIntegrity = 18,
  kTagAead = 20,
};

// One packet: its tag and its body, a view into the buffer it was read from.
struct OpenPgpPacket {
  int tag = 0;
  std::string_view body;
};

// Reads the packet at `bytes[*pos]` (old or new header format) and moves *pos past it.
// InvalidInput for a truncated header or body, tag 0, an old-format indeterminate length, and
// new-format partial body lengths (only data packets may use them, and none of the packets read
// here is one).
Status ReadOpenPgpPacket(std::string_view bytes, size_t* pos, OpenPgpPacket* packet);

// Every packet in `bytes`, at most `max_packets` of them (more: InvalidInput).
Status SplitOpenPgpPackets(std::string_view bytes, size_t max_packets,
                           std::vector<OpenPgpPacket>* packets);

// The largest detached signature a request may carry. An RSA-4096 v4 signature with gpg's
// subpackets is about 570 bytes, an ed25519 one from gpg about 120, from OpenPGP.js (with its
// salt notation) about 180; 768 leaves room for a few more subpackets and nothing to inflate.
inline constexpr size_t kMaxDetachedSignatureBytes = 768;

// A binary detached signature as a request must carry it: at most kMaxDetachedSignatureBytes;
// exactly one packet, a v4 signature (gpg 2.2 reads no other version), of a binary document
// (type 0x00: text mode 0x01 verifies after line-ending changes), hashed with SHA-256, SHA-384 or
// SHA-512, its subpacket areas inside the packet; nothing after it. InvalidInput says which rule
// failed (no request bytes in the message).
Status CheckDetachedSignature(std::string_view signature);

// The binary packets of one ASCII-armored block labelled `label` ("PGP PUBLIC KEY BLOCK"): the
// BEGIN line (blank lines before it only), armor headers, base64 lines, an optional CRC line, the
// END line, blank lines after it only. Bounded by the input's size.
Status Dearmor(std::string_view text, std::string_view label, std::string* binary);

// A transferable public key as a client may post it (activation, key reset): armored or binary,
// at most `max_bytes`, at most 64 packets; exactly one primary key, first; only public key,
// user ID, signature and public subkey packets (no secret keys, user attributes, trust,
// compressed, literal or encrypted data); keys and subkeys version 4.
Status CheckPublicKeyBlock(std::string_view data, size_t max_bytes);

}  // namespace portal
