#include "core/ehr_key.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/base64.h"
#include "core/file_util.h"
#include "core/sha256.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxKeyFileBytes = 64 * 1024;
constexpr int kP384Bytes = 48;  // A P-384 coordinate, and each half of an ES384 signature.
constexpr int kNewRsaBits = 3072;
constexpr int kMinRsaBits = 2048;
constexpr int kMaxLifetimeSeconds = 300;
constexpr size_t kJtiBytes = 16;  // 128 bits.
constexpr std::string_view kPemBegin = "-----BEGIN PRIVATE KEY-----";
constexpr std::string_view kPemEnd = "-----END PRIVATE KEY-----";

using OwnedPkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using Bignum = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)>;

// Closes a file descriptor when it goes out of scope.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Bytes that held key material (the PEM text), wiped when they go.
class SecretBytes {
 public:
  SecretBytes() = default;
  ~SecretBytes() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

// What OpenSSL said (its reason text; never key bytes), its error queue emptied.
std::string OpenSslReason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
  return reason == nullptr ? "unknown error" : reason;
}

Status OpenSslFailure(const std::string& what) {
  return Status::IoError(what + " (OpenSSL: " + OpenSslReason() + ")");
}

std::string Base64Url(std::string_view data) {
  std::string text = Base64Encode(data);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

std::string Sha256Bytes(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha256(), nullptr) != 1) {
    ERR_clear_error();
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(digest.data()), len);
}

// Mode bits as `ls` and chmod write them: "0644".
std::string ModeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

Status SyncFolder(const fs::path& dir) {
  const fs::path folder = dir.empty() ? fs::path(".") : dir;
  UniqueFd fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
    return Status::IoError(folder.string() + ": cannot sync folder: " + std::strerror(errno));
  }
  return Status::Ok();
}

Status ExistsAlready(const std::string& where) {
  return Status::InvalidInput(where +
                              ": exists already (an EHR key is never replaced: the EHR may have "
                              "it registered; remove the file deliberately first)");
}

Status GenerateKeyPair(EhrKeyAlgorithm alg, OwnedPkey* out) {
  const bool ec = alg == EhrKeyAlgorithm::kES384;
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, ec ? "EC" : "RSA", nullptr), &EVP_PKEY_CTX_free);
  const bool ready = ctx && EVP_PKEY_keygen_init(ctx.get()) == 1 &&
                     (ec ? EVP_PKEY_CTX_set_group_name(ctx.get(), "P-384") == 1
                         : EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), kNewRsaBits) == 1);
  EVP_PKEY* pkey = nullptr;
  if (!ready || EVP_PKEY_generate(ctx.get(), &pkey) != 1) {
    EVP_PKEY_free(pkey);
    return OpenSslFailure("ehr key: cannot generate the key pair");
  }
  out->reset(pkey);
  return Status::Ok();
}

// The private key as PKCS#8 PEM ("BEGIN PRIVATE KEY"), unencrypted: the file's mode guards it.
Status PrivateKeyPem(EVP_PKEY* pkey, std::string* pem) {
  Bio bio(BIO_new(BIO_s_secmem()), &BIO_free);
  if (!bio ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslFailure("ehr key: cannot encode the private key");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) return OpenSslFailure("ehr key: cannot encode the private key");
  pem->assign(data, static_cast<size_t>(len));  // One allocation: no copy left behind unwiped.
  return Status::Ok();
}

// Reads the key file after checking it is a regular file no one but its owner may use, and
// small enough to be a key.
Status ReadKeyFile(const fs::path& path, const std::string& where, std::string* pem) {
  // O_NONBLOCK: a FIFO put in the key's place is refused below rather than waited on.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return Status::IoError(where + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Status::IoError(where + ": cannot stat: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return Status::InvalidInput(where + ": not a regular file");
  if ((st.st_mode & 077) != 0) {
    return Status::InvalidInput(where + ": mode " + ModeText(st.st_mode) +
                                ", must be 0600 or stricter");
  }
  if (st.st_size > static_cast<off_t>(kMaxKeyFileBytes)) {
    return Status::InvalidInput(where + ": larger than 64 KiB, not a key file");
  }
  pem->resize(kMaxKeyFileBytes + 1);  // One more byte shows a file that grew meanwhile.
  size_t total = 0;
  while (total < pem->size()) {
    const ssize_t n = ::read(fd.get(), pem->data() + total, pem->size() - total);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError(where + ": read failed: " + std::strerror(errno));
    if (n == 0) break;
    total += static_cast<size_t>(n);
  }
  if (total > kMaxKeyFileBytes) {
    return Status::InvalidInput(where + ": larger than 64 KiB, not a key file");
  }
  pem->resize(total);
  return Status::Ok();
}

// One unencrypted PKCS#8 PEM block and nothing else but white space after it.
bool IsOnePkcs8Block(std::string_view text) {
  if (!text.starts_with(kPemBegin)) return false;
  const size_t end = text.find(kPemEnd);
  if (end == std::string_view::npos || text.find("-----BEGIN", 1) < end) return false;
  const std::string_view rest = text.substr(end + kPemEnd.size());
  return rest.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Never asks for a passphrase (OpenSSL's default would prompt on the terminal).
int NoPassphrase(char*, int, int, void*) { return 0; }

Status ParsePrivateKey(const std::string& pem, const std::string& where, OwnedPkey* out) {
  const Status not_a_key =
      Status::InvalidInput(where + ": not an unencrypted PKCS#8 PEM private key");
  if (!IsOnePkcs8Block(pem)) return not_a_key;
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  EVP_PKEY* pkey =
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &NoPassphrase, nullptr) : nullptr;
  ERR_clear_error();
  if (pkey == nullptr) return not_a_key;
  out->reset(pkey);
  return Status::Ok();
}

Status AlgorithmOf(EVP_PKEY* pkey, const std::string& where, EhrKeyAlgorithm* alg) {
  if (EVP_PKEY_is_a(pkey, "EC")) {
    std::array<char, 64> group{};
    size_t len = 0;
    const bool named = EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
                                                      group.data(), group.size(), &len) == 1;
    ERR_clear_error();
    const std::string_view name(group.data(), named ? len : 0);
    if (name != "secp384r1" && name != "P-384") {
      return Status::InvalidInput(where + ": EC key on " +
                                  (named ? std::string(name) : "an unnamed curve") +
                                  ", must be P-384 (ES384)");
    }
    *alg = EhrKeyAlgorithm::kES384;
    return Status::Ok();
  }
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    const int bits = EVP_PKEY_get_bits(pkey);
    if (bits < kMinRsaBits) {
      return Status::InvalidInput(where + ": RSA key of " + std::to_string(bits) +
                                  " bits, must be 2048 or more (RS384)");
    }
    *alg = EhrKeyAlgorithm::kRS384;
    return Status::Ok();
  }
  const char* type = EVP_PKEY_get0_type_name(pkey);
  return Status::InvalidInput(where + ": a " + (type == nullptr ? "unknown" : type) +
                              " key, must be EC P-384 (ES384) or RSA (RS384)");
}

// A public number of `pkey`, big-endian, left-padded with zeros to `width` bytes (0: minimal).
Status PublicNumber(EVP_PKEY* pkey, const char* name, int width, std::string* out) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
    BN_free(raw);
    return OpenSslFailure(std::string("ehr key: cannot read the public key's ") + name);
  }
  Bignum bn(raw, &BN_free);
  const int len = width > 0 ? width : BN_num_bytes(bn.get());
  std::string bytes(static_cast<size_t>(len), '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()), len) != len) {
    return OpenSslFailure(std::string("ehr key: the public key's ") + name + " does not fit");
  }
  *out = Base64Url(bytes);
  return Status::Ok();
}

// The public JWK's key members (RFC 7518 6.2.1, 6.3.1), in the order JWKS documents show them.
Status PublicJwk(EVP_PKEY* pkey, EhrKeyAlgorithm alg, nlohmann::ordered_json* jwk) {
  std::string a, b;
  if (alg == EhrKeyAlgorithm::kES384) {
    PORTAL_RETURN_IF_ERROR(PublicNumber(pkey, OSSL_PKEY_PARAM_EC_PUB_X, kP384Bytes, &a));
    PORTAL_RETURN_IF_ERROR(PublicNumber(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, kP384Bytes, &b));
    *jwk = {{"kty", "EC"}, {"crv", "P-384"}, {"x", a}, {"y", b}};
    return Status::Ok();
  }
  PORTAL_RETURN_IF_ERROR(PublicNumber(pkey, OSSL_PKEY_PARAM_RSA_N, 0, &a));
  PORTAL_RETURN_IF_ERROR(PublicNumber(pkey, OSSL_PKEY_PARAM_RSA_E, 0, &b));
  *jwk = {{"kty", "RSA"}, {"n", a}, {"e", b}};
  return Status::Ok();
}

// An ECDSA signature from DER (what OpenSSL makes) to JOSE's r||s (RFC 7518 3.4).
Status DerToJose(const std::string& der, std::string* jose) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())), &ECDSA_SIG_free);
  if (!sig) return OpenSslFailure("ehr key: cannot read the ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(2 * kP384Bytes, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, bytes, kP384Bytes) != kP384Bytes ||
      BN_bn2binpad(s, bytes + kP384Bytes, kP384Bytes) != kP384Bytes) {
    return OpenSslFailure("ehr key: the ECDSA signature does not fit P-384");
  }
  *jose = std::move(out);
  return Status::Ok();
}

// SHA-384 signature over `input`: ECDSA (JOSE form) or RSASSA-PKCS1-v1_5.
Status SignBytes(EVP_PKEY* pkey, EhrKeyAlgorithm alg, std::string_view input, std::string* sig) {
  MdCtx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;  // Belongs to ctx.
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha384(), nullptr, pkey) != 1 ||
      (alg == EhrKeyAlgorithm::kRS384 &&
       EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)) {
    return OpenSslFailure("ehr key: cannot start signing");
  }
  std::string raw(static_cast<size_t>(EVP_PKEY_get_size(pkey)), '\0');
  size_t len = raw.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(raw.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return OpenSslFailure("ehr key: cannot sign");
  }
  raw.resize(len);
  if (alg == EhrKeyAlgorithm::kES384) return DerToJose(raw, sig);
  *sig = std::move(raw);
  return Status::Ok();
}

}  // namespace

static_assert(std::is_same_v<OwnedPkey, std::unique_ptr<evp_pkey_st, void (*)(evp_pkey_st*)>>);

EhrKey::EhrKey(Pkey pkey, EhrKeyAlgorithm alg, nlohmann::ordered_json public_jwk, std::string kid)
    : pkey_(std::move(pkey)), alg_(alg), public_jwk_(std::move(public_jwk)), kid_(std::move(kid)) {}

EhrKey::~EhrKey() = default;

Status EhrKey::FromPkey(Pkey pkey, const std::string& where, std::unique_ptr<EhrKey>* out) {
  EhrKeyAlgorithm alg = EhrKeyAlgorithm::kES384;
  PORTAL_RETURN_IF_ERROR(AlgorithmOf(pkey.get(), where, &alg));
  nlohmann::ordered_json jwk;
  PORTAL_RETURN_IF_ERROR(PublicJwk(pkey.get(), alg, &jwk));
  std::string kid;
  PORTAL_RETURN_IF_ERROR(JwkThumbprint(nlohmann::json(jwk), &kid));
  out->reset(new EhrKey(std::move(pkey), alg, std::move(jwk), std::move(kid)));
  return Status::Ok();
}

Status EhrKey::Create(const fs::path& path, EhrKeyAlgorithm alg, std::unique_ptr<EhrKey>* out) {
  const std::string where = "ehr key " + path.string();
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) return ExistsAlready(where);  // Before the slow keygen.
  OwnedPkey pkey(nullptr, &EVP_PKEY_free);
  PORTAL_RETURN_IF_ERROR(GenerateKeyPair(alg, &pkey));
  {
    SecretBytes pem;
    PORTAL_RETURN_IF_ERROR(PrivateKeyPem(pkey.get(), &pem.bytes()));
    const Status written = WriteNewFile(path, pem.bytes(), 0600);  // O_EXCL, fsynced.
    if (written.code() == Status::Code::kInvalidInput) return ExistsAlready(where);
    PORTAL_RETURN_IF_ERROR(written.WithPrefix("ehr key"));
  }
  PORTAL_RETURN_IF_ERROR(SyncFolder(path.parent_path()));  // The new name, durably.
  return FromPkey(std::move(pkey), where, out);
}

Status EhrKey::Load(const fs::path& path, std::unique_ptr<EhrKey>* out) {
  const std::string where = "ehr key " + path.string();
  OwnedPkey pkey(nullptr, &EVP_PKEY_free);
  {
    SecretBytes pem;
    PORTAL_RETURN_IF_ERROR(ReadKeyFile(path, where, &pem.bytes()));
    PORTAL_RETURN_IF_ERROR(ParsePrivateKey(pem.bytes(), where, &pkey));
  }
  return FromPkey(std::move(pkey), where, out);
}

const char* EhrKey::alg_name() const { return alg_ == EhrKeyAlgorithm::kES384 ? "ES384" : "RS384"; }

nlohmann::ordered_json EhrKey::PublicJwksJson() const {
  nlohmann::ordered_json jwk = public_jwk_;
  jwk["kid"] = kid_;
  jwk["alg"] = alg_name();
  jwk["use"] = "sig";
  jwk["key_ops"] = nlohmann::ordered_json::array({"verify"});
  nlohmann::ordered_json jwks = nlohmann::ordered_json::object();
  jwks["keys"] = nlohmann::ordered_json::array({jwk});
  return jwks;
}

std::string EhrKey::PublicJwks() const { return PublicJwksJson().dump(); }

Status EhrKey::SignJwt(const nlohmann::json& claims, std::string* jwt) const {
  if (!claims.is_object()) return Status::InvalidInput("jwt claims: must be a JSON object");
  std::string payload;
  try {
    payload = claims.dump();
  } catch (const nlohmann::json::exception&) {
    return Status::InvalidInput("jwt claims: a string is not valid UTF-8");
  }
  const nlohmann::ordered_json header = {{"alg", alg_name()}, {"typ", "JWT"}, {"kid", kid_}};
  const std::string input = Base64Url(header.dump()) + "." + Base64Url(payload);
  std::string signature;
  PORTAL_RETURN_IF_ERROR(SignBytes(pkey_.get(), alg_, input, &signature));
  *jwt = input + "." + Base64Url(signature);
  return Status::Ok();
}

Status MakeClientAssertion(const EhrKey& key, const std::string& client_id,
                           const std::string& token_url, int64_t now_unix, int lifetime_seconds,
                           std::string* jwt) {
  if (lifetime_seconds < 1 || lifetime_seconds > kMaxLifetimeSeconds) {
    return Status::InvalidInput("client assertion: lifetime " + std::to_string(lifetime_seconds) +
                                " s, must be 1 to 300");
  }
  if (client_id.empty()) return Status::InvalidInput("client assertion: the client_id is empty");
  if (token_url.empty()) return Status::InvalidInput("client assertion: the token URL is empty");
  if (now_unix < 0 || now_unix > std::numeric_limits<int64_t>::max() - lifetime_seconds) {
    return Status::InvalidInput("client assertion: the time is out of range");
  }
  const std::string jti = RandomHex(kJtiBytes);
  if (jti.empty()) return OpenSslFailure("client assertion: no random bytes for the jti");
  const nlohmann::json claims = {{"iss", client_id},
                                 {"sub", client_id},
                                 {"aud", token_url},
                                 {"iat", now_unix},
                                 {"exp", now_unix + lifetime_seconds},
                                 {"jti", jti}};
  return key.SignJwt(claims, jwt);
}

Status JwkThumbprint(const nlohmann::json& jwk, std::string* thumbprint) {
  if (!jwk.is_object()) return Status::InvalidInput("jwk: not a JSON object");
  const auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->is_string()) {
    return Status::InvalidInput("jwk: kty missing or not a string");
  }
  std::vector<const char*> members;
  if (*kty == "EC") {
    members = {"crv", "kty", "x", "y"};
  } else if (*kty == "RSA") {
    members = {"e", "kty", "n"};
  } else {
    return Status::InvalidInput("jwk: kty must be EC or RSA");
  }
  nlohmann::json required = nlohmann::json::object();  // std::map: members sorted, as 7638 says.
  for (const char* member : members) {
    const auto it = jwk.find(member);
    if (it == jwk.end() || !it->is_string()) {
      return Status::InvalidInput(std::string("jwk: ") + member + " missing or not a string");
    }
    required[member] = *it;
  }
  std::string canonical;
  try {
    canonical = required.dump();  // No white space.
  } catch (const nlohmann::json::exception&) {
    return Status::InvalidInput("jwk: a member is not valid UTF-8");
  }
  const std::string digest = Sha256Bytes(canonical);
  if (digest.empty()) return OpenSslFailure("jwk: cannot hash");
  *thumbprint = Base64Url(digest);
  return Status::Ok();
}

}  // namespace portal
