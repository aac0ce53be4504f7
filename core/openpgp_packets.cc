#include "core/openpgp_packets.h"

#include <cstdint>

#include "core/base64.h"

namespace portal {

namespace {

constexpr size_t kMaxKeyPackets = 64;

uint8_t At(std::string_view b, size_t i) { return static_cast<uint8_t>(b[i]); }

const char* TagName(int tag) {
  switch (tag) {
    case kTagPkesk:
      return "an encrypted session key";
    case kTagSignature:
      return "a signature";
    case kTagSecretKey:
    case kTagSecretSubkey:
      return "secret key material";
    case kTagPublicKey:
      return "a public key";
    case kTagCompressed:
      return "compressed data";
    case kTagSymEncrypted:
    case kTagSymEncryptedIntegrity:
    case kTagAead:
      return "encrypted data";
    case kTagMarker:
      return "a marker packet";
    case kTagLiteral:
      return "literal data";
    case kTagTrust:
      return "a trust packet";
    case kTagUserId:
      return "a user ID";
    case kTagPublicSubkey:
      return "a public subkey";
    case kTagUserAttribute:
      return "a user attribute";
    default:
      return "an unexpected packet";
  }
}

// Hash algorithms a request's signature may use (RFC 9580 section 9.5): SHA-256, SHA-384 and
// SHA-512. MD5 (1), SHA-1 (2), RIPEMD-160 (3) are broken or too weak; SHA-224 (11) is below
// SHA-256's strength; SHA3 (12, 14) gpg 2.2 does not know.
bool StrongHash(uint8_t algo) { return algo == 8 || algo == 9 || algo == 10; }

std::string_view TrimCr(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  return line;
}

}  // namespace

Status ReadOpenPgpPacket(std::string_view bytes, size_t* pos, OpenPgpPacket* packet) {
  size_t p = *pos;
  if (p >= bytes.size()) return Status::InvalidInput("OpenPGP data ends before a packet");
  const uint8_t first = At(bytes, p++);
  if ((first & 0x80) == 0) return Status::InvalidInput("not OpenPGP packet data");
  size_t length = 0;
  int tag = 0;
  if ((first & 0x40) == 0) {  // Old format: tag in bits 5-2, length type in bits 1-0.
    tag = (first >> 2) & 0x0F;
    const int type = first & 0x03;
    if (type == 3) return Status::InvalidInput("OpenPGP packet of indeterminate length");
    const size_t octets = type == 0 ? 1 : type == 1 ? 2 : 4;
    if (bytes.size() - p < octets) return Status::InvalidInput("OpenPGP packet header truncated");
    for (size_t i = 0; i < octets; ++i) length = (length << 8) | At(bytes, p++);
  } else {  // New format: tag in bits 5-0, then a one-, two- or five-octet length.
    tag = first & 0x3F;
    if (p >= bytes.size()) return Status::InvalidInput("OpenPGP packet header truncated");
    const uint8_t l0 = At(bytes, p++);
    if (l0 < 192) {
      length = l0;
    } else if (l0 < 224) {
      if (p >= bytes.size()) return Status::InvalidInput("OpenPGP packet header truncated");
      length = ((static_cast<size_t>(l0) - 192) << 8) + At(bytes, p++) + 192;
    } else if (l0 == 255) {
      if (bytes.size() - p < 4) return Status::InvalidInput("OpenPGP packet header truncated");
      for (int i = 0; i < 4; ++i) length = (length << 8) | At(bytes, p++);
    } else {
      return Status::InvalidInput("OpenPGP packet with a partial body length");
    }
  }
  if (tag == 0) return Status::InvalidInput("OpenPGP packet with the reserved tag 0");
  if (bytes.size() - p < length) return Status::InvalidInput("OpenPGP packet body truncated");
  packet->tag = tag;
  packet->body = bytes.substr(p, length);
  *pos = p + length;
  return Status::Ok();
}

Status SplitOpenPgpPackets(std::string_view bytes, size_t max_packets,
                           std::vector<OpenPgpPacket>* packets) {
  packets->clear();
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (packets->size() == max_packets) {
      return Status::InvalidInput("more than " + std::to_string(max_packets) + " OpenPGP packets");
    }
    OpenPgpPacket packet;
    PORTAL_RETURN_IF_ERROR(ReadOpenPgpPacket(bytes, &pos, &packet));
    packets->push_back(packet);
  }
  return Status::Ok();
}

Status CheckDetachedSignature(std::string_view signature) {
  if (signature.empty()) return Status::InvalidInput("signature: empty");
  if (signature.size() > kMaxDetachedSignatureBytes) {
    return Status::InvalidInput("signature: longer than " +
                                std::to_string(kMaxDetachedSignatureBytes) + " bytes");
  }
  size_t pos = 0;
  OpenPgpPacket packet;
  PORTAL_RETURN_IF_ERROR(ReadOpenPgpPacket(signature, &pos, &packet).WithPrefix("signature"));
  if (packet.tag != kTagSignature) {
    return Status::InvalidInput(std::string("signature: holds ") + TagName(packet.tag) +
                                ", not a signature");
  }
  if (pos != signature.size()) {
    return Status::InvalidInput("signature: more than one packet");
  }
  const std::string_view b = packet.body;
  // v4 (RFC 9580 5.2.3): version, type, public-key algorithm, hash algorithm, hashed subpacket
  // length (2) and data, unhashed length (2) and data, the hash's left 16 bits, the signature.
  if (b.empty() || At(b, 0) != 4) return Status::InvalidInput("signature: not version 4");
  if (b.size() < 6) return Status::InvalidInput("signature: truncated");
  if (At(b, 1) != 0x00) {
    return Status::InvalidInput(At(b, 1) == 0x01 ? "signature: text mode; sign as binary"
                                                 : "signature: not a signature of a document");
  }
  if (!StrongHash(At(b, 3))) {
    return Status::InvalidInput("signature: hash algorithm " + std::to_string(At(b, 3)) +
                                " refused; use SHA-256 or better");
  }
  size_t p = 4;
  for (int area = 0; area < 2; ++area) {  // Hashed, then unhashed subpackets.
    if (b.size() - p < 2) return Status::InvalidInput("signature: truncated");
    const size_t n = (static_cast<size_t>(At(b, p)) << 8) | At(b, p + 1);
    p += 2;
    if (b.size() - p < n) return Status::InvalidInput("signature: subpackets overrun the packet");
    p += n;
  }
  // The hash prefix and at least one MPI's length.
  if (b.size() - p < 4) return Status::InvalidInput("signature: truncated");
  return Status::Ok();
}

Status Dearmor(std::string_view text, std::string_view label, std::string* binary) {
  const std::string begin = "-----BEGIN " + std::string(label) + "-----";
  const std::string end = "-----END " + std::string(label) + "-----";
  enum { kBefore, kHeaders, kBody, kAfter } state = kBefore;
  std::string b64;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = TrimCr(text.substr(pos, nl - pos));
    pos = nl + 1;
    switch (state) {
      case kBefore:
        if (line == begin) {
          state = kHeaders;
        } else if (!line.empty()) {
          return Status::InvalidInput("armor: text before " + begin);
        }
        break;
      case kHeaders:
        if (line.empty()) {
          state = kBody;
        } else if (line.find(": ") == std::string_view::npos) {
          state = kBody;  // No header lines and no blank line: the body starts here.
          b64 += line;
        }
        break;
      case kBody:
        if (line == end) {
          state = kAfter;
        } else if (!line.empty() && line[0] == '=') {
          // The CRC-24 line (RFC 9580 6.1: not to be relied on); only END may follow.
        } else if (line.find('-') != std::string_view::npos) {
          return Status::InvalidInput("armor: unexpected armor line");
        } else {
          b64 += line;
        }
        break;
      case kAfter:
        if (!line.empty()) return Status::InvalidInput("armor: text after " + end);
        break;
    }
  }
  if (state != kAfter) return Status::InvalidInput("armor: no " + end + " line");
  if (!Base64Decode(b64, binary)) return Status::InvalidInput("armor: the body is not base64");
  return Status::Ok();
}

Status CheckPublicKeyBlock(std::string_view data, size_t max_bytes) {
  if (data.empty()) return Status::InvalidInput("public key: empty");
  if (data.size() > max_bytes) {
    return Status::InvalidInput("public key: longer than " + std::to_string(max_bytes) + " bytes");
  }
  std::string dearmored;
  std::string_view binary = data;
  if ((At(data, 0) & 0x80) == 0) {  // Not a packet header: armored text.
    PORTAL_RETURN_IF_ERROR(Dearmor(data, "PGP PUBLIC KEY BLOCK", &dearmored));
    binary = dearmored;
  }
  std::vector<OpenPgpPacket> packets;
  PORTAL_RETURN_IF_ERROR(
      SplitOpenPgpPackets(binary, kMaxKeyPackets, &packets).WithPrefix("public key"));
  if (packets.empty() || packets[0].tag != kTagPublicKey) {
    return Status::InvalidInput("public key: does not start with a public key packet");
  }
  for (size_t i = 0; i < packets.size(); ++i) {
    const OpenPgpPacket& p = packets[i];
    switch (p.tag) {
      case kTagPublicKey:
        if (i != 0) return Status::InvalidInput("public key: more than one primary key");
        [[fallthrough]];
      case kTagPublicSubkey:
        if (p.body.empty() || At(p.body, 0) != 4) {
          return Status::InvalidInput("public key: a key that is not version 4");
        }
        break;
      case kTagUserId:
      case kTagSignature:
        break;
      default:
        return Status::InvalidInput(std::string("public key: holds ") + TagName(p.tag));
    }
  }
  return Status::Ok();
}

}  // namespace portal
