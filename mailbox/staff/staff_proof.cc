#include "mailbox/staff/staff_proof.h"

#include <gpgme.h>
#include <stdlib.h>

#include <system_error>

#include "core/openpgp_packets.h"
#include "core/sha256.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

Status GpgError(const std::string& what, gpgme_error_t err) {
  return Status::IoError(what + ": " + gpgme_strerror(err));
}

struct DataDeleter {
  void operator()(gpgme_data_t d) const { gpgme_data_release(d); }
};
using Data = std::unique_ptr<std::remove_pointer_t<gpgme_data_t>, DataDeleter>;

struct KeyDeleter {
  void operator()(gpgme_key_t k) const { gpgme_key_unref(k); }
};
using Key = std::unique_ptr<std::remove_pointer_t<gpgme_key_t>, KeyDeleter>;

Status DataFrom(std::string_view bytes, Data* out) {
  gpgme_data_t raw = nullptr;
  if (gpgme_error_t err = gpgme_data_new_from_mem(&raw, bytes.data(), bytes.size(), /*copy=*/0)) {
    return GpgError("gpgme data", err);
  }
  out->reset(raw);
  return Status::Ok();
}

bool StrongHash(gpgme_hash_algo_t algo) {
  return algo == GPGME_MD_SHA256 || algo == GPGME_MD_SHA384 || algo == GPGME_MD_SHA512;
}

}  // namespace

struct ProofHome::Gpgme {
  gpgme_ctx_t ctx = nullptr;
  ~Gpgme() {
    if (ctx != nullptr) gpgme_release(ctx);
  }
};

ProofHome::ProofHome(fs::path dir, std::unique_ptr<Gpgme> gpg)
    : dir_(std::move(dir)), gpg_(std::move(gpg)) {}

ProofHome::~ProofHome() {
  gpg_.reset();  // No gpg runs on the home any more.
  std::error_code ec;
  fs::remove_all(dir_, ec);  // Public keys only: nothing secret is left behind if this fails.
}

Status ProofHome::Create(std::unique_ptr<ProofHome>* out) {
  std::error_code ec;
  std::string tmpl = (fs::temp_directory_path(ec) / "portal-staff-proof-XXXXXX").string();
  if (ec) return Status::IoError("no temporary folder: " + ec.message());
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return Status::IoError(tmpl + ": cannot create a folder for checking signatures");
  }
  const fs::path dir = tmpl;
  auto gpg = std::make_unique<Gpgme>();
  std::unique_ptr<ProofHome> home(new ProofHome(dir, nullptr));  // Removes `dir` on failure.
  PORTAL_RETURN_IF_ERROR(PrepareGnupgHome(dir));
  gpgme_check_version(nullptr);
  if (gpgme_error_t err = gpgme_new(&gpg->ctx)) return GpgError("gpgme", err);
  if (gpgme_error_t err =
          gpgme_ctx_set_engine_info(gpg->ctx, GPGME_PROTOCOL_OpenPGP, nullptr, dir.c_str())) {
    return GpgError(dir.string(), err);
  }
  home->gpg_ = std::move(gpg);
  *out = std::move(home);
  return Status::Ok();
}

Status ProofHome::AddKey(std::string_view key_data) {
  Data in;
  PORTAL_RETURN_IF_ERROR(DataFrom(key_data, &in));
  if (gpgme_error_t err = gpgme_op_import(gpg_->ctx, in.get())) {
    return GpgError("importing a staff key", err);
  }
  gpgme_import_result_t result = gpgme_op_import_result(gpg_->ctx);
  if (result == nullptr || result->considered == 0 || result->not_imported > 0) {
    return Status::InvalidInput("a pinned staff key file holds no usable key");
  }
  return Status::Ok();
}

Status ProofHome::Check(const std::string& fingerprint, std::string_view data,
                        std::string_view signature, bool allow_expired, bool* good) {
  *good = false;
  if (!CheckDetachedSignature(signature).ok()) return Status::Ok();
  Data sig, text;
  PORTAL_RETURN_IF_ERROR(DataFrom(signature, &sig));
  PORTAL_RETURN_IF_ERROR(DataFrom(data, &text));
  if (gpgme_error_t err = gpgme_op_verify(gpg_->ctx, sig.get(), text.get(), nullptr)) {
    if (gpgme_err_code(err) == GPG_ERR_NO_DATA || gpgme_err_code(err) == GPG_ERR_BAD_DATA) {
      return Status::Ok();
    }
    return GpgError("verifying a staff signature", err);
  }
  gpgme_verify_result_t result = gpgme_op_verify_result(gpg_->ctx);
  if (result == nullptr || result->signatures == nullptr || result->signatures->next != nullptr) {
    return Status::Ok();
  }
  const gpgme_signature_t s = result->signatures;
  unsigned bad = GPGME_SIGSUM_RED | GPGME_SIGSUM_KEY_REVOKED | GPGME_SIGSUM_KEY_MISSING |
                 GPGME_SIGSUM_SIG_EXPIRED | GPGME_SIGSUM_BAD_POLICY | GPGME_SIGSUM_SYS_ERROR;
  if (!allow_expired) bad |= GPGME_SIGSUM_KEY_EXPIRED;
  const gpgme_err_code_t status = gpgme_err_code(s->status);
  const bool status_ok =
      status == GPG_ERR_NO_ERROR || (allow_expired && status == GPG_ERR_KEY_EXPIRED);
  if (!status_ok || s->fpr == nullptr || (s->summary & bad) != 0 || s->wrong_key_usage ||
      !StrongHash(s->hash_algo)) {
    return Status::Ok();
  }
  // The signing (sub)key's primary must be the claimed key. When the primary itself signed (the
  // usual staff key), the summary already said it is not revoked (nor expired, unless allowed):
  // no key listing, one gpg process less.
  if (fingerprint == s->fpr) {
    *good = true;
    return Status::Ok();
  }
  gpgme_key_t raw = nullptr;
  if (gpgme_get_key(gpg_->ctx, s->fpr, &raw, /*secret=*/0) != 0 || raw == nullptr) {
    return Status::Ok();
  }
  Key key(raw);
  if (key->revoked || key->disabled || key->invalid || (!allow_expired && key->expired) ||
      key->subkeys == nullptr || key->subkeys->fpr == nullptr) {
    return Status::Ok();
  }
  *good = fingerprint == key->subkeys->fpr;
  return Status::Ok();
}

std::string IdentityChallenge(const std::string& fingerprint, int64_t now) {
  return "portal-staff identity v1\n" + RandomHex(32) + "\n" + std::to_string(now) + "\n" +
         fingerprint + "\n";
}

Status ProveStaffKey(GpgContext* gpg, const std::string& fingerprint, std::string_view pinned_key,
                     int64_t now, bool* proven, std::string* why) {
  *proven = false;
  const std::string challenge = IdentityChallenge(fingerprint, now);
  std::string signature;
  Status signed_ok = gpg->SetSigner(fingerprint);
  if (signed_ok.ok()) signed_ok = gpg->SignDetached(challenge, &signature);
  if (!signed_ok.ok()) {
    // gpg's own words say which: "No SmartCard daemon" / "Card error" for a stub, "No secret
    // key", or a passphrase the agent does not hold yet (unlock the key, e.g. by signing once).
    *why = "its gpg-agent could not sign with it (" + signed_ok.message() +
           "): the secret key is not there (a smart-card stub, a key without its private part, a "
           "missing card) or is locked";
    return Status::Ok();
  }
  std::unique_ptr<ProofHome> home;
  PORTAL_RETURN_IF_ERROR(ProofHome::Create(&home));
  PORTAL_RETURN_IF_ERROR(home->AddKey(pinned_key));
  PORTAL_RETURN_IF_ERROR(
      home->Check(fingerprint, challenge, signature, /*allow_expired=*/false, proven));
  if (!*proven) {
    *why = "its signature over a fresh challenge does not verify against the pinned public key";
  }
  return Status::Ok();
}

}  // namespace portal
