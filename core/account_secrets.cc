#include "core/account_secrets.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <system_error>

#include "core/file_util.h"

namespace portal {

namespace {

constexpr size_t kPepperBytes = 32;

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// Closes a file descriptor on scope exit.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Status EnsureAccountPepper(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return Status::Ok();
  unsigned char pepper[kPepperBytes];
  if (RAND_bytes(pepper, sizeof pepper) != 1) {
    return Status::IoError("no random bytes for the account pepper (OpenSSL RAND_bytes)");
  }
  // Written beside, then linked into place: O_EXCL on the temporary file, 0600 from the start,
  // fsynced, renamed; a second init that races loses nothing (the first pepper stays).
  const std::filesystem::path tmp = path.string() + ".tmp";
  std::filesystem::remove(tmp, ec);
  {
    Fd fd{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
    if (fd.fd < 0) return Status::IoError(tmp.string() + ": cannot create");
    if (::write(fd.fd, pepper, sizeof pepper) != static_cast<ssize_t>(sizeof pepper) ||
        ::fsync(fd.fd) != 0) {
      return Status::IoError(tmp.string() + ": cannot write");
    }
  }
  OPENSSL_cleanse(pepper, sizeof pepper);
  if (::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    std::filesystem::remove(tmp, ec);
    return Status::IoError(path.string() + ": cannot create");
  }
  std::filesystem::remove(tmp, ec);
  Fd dir{::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir.fd >= 0) (void)::fsync(dir.fd);
  return Status::Ok();
}

Status AccountSecrets::Load(const std::filesystem::path& path, AccountSecrets* out) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return Status::IoError(path.string() + ": missing (run portal-staff init)");
  }
  if ((st.st_mode & 077) != 0) {
    return Status::IoError(path.string() + ": readable by others; it must be mode 0600");
  }
  std::string pepper;
  PORTAL_RETURN_IF_ERROR(ReadFile(path, &pepper));
  if (pepper.size() != kPepperBytes) {
    return Status::IoError(path.string() + ": not " + std::to_string(kPepperBytes) +
                           " bytes (a damaged pepper file)");
  }
  out->pepper_ = std::move(pepper);
  return Status::Ok();
}

std::string AccountSecrets::Derive(std::string_view purpose, std::string_view data) const {
  const std::string key = Hmac(pepper_, "portal accounts v1 " + std::string(purpose));
  return Hmac(key, data);
}

std::string AccountSecrets::AuthVerifier(std::string_view auth_key) const {
  return Derive("auth", auth_key);
}

std::string AccountSecrets::FakeSalt(std::string_view logon_id) const {
  return Derive("fake-salt", logon_id).substr(0, 16);
}

std::string AccountSecrets::LogonKey(std::string_view logon_id) const {
  return Hex(Derive("logon", logon_id));
}

std::string AccountSecrets::MailedCodeHash(std::string_view mrn, std::string_view code) const {
  return Hex(Derive("mailed-code", std::string(mrn) + "\n" + std::string(code)));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace portal
