#include "core/gpg.h"

#include <gpgme.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cstdlib>
#include <mutex>

#include "core/file_util.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

Status GpgError(const std::string& what, gpgme_error_t err) {
  return Status::IoError(what + ": " + gpgme_strerror(err));
}

// The CPU seconds the gpg started by this thread's current operation may use; 0: no limit.
// GPGME starts gpg with fork() in the calling thread, so the child inherits this value and the
// fork handler below turns it into the child's RLIMIT_CPU before gpg is executed (inherited again
// by GPGME's second fork). Only operations on a client's bytes set it, in homes where no
// gpg-agent may start: no long-lived process is ever made under a limit.
thread_local int t_child_cpu_seconds = 0;

void LimitForkedChild() {
  if (t_child_cpu_seconds <= 0) return;
  const rlim_t soft = static_cast<rlim_t>(t_child_cpu_seconds);
  const rlimit limit{soft, soft + 1};  // SIGXCPU at the soft limit, SIGKILL a second later.
  ::setrlimit(RLIMIT_CPU, &limit);     // Async-signal-safe: a plain system call.
}

void InitGpgme() {
  static std::once_flag once;
  std::call_once(once, [] {
    gpgme_check_version(nullptr);
    ::pthread_atfork(nullptr, nullptr, LimitForkedChild);
  });
}

struct DataDeleter {
  void operator()(gpgme_data_t d) const { gpgme_data_release(d); }
};
using Data = std::unique_ptr<std::remove_pointer_t<gpgme_data_t>, DataDeleter>;

struct KeyDeleter {
  void operator()(gpgme_key_t k) const { gpgme_key_unref(k); }
};

// The primary fingerprint of the key holding (sub)key `fpr` in this home, if that key is
// present and usable (not revoked, expired, disabled or invalid); "" otherwise.
std::string UsablePrimary(gpgme_ctx_t ctx, const char* fpr) {
  gpgme_key_t raw = nullptr;
  if (gpgme_get_key(ctx, fpr, &raw, /*secret=*/0) != 0 || raw == nullptr) return "";
  std::unique_ptr<std::remove_pointer_t<gpgme_key_t>, KeyDeleter> key(raw);
  if (key->revoked || key->expired || key->disabled || key->invalid || key->subkeys == nullptr ||
      key->subkeys->fpr == nullptr) {
    return "";
  }
  return key->subkeys->fpr;
}

}  // namespace

ChildCpuLimit::ChildCpuLimit(int cpu_seconds) : previous_(t_child_cpu_seconds) {
  InitGpgme();  // Registers the fork handler.
  t_child_cpu_seconds = cpu_seconds;
}

ChildCpuLimit::~ChildCpuLimit() { t_child_cpu_seconds = previous_; }

// Sets the thread's child CPU limit for one operation and tells afterwards whether the limit
// stopped gpg: GPGME reports a killed gpg as an empty result, not an error, so a run that took
// at least the limit in wall-clock time (CPU time cannot exceed it) is taken as stopped.
class GpgContext::Limited {
 public:
  explicit Limited(GpgContext* ctx)
      : ctx_(ctx), limit_(ctx->cpu_limit_seconds_), start_(std::chrono::steady_clock::now()) {}
  Limited(const Limited&) = delete;
  Limited& operator=(const Limited&) = delete;

  // IoError when the limit stopped gpg (the context is then marked unusable); else `st`.
  Status Check(Status st) {
    const int limit = ctx_->cpu_limit_seconds_;
    if (limit <= 0 || std::chrono::steady_clock::now() - start_ < std::chrono::seconds(limit)) {
      return st;
    }
    ctx_->stopped_ = true;
    return Status::IoError("gpg stopped at its " + std::to_string(limit) +
                           " s CPU time limit on client data");
  }

 private:
  GpgContext* ctx_;
  ChildCpuLimit limit_;
  const std::chrono::steady_clock::time_point start_;
};

Status PrepareGnupgHome(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Status::IoError(dir.string() + ": not a folder");
    }
    if ((st.st_mode & 0077) != 0) {
      return Status::IoError(dir.string() + ": GNUPGHOME must be mode 0700");
    }
  } else {
    fs::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) != 0) {
      return Status::IoError(dir.string() + ": cannot create GNUPGHOME");
    }
  }
  const fs::path conf = dir / "gpg.conf";
  if (!fs::exists(conf, ec)) {
    PORTAL_RETURN_IF_ERROR(WriteFile(conf, "no-random-seed-file\n"));
  }
  return Status::Ok();
}

GpgContext::~GpgContext() { gpgme_release(ctx_); }

Status GpgContext::Open(const fs::path& home, bool armor, std::unique_ptr<GpgContext>* out) {
  InitGpgme();
  gpgme_ctx_t ctx = nullptr;
  if (gpgme_error_t err = gpgme_new(&ctx)) return GpgError("gpgme", err);
  std::unique_ptr<GpgContext> context(new GpgContext(ctx));
  if (gpgme_error_t err =
          gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, nullptr, home.c_str())) {
    return GpgError(home.string(), err);
  }
  gpgme_set_armor(ctx, armor ? 1 : 0);
  gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK);
  *out = std::move(context);
  return Status::Ok();
}

Status GpgContext::SetSigner(const std::string& fingerprint) {
  gpgme_key_t raw = nullptr;
  if (gpgme_error_t err = gpgme_get_key(ctx_, fingerprint.c_str(), &raw, /*secret=*/1)) {
    return GpgError("signing key " + fingerprint, err);
  }
  std::unique_ptr<std::remove_pointer_t<gpgme_key_t>, KeyDeleter> key(raw);
  gpgme_signers_clear(ctx_);
  if (gpgme_error_t err = gpgme_signers_add(ctx_, key.get())) {
    return GpgError("signing key " + fingerprint, err);
  }
  return Status::Ok();
}

Status GpgContext::SignAndEncryptToKeyFiles(std::string_view plaintext,
                                            const std::vector<fs::path>& key_files,
                                            std::string* ciphertext) {
  if (key_files.empty()) return Status::InvalidInput("no recipient key files");
  std::string recipients;
  for (const auto& file : key_files) {
    if (file.string().find('\n') != std::string::npos) {
      return Status::InvalidInput("recipient key file name contains a line break");
    }
    recipients += "--file\n" + file.string() + "\n";
  }
  gpgme_data_t in_raw = nullptr, out_raw = nullptr;
  if (gpgme_error_t err =
          gpgme_data_new_from_mem(&in_raw, plaintext.data(), plaintext.size(), /*copy=*/0)) {
    return GpgError("gpgme data", err);
  }
  Data in(in_raw);
  if (gpgme_error_t err = gpgme_data_new(&out_raw)) return GpgError("gpgme data", err);
  Data out(out_raw);
  // Hidden recipients (gpg --throw-keyids): every session key packet names key ID 0, so a
  // reader of output/ or the queue cannot map a file to its recipients' keys; each decrypter
  // tries its secret keys in turn (gpg and OpenPGP.js both do).
  constexpr auto kEncryptFlags =
      static_cast<gpgme_encrypt_flags_t>(GPGME_ENCRYPT_ALWAYS_TRUST | GPGME_ENCRYPT_THROW_KEYIDS);
  if (gpgme_error_t err = gpgme_op_encrypt_sign_ext(ctx_, nullptr, recipients.c_str(),
                                                    kEncryptFlags, in.get(), out.get())) {
    return GpgError("sign and encrypt", err);
  }
  size_t len = 0;
  char* buf = gpgme_data_release_and_get_mem(out.release(), &len);
  if (buf == nullptr) return Status::IoError("sign and encrypt: no output");
  ciphertext->assign(buf, len);
  gpgme_free(buf);
  return Status::Ok();
}

Status GpgContext::SignDetached(std::string_view data, std::string* signature) {
  gpgme_data_t in_raw = nullptr, out_raw = nullptr;
  if (gpgme_error_t err = gpgme_data_new_from_mem(&in_raw, data.data(), data.size(), /*copy=*/0)) {
    return GpgError("gpgme data", err);
  }
  Data in(in_raw);
  if (gpgme_error_t err = gpgme_data_new(&out_raw)) return GpgError("gpgme data", err);
  Data out(out_raw);
  if (gpgme_signers_count(ctx_) == 0) return Status::InvalidInput("signing: no signer set");
  if (gpgme_error_t err = gpgme_op_sign(ctx_, in.get(), out.get(), GPGME_SIG_MODE_DETACH)) {
    return GpgError("signing", err);
  }
  gpgme_sign_result_t result = gpgme_op_sign_result(ctx_);
  if (result == nullptr || result->invalid_signers != nullptr || result->signatures == nullptr) {
    return Status::IoError("signing: the signer's key could not sign");
  }
  size_t len = 0;
  char* buf = gpgme_data_release_and_get_mem(out.release(), &len);
  if (buf == nullptr || len == 0) {
    gpgme_free(buf);
    return Status::IoError("signing: no output");
  }
  signature->assign(buf, len);
  gpgme_free(buf);
  return Status::Ok();
}

Status GpgContext::InspectKeys(std::string_view data, std::vector<OpenPgpKeyInfo>* keys) {
  Limited limited(this);
  return limited.Check([&]() -> Status {
    keys->clear();
    gpgme_data_t raw = nullptr;
    if (gpgme_error_t err = gpgme_data_new_from_mem(&raw, data.data(), data.size(), /*copy=*/0)) {
      return GpgError("gpgme data", err);
    }
    Data in(raw);
    if (gpgme_error_t err = gpgme_op_keylist_from_data_start(ctx_, in.get(), 0)) {
      return GpgError("reading keys", err);
    }
    for (;;) {
      gpgme_key_t key_raw = nullptr;
      gpgme_error_t err = gpgme_op_keylist_next(ctx_, &key_raw);
      if (gpgme_err_code(err) == GPG_ERR_EOF) break;
      if (err) {
        gpgme_op_keylist_end(ctx_);
        return GpgError("reading keys", err);
      }
      std::unique_ptr<std::remove_pointer_t<gpgme_key_t>, KeyDeleter> key(key_raw);
      OpenPgpKeyInfo info;
      if (key->subkeys != nullptr && key->subkeys->fpr != nullptr) {
        info.fingerprint = key->subkeys->fpr;
      }
      info.revoked = key->revoked;
      info.expired = key->expired;
      info.disabled = key->disabled;
      info.invalid = key->invalid;
      info.secret = key->secret;
      int64_t encrypt_until = -1;  // -1: no usable encryption subkey; 0: never expires.
      for (gpgme_subkey_t sub = key->subkeys; sub != nullptr; sub = sub->next) {
        if (sub->secret) info.secret = true;
        if (!sub->can_encrypt || sub->revoked || sub->expired || sub->disabled || sub->invalid) {
          continue;
        }
        const int64_t until = sub->expires;
        if (encrypt_until != 0 && (until == 0 || until > encrypt_until)) encrypt_until = until;
      }
      info.can_encrypt = encrypt_until >= 0 && !info.revoked && !info.expired;
      const int64_t primary = key->subkeys != nullptr ? key->subkeys->expires : 0;
      info.expires = encrypt_until > 0 ? encrypt_until : 0;
      if (primary > 0 && (info.expires == 0 || primary < info.expires)) info.expires = primary;
      keys->push_back(std::move(info));
    }
    return Status::Ok();
  }());
}

Status GpgContext::CreateSigningKey(const std::string& user_id, std::string* fingerprint) {
  // FORCE: a home whose registry was lost may hold an older key with the same user id.
  const unsigned flags =
      GPGME_CREATE_SIGN | GPGME_CREATE_NOPASSWD | GPGME_CREATE_NOEXPIRE | GPGME_CREATE_FORCE;
  if (gpgme_error_t err =
          gpgme_op_createkey(ctx_, user_id.c_str(), "ed25519", 0, 0, nullptr, flags)) {
    return GpgError("creating the signing key", err);
  }
  gpgme_genkey_result_t result = gpgme_op_genkey_result(ctx_);
  if (result == nullptr || result->fpr == nullptr) {
    return Status::IoError("creating the signing key: no fingerprint");
  }
  *fingerprint = result->fpr;
  return Status::Ok();
}

Status GpgContext::ExportPublicKey(const std::string& fingerprint, std::string* armored) {
  gpgme_data_t raw = nullptr;
  if (gpgme_error_t err = gpgme_data_new(&raw)) return GpgError("gpgme data", err);
  Data out(raw);
  const int old_armor = gpgme_get_armor(ctx_);
  gpgme_set_armor(ctx_, 1);
  gpgme_error_t err =
      gpgme_op_export(ctx_, fingerprint.c_str(), GPGME_EXPORT_MODE_MINIMAL, out.get());
  gpgme_set_armor(ctx_, old_armor);
  if (err) return GpgError("exporting key " + fingerprint, err);
  size_t len = 0;
  char* buf = gpgme_data_release_and_get_mem(out.release(), &len);
  if (buf == nullptr || len == 0) {
    gpgme_free(buf);
    return Status::IoError("exporting key " + fingerprint + ": not found");
  }
  armored->assign(buf, len);
  gpgme_free(buf);
  return Status::Ok();
}

Status GpgContext::ImportKeys(std::string_view data) {
  Limited limited(this);
  return limited.Check([&]() -> Status {
    gpgme_data_t raw = nullptr;
    if (gpgme_error_t err = gpgme_data_new_from_mem(&raw, data.data(), data.size(), /*copy=*/0)) {
      return GpgError("gpgme data", err);
    }
    Data in(raw);
    if (gpgme_error_t err = gpgme_op_import(ctx_, in.get())) return GpgError("importing keys", err);
    gpgme_import_result_t result = gpgme_op_import_result(ctx_);
    if (result == nullptr || result->considered == 0 || result->not_imported > 0) {
      return Status::InvalidInput("importing keys: no usable key in the data");
    }
    return Status::Ok();
  }());
}

Status GpgContext::VerifyDetached(std::string_view signed_data, std::string_view signature,
                                  bool* good, std::string* primary_fingerprint) {
  primary_fingerprint->clear();
  std::string signing;
  PORTAL_RETURN_IF_ERROR(VerifyDetachedQuick(signed_data, signature, good, &signing));
  if (*good) *primary_fingerprint = UsablePrimary(ctx_, signing.c_str());
  *good = !primary_fingerprint->empty();
  return Status::Ok();
}

Status GpgContext::DecryptVerify(std::string_view ciphertext, std::string* plaintext,
                                 std::vector<std::string>* good_signers) {
  good_signers->clear();
  gpgme_data_t in_raw = nullptr, out_raw = nullptr;
  if (gpgme_error_t err =
          gpgme_data_new_from_mem(&in_raw, ciphertext.data(), ciphertext.size(), /*copy=*/0)) {
    return GpgError("gpgme data", err);
  }
  Data in(in_raw);
  if (gpgme_error_t err = gpgme_data_new(&out_raw)) return GpgError("gpgme data", err);
  Data out(out_raw);
  if (gpgme_error_t err = gpgme_op_decrypt_verify(ctx_, in.get(), out.get())) {
    return GpgError("decrypting", err);
  }
  size_t size = 0;
  char* bytes = gpgme_data_release_and_get_mem(out.release(), &size);
  plaintext->assign(bytes != nullptr ? bytes : "", size);
  gpgme_free(bytes);
  gpgme_verify_result_t result = gpgme_op_verify_result(ctx_);
  for (gpgme_signature_t s = result ? result->signatures : nullptr; s != nullptr; s = s->next) {
    if (gpgme_err_code(s->status) != GPG_ERR_NO_ERROR || s->fpr == nullptr ||
        (s->summary & GPGME_SIGSUM_RED) != 0) {
      continue;
    }
    std::string primary = UsablePrimary(ctx_, s->fpr);
    if (!primary.empty()) good_signers->push_back(std::move(primary));
  }
  return Status::Ok();
}

Status GpgContext::SecretKeyFingerprints(std::vector<std::string>* fingerprints) {
  fingerprints->clear();
  if (gpgme_error_t err = gpgme_op_keylist_start(ctx_, nullptr, /*secret_only=*/1)) {
    return GpgError("listing secret keys", err);
  }
  for (;;) {
    gpgme_key_t raw = nullptr;
    const gpgme_error_t err = gpgme_op_keylist_next(ctx_, &raw);
    if (gpgme_err_code(err) == GPG_ERR_EOF) break;
    if (err) return GpgError("listing secret keys", err);
    std::unique_ptr<std::remove_pointer_t<gpgme_key_t>, KeyDeleter> key(raw);
    if (key->revoked || key->expired || key->disabled || key->invalid || key->subkeys == nullptr ||
        key->subkeys->fpr == nullptr) {
      continue;
    }
    fingerprints->push_back(key->subkeys->fpr);
  }
  return Status::Ok();
}

Status GpgContext::VerifyDetachedQuick(std::string_view signed_data, std::string_view signature,
                                       bool* good, std::string* signing_fingerprint) {
  Limited limited(this);
  return limited.Check([&]() -> Status {
    *good = false;
    signing_fingerprint->clear();
    gpgme_data_t sig_raw = nullptr, text_raw = nullptr;
    if (gpgme_error_t err =
            gpgme_data_new_from_mem(&sig_raw, signature.data(), signature.size(), /*copy=*/0)) {
      return GpgError("gpgme data", err);
    }
    Data sig(sig_raw);
    if (gpgme_error_t err = gpgme_data_new_from_mem(&text_raw, signed_data.data(),
                                                    signed_data.size(), /*copy=*/0)) {
      return GpgError("gpgme data", err);
    }
    Data text(text_raw);
    if (gpgme_error_t err = gpgme_op_verify(ctx_, sig.get(), text.get(), nullptr)) {
      // Not a signature at all (garbage, wrong packet): a bad signature, not a system failure.
      if (gpgme_err_code(err) == GPG_ERR_NO_DATA || gpgme_err_code(err) == GPG_ERR_BAD_DATA) {
        return Status::Ok();
      }
      return GpgError("verifying", err);
    }
    gpgme_verify_result_t result = gpgme_op_verify_result(ctx_);
    if (result == nullptr || result->signatures == nullptr || result->signatures->next != nullptr) {
      // None, or more than one: not what a request carries.
      return Status::Ok();
    }
    const gpgme_signature_t s = result->signatures;
    constexpr unsigned kBad = GPGME_SIGSUM_RED | GPGME_SIGSUM_KEY_REVOKED |
                              GPGME_SIGSUM_KEY_EXPIRED | GPGME_SIGSUM_SIG_EXPIRED |
                              GPGME_SIGSUM_KEY_MISSING | GPGME_SIGSUM_BAD_POLICY |
                              GPGME_SIGSUM_SYS_ERROR;
    if (gpgme_err_code(s->status) != GPG_ERR_NO_ERROR || s->fpr == nullptr ||
        (s->summary & kBad) != 0 || s->wrong_key_usage) {
      return Status::Ok();
    }
    *signing_fingerprint = s->fpr;
    *good = true;
    return Status::Ok();
  }());
}

Status GpgContext::KeyFingerprints(std::vector<std::pair<std::string, std::string>>* pairs) {
  pairs->clear();
  if (gpgme_error_t err = gpgme_op_keylist_start(ctx_, nullptr, /*secret_only=*/0)) {
    return GpgError("listing keys", err);
  }
  for (;;) {
    gpgme_key_t raw = nullptr;
    const gpgme_error_t err = gpgme_op_keylist_next(ctx_, &raw);
    if (gpgme_err_code(err) == GPG_ERR_EOF) break;
    if (err) return GpgError("listing keys", err);
    std::unique_ptr<std::remove_pointer_t<gpgme_key_t>, KeyDeleter> key(raw);
    if (key->subkeys == nullptr || key->subkeys->fpr == nullptr) continue;
    for (gpgme_subkey_t sub = key->subkeys; sub != nullptr; sub = sub->next) {
      if (sub->fpr != nullptr) pairs->emplace_back(sub->fpr, key->subkeys->fpr);
    }
  }
  return Status::Ok();
}

}  // namespace portal
