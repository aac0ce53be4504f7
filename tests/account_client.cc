#include "tests/account_client.h"

#include <argon2.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <memory>
#include <sstream>

#include "core/base64.h"
#include "tests/test_util.h"

namespace portal::testing {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

const std::string kGpg = "/usr/bin/gpg";

struct KdfFree {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};

// HKDF-SHA256 (RFC 5869) with an empty salt, through OpenSSL's EVP_KDF "HKDF".
Status Hkdf(std::string_view ikm, std::string_view info, size_t length, std::string* out) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return Status::IoError("OpenSSL has no HKDF");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return Status::IoError("HKDF context");
  char digest[] = "SHA256";
  // No salt parameter: OpenSSL then uses the empty salt, which RFC 5869 reads as HashLen zeros.
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(ikm.data()),
                                        ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()),
                                        info.size()),
      OSSL_PARAM_construct_end()};
  out->assign(length, '\0');
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out->data()), length, params) !=
      1) {
    return Status::IoError("HKDF failed");
  }
  return Status::Ok();
}

std::string RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  BOOST_REQUIRE(RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) ==
                1);
  return bytes;
}

// Runs argv (no shell) with `input` on its stdin; stdout and stderr captured together.
CommandResult RunWithInput(const std::vector<std::string>& argv, const std::string& input) {
  std::vector<char*> args = ExecArgs(argv);  // Before fork (tests/test_util.h says why).
  int in[2], out[2];
  BOOST_REQUIRE(pipe(in) == 0 && pipe(out) == 0);
  const pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1]}) close(fd);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  // Inputs are a passphrase or two: far below a pipe's buffer, so writing first cannot block.
  const ssize_t written = write(in[1], input.data(), input.size());
  close(in[1]);
  CommandResult result;
  char buf[4096];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) {
    result.out.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (written != static_cast<ssize_t>(input.size())) result.exit_code = 126;
  return result;
}

// gpg's output is the test's own (no PHI): it goes into the error for the test log.
Status GpgFailed(const std::string& what, const CommandResult& r) {
  return Status::IoError("gpg " + what + " failed: " + r.out);
}

std::string FirstFingerprint(const std::string& colons) {
  std::istringstream in(colons);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("fpr:")) return line.substr(12, line.find(':', 12) - 12);
  }
  return "";
}

nlohmann::json ParseOrNull(const std::string& body) {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

// ---- the derivation ----

Status DeriveAccountKeys(std::string_view password, const KdfSettings& kdf, AccountKeys* out) {
  if (kdf.salt.size() != 16) return Status::InvalidInput("kdf: the salt is not 16 bytes");
  std::string master(32, '\0');
  const int rc = argon2id_hash_raw(static_cast<uint32_t>(kdf.t), static_cast<uint32_t>(kdf.m_kib),
                                   static_cast<uint32_t>(kdf.p), password.data(), password.size(),
                                   kdf.salt.data(), kdf.salt.size(), master.data(), master.size());
  if (rc != ARGON2_OK) {
    return Status::InvalidInput(std::string("Argon2id: ") + argon2_error_message(rc));
  }
  std::string passphrase;
  PORTAL_RETURN_IF_ERROR(Hkdf(master, "portal auth key v1", 32, &out->auth_key));
  PORTAL_RETURN_IF_ERROR(Hkdf(master, "portal key passphrase v1", 32, &passphrase));
  out->key_passphrase = Base64Encode(passphrase);
  return Status::Ok();
}

KdfSettings NewKdfSettings() {
  KdfSettings kdf;  // t = 3, m = 65536 KiB, p = 4 by default.
  kdf.salt = RandomBytes(16);
  return kdf;
}

ojson KdfToJson(const KdfSettings& kdf) {
  return {{"alg", "argon2id"},
          {"t", kdf.t},
          {"m", kdf.m_kib},
          {"p", kdf.p},
          {"salt", Base64Encode(kdf.salt)}};
}

Status KdfFromJson(const nlohmann::json& j, KdfSettings* out) {
  if (!j.is_object() || j.size() != 5 || !j.contains("alg") || j["alg"] != "argon2id") {
    return Status::InvalidInput("kdf: not the argon2id object");
  }
  for (const char* k : {"t", "m", "p"}) {
    if (!j.contains(k) || !j[k].is_number_integer()) {
      return Status::InvalidInput(std::string("kdf: ") + k + " is not a number");
    }
  }
  if (!j.contains("salt") || !j["salt"].is_string() ||
      !Base64Decode(j["salt"].get<std::string>(), &out->salt) || out->salt.size() != 16) {
    return Status::InvalidInput("kdf: salt is not base64 of 16 bytes");
  }
  out->t = j["t"].get<int64_t>();
  out->m_kib = j["m"].get<int64_t>();
  out->p = j["p"].get<int64_t>();
  return Status::Ok();
}

// ---- the device ----

AccountDevice::AccountDevice(const fs::path& dir, const std::string& name)
    : home_(dir / name), scratch_(dir / (name + "-files")) {
  BOOST_REQUIRE(::mkdir(home_.c_str(), 0700) == 0);
  BOOST_REQUIRE(::mkdir(scratch_.c_str(), 0700) == 0);
  Spit(home_ / "gpg.conf", "no-random-seed-file\n");
  // Loopback so the passphrase comes from us, not a pinentry; no cache, so a wrong passphrase
  // always fails (a real client keeps only the unlocked key in memory).
  Spit(home_ / "gpg-agent.conf", "allow-loopback-pinentry\ndefault-cache-ttl 0\nmax-cache-ttl 0\n");
}

AccountDevice::~AccountDevice() {
  RunCommand({"/usr/bin/env", "GNUPGHOME=" + home_.string(), "/usr/bin/gpgconf", "--kill", "all"});
}

Status AccountDevice::GenerateKey(const std::string& uid, const std::string& passphrase) {
  const std::vector<std::string> gpg = {kGpg,
                                        "--homedir",
                                        home_.string(),
                                        "--batch",
                                        "--pinentry-mode",
                                        "loopback",
                                        "--passphrase-fd",
                                        "0"};
  auto argv = gpg;
  argv.insert(argv.end(), {"--quick-gen-key", uid, "ed25519", "sign,cert", "never"});
  auto r = RunWithInput(argv, passphrase);
  if (r.exit_code != 0) return GpgFailed("--quick-gen-key", r);
  r = RunCommand({kGpg, "--homedir", home_.string(), "--batch", "--with-colons", "--list-keys"});
  fingerprint_ = FirstFingerprint(r.out);
  if (fingerprint_.size() != 40) return GpgFailed("--list-keys", r);
  argv = gpg;
  argv.insert(argv.end(), {"--quick-add-key", fingerprint_, "cv25519", "encr", "never"});
  r = RunWithInput(argv, passphrase);
  if (r.exit_code != 0) return GpgFailed("--quick-add-key", r);
  passphrase_ = passphrase;
  return Status::Ok();
}

Status AccountDevice::ExportPublicKey(std::string* armored) const {
  const fs::path file = scratch_ / "public.asc";
  const auto r = RunCommand({kGpg, "--homedir", home_.string(), "--batch", "--yes", "--armor",
                             "--output", file.string(), "--export", fingerprint_});
  if (r.exit_code != 0) return GpgFailed("--export", r);
  *armored = Slurp(file);
  fs::remove(file);
  return Status::Ok();
}

Status AccountDevice::ExportKeyBlob(std::string* armored) const {
  const fs::path file = scratch_ / "blob.asc";
  // gpg 2.2 exports the secret key protected by its passphrase (iterated+salted S2K, CFB),
  // which OpenPGP.js reads; it asks for the passphrase to do so.
  const auto r = RunWithInput({kGpg, "--homedir", home_.string(), "--batch", "--yes",
                               "--pinentry-mode", "loopback", "--passphrase-fd", "0", "--armor",
                               "--output", file.string(), "--export-secret-keys", fingerprint_},
                              passphrase_);
  if (r.exit_code != 0) return GpgFailed("--export-secret-keys", r);
  *armored = Slurp(file);
  fs::remove(file);
  return Status::Ok();
}

Status AccountDevice::ImportKeyBlob(const std::string& blob, const std::string& passphrase) {
  const fs::path file = scratch_ / "blob.asc";
  Spit(file, blob);
  auto r = RunCommand({kGpg, "--homedir", home_.string(), "--batch", "--import", file.string()});
  fs::remove(file);
  if (r.exit_code != 0) return GpgFailed("--import", r);
  r = RunCommand(
      {kGpg, "--homedir", home_.string(), "--batch", "--with-colons", "--list-secret-keys"});
  fingerprint_ = FirstFingerprint(r.out);
  if (fingerprint_.size() != 40) return Status::InvalidInput("the key blob holds no secret key");
  passphrase_ = passphrase;
  std::string probe;
  const Status unlocked = Sign("unlock", &probe);
  if (!unlocked.ok()) passphrase_.clear();
  return unlocked.ok() ? Status::Ok()
                       : Status::InvalidInput("the passphrase does not open the key blob");
}

Status AccountDevice::ChangePassphrase(const std::string& new_passphrase) {
  // In loopback mode gpg 2.2's --passwd asks on the command fd for the old passphrase and the
  // new one, and sometimes (the subkey, depending on the agent's state) for the new one again:
  // a third line answers that and is left unread otherwise.
  const auto r = RunWithInput({kGpg, "--homedir", home_.string(), "--batch", "--pinentry-mode",
                               "loopback", "--command-fd", "0", "--passwd", fingerprint_},
                              passphrase_ + "\n" + new_passphrase + "\n" + new_passphrase + "\n");
  if (r.exit_code != 0) return GpgFailed("--passwd", r);
  passphrase_ = new_passphrase;
  return Status::Ok();
}

Status AccountDevice::Sign(const std::string& data, std::string* signature) const {
  static std::atomic<int> counter{0};
  const std::string n = std::to_string(++counter);
  const fs::path in = scratch_ / ("to-sign-" + n);
  const fs::path sig = scratch_ / ("to-sign-" + n + ".sig");
  Spit(in, data);
  const auto r =
      RunWithInput({kGpg, "--homedir", home_.string(), "--batch", "--yes", "--pinentry-mode",
                    "loopback", "--passphrase-fd", "0", "--local-user", fingerprint_ + "!",
                    "--output", sig.string(), "--detach-sign", in.string()},
                   passphrase_);
  fs::remove(in);
  if (r.exit_code != 0) {
    fs::remove(sig);
    return GpgFailed("--detach-sign", r);
  }
  *signature = Slurp(sig);
  fs::remove(sig);
  return Status::Ok();
}

Status AccountDevice::Decrypt(const std::string& sealed, const fs::path& trusted_key,
                              std::string* plaintext, std::string* signed_by) const {
  plaintext->clear();
  signed_by->clear();
  if (!trusted_key.empty()) {
    const auto r = RunCommand(
        {kGpg, "--homedir", home_.string(), "--batch", "--import", trusted_key.string()});
    if (r.exit_code != 0) return GpgFailed("--import", r);
  }
  const fs::path in = scratch_ / "sealed.pgp";
  const fs::path out = scratch_ / "opened";
  Spit(in, sealed);
  fs::remove(out);
  const auto r = RunWithInput({kGpg, "--homedir", home_.string(), "--batch", "--yes",
                               "--pinentry-mode", "loopback", "--passphrase-fd", "0", "--status-fd",
                               "1", "--output", out.string(), "--decrypt", in.string()},
                              passphrase_);
  fs::remove(in);
  const bool opened =
      r.exit_code == 0 && r.out.find("[GNUPG:] DECRYPTION_OKAY") != std::string::npos;
  if (opened) *plaintext = Slurp(out);
  fs::remove(out);
  if (!opened) return GpgFailed("--decrypt", r);
  // VALIDSIG's last field is the primary key's fingerprint.
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("[GNUPG:] VALIDSIG ")) continue;
    *signed_by = line.substr(line.rfind(' ') + 1);
  }
  if (r.out.find("[GNUPG:] GOODSIG ") == std::string::npos) signed_by->clear();
  return Status::Ok();
}

// ---- bodies ----

std::string PreloginBody(const std::string& logon_id) {
  return ojson{{"logon_id", logon_id}}.dump();
}

std::string SessionBody(const std::string& logon_id, const std::string& auth_key) {
  return ojson{{"logon_id", logon_id}, {"auth_key", Base64Encode(auth_key)}}.dump();
}

std::string CodeRequestBody(const std::string& mrn, const std::string& email) {
  return ojson{{"mrn", mrn}, {"email", email}}.dump();
}

namespace {

ojson KeyFields(const ActivationFields& f, bool with_logon_id) {
  ojson j = {{"code", f.code}};
  if (f.mrn) j["mrn"] = *f.mrn;
  j["birth_date"] = f.birth_date;
  if (with_logon_id) j["logon_id"] = f.logon_id;
  j["public_key"] = f.public_key;
  j["key_blob"] = f.key_blob;
  j["kdf"] = KdfToJson(f.kdf);
  j["auth_key"] = Base64Encode(f.auth_key);
  j["nonce"] = f.nonce;
  j["timestamp"] = f.timestamp;
  return j;
}

}  // namespace

std::string ActivationBody(const ActivationFields& f) { return KeyFields(f, true).dump(); }

std::string KeyResetBody(const ActivationFields& f) { return KeyFields(f, false).dump(); }

std::string KeyBlobBody(const std::string& fingerprint, const std::string& old_auth_key,
                        const std::string& auth_key, const KdfSettings& kdf,
                        const std::string& key_blob, const std::string& nonce,
                        const std::string& timestamp) {
  return ojson{{"fingerprint", fingerprint},
               {"old_auth_key", Base64Encode(old_auth_key)},
               {"auth_key", Base64Encode(auth_key)},
               {"kdf", KdfToJson(kdf)},
               {"key_blob", key_blob},
               {"nonce", nonce},
               {"timestamp", timestamp}}
      .dump();
}

std::string ProxyLinkBody(const std::string& fingerprint, const std::string& code,
                          const std::string& birth_date, const std::string& nonce,
                          const std::string& timestamp) {
  return ojson{{"fingerprint", fingerprint},
               {"code", code},
               {"birth_date", birth_date},
               {"nonce", nonce},
               {"timestamp", timestamp}}
      .dump();
}

std::string AccountNonce() {
  static const char kChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";  // 64: no bias.
  std::string nonce;
  for (unsigned char byte : RandomBytes(24)) nonce += kChars[byte % 64];
  return nonce;
}

// ---- calls ----

HttpResult SendJson(uint16_t port, const std::string& method, const std::string& path,
                    const std::string& body, const AccountDevice* signer) {
  std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}};
  if (signer != nullptr) {
    std::string signature;
    const Status st = signer->Sign(body, &signature);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    headers["Portal-Signature"] = Base64Encode(signature);
  }
  return HttpCall(port, method, path, headers, body);
}

HttpResult GetMe(uint16_t port, const AccountDevice& device, const std::string& nonce_in,
                 const std::string& timestamp_in) {
  const std::string nonce = nonce_in.empty() ? AccountNonce() : nonce_in;
  const std::string ts = timestamp_in.empty() ? InstantFromNow() : timestamp_in;
  const std::string text = "GET /v1/me\n" + device.fingerprint() + "\n" + ts + "\n" + nonce + "\n";
  std::string signature;
  const Status st = device.Sign(text, &signature);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  return HttpCall(port, "GET", "/v1/me",
                  {{"Portal-Key", device.fingerprint()},
                   {"Portal-Timestamp", ts},
                   {"Portal-Nonce", nonce},
                   {"Portal-Signature", Base64Encode(signature)}},
                  "");
}

Status SignUp(uint16_t port, const fs::path& dir, const std::string& device_name,
              const std::string& password, ActivationFields fields, bool reset,
              AccountSession* session, HttpResult* result) {
  session->logon_id = fields.logon_id;
  session->password = password;
  session->kdf = NewKdfSettings();
  PORTAL_RETURN_IF_ERROR(DeriveAccountKeys(password, session->kdf, &session->keys));
  session->device = std::make_unique<AccountDevice>(dir, device_name);
  // The user ID says nothing about the patient: the app names the key for the portal only.
  PORTAL_RETURN_IF_ERROR(
      session->device->GenerateKey("Patient Portal key", session->keys.key_passphrase));
  PORTAL_RETURN_IF_ERROR(session->device->ExportPublicKey(&fields.public_key));
  PORTAL_RETURN_IF_ERROR(session->device->ExportKeyBlob(&fields.key_blob));
  fields.kdf = session->kdf;
  fields.auth_key = session->keys.auth_key;
  if (fields.nonce.empty()) fields.nonce = AccountNonce();
  if (fields.timestamp.empty()) fields.timestamp = InstantFromNow();
  const std::string body = reset ? KeyResetBody(fields) : ActivationBody(fields);
  *result = SendJson(port, "POST", reset ? "/v1/key-resets" : "/v1/activations", body,
                     session->device.get());
  session->answer = ParseOrNull(result->body);
  return Status::Ok();
}

Status SignIn(uint16_t port, const fs::path& dir, const std::string& device_name,
              const std::string& logon_id, const std::string& password, AccountSession* session,
              HttpResult* result) {
  session->logon_id = logon_id;
  session->password = password;
  *result = SendJson(port, "POST", "/v1/prelogin", PreloginBody(logon_id), nullptr);
  if (result->status != 200) {
    return Status::InvalidInput("prelogin answered " + std::to_string(result->status));
  }
  const nlohmann::json pre = ParseOrNull(result->body);
  if (!pre.is_object() || !pre.contains("kdf")) return Status::InvalidInput("prelogin: no kdf");
  PORTAL_RETURN_IF_ERROR(KdfFromJson(pre["kdf"], &session->kdf));
  PORTAL_RETURN_IF_ERROR(DeriveAccountKeys(password, session->kdf, &session->keys));
  *result = SendJson(port, "POST", "/v1/sessions", SessionBody(logon_id, session->keys.auth_key),
                     nullptr);
  session->answer = ParseOrNull(result->body);
  if (result->status != 200) {
    return Status::InvalidInput("sessions answered " + std::to_string(result->status));
  }
  const nlohmann::json& a = session->answer;
  if (!a.is_object() || !a.contains("key_blob") || !a["key_blob"].is_string() ||
      !a.contains("fingerprint") || !a["fingerprint"].is_string()) {
    return Status::InvalidInput("sessions: no key_blob or fingerprint");
  }
  session->device = std::make_unique<AccountDevice>(dir, device_name);
  PORTAL_RETURN_IF_ERROR(session->device->ImportKeyBlob(a["key_blob"].get<std::string>(),
                                                        session->keys.key_passphrase));
  if (session->device->fingerprint() != a["fingerprint"].get<std::string>()) {
    return Status::InvalidInput("sessions: the blob's key is not the account's fingerprint");
  }
  return Status::Ok();
}

}  // namespace portal::testing
