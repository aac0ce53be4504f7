// portal-staff ehr-key create | show: the portal's private key for the EHR's token endpoint
// (SMART Backend Services; `portal-gen pull` signs its client assertions with it). create makes
// the key once and prints the public key set to register with the EHR; it never replaces a key,
// which the EHR knows by its kid. Creating one is audited under the OS user who did it.
#include <cstdio>
#include <memory>

#include "core/command_output.h"
#include "core/ehr_key.h"
#include "core/file_util.h"
#include "mailbox/staff/audit_log.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/staff_identity.h"
#include "mailbox/staff/staff_session.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace {

namespace fs = std::filesystem;

struct EhrKeyOptions {
  std::string alg = "ES384";  // create: ES384 or RS384.
  std::string path;           // create --out, show --key; "" = the state directory's key.
  bool json = false;
};

// A new EHR key changes what may fetch records from the EHR: audited, without a staff key (an
// administrator may hold none), like a staff key change.
Status AuditCreated(const Session& s, const EhrKey& key, int64_t now) {
  std::unique_ptr<AuditLog> audit;
  PORTAL_RETURN_IF_ERROR(OpenAuditTrail(s, &audit));
  AuditEntry e;
  e.at = now;
  e.os_user = ActingUser();
  e.action = "ehr-key-create";
  e.detail = std::string(key.alg_name()) + " key, kid " + key.kid();
  return audit->Append(e, nullptr);
}

// The public key set alone as text (what the EHR's registration takes); with --json also its
// kid, algorithm and the private key's path.
void PrintKey(const EhrKey& key, const fs::path& path, bool json) {
  const nlohmann::ordered_json jwks = key.PublicJwksJson();
  const nlohmann::ordered_json value = {
      {"kid", key.kid()}, {"alg", key.alg_name()}, {"path", path.string()}, {"jwks", jwks}};
  PrintResult(json, value, jwks.dump(2));
}

Status RunCreate(const std::string& config_path, const EhrKeyOptions& o, const Clock& clock) {
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(config_path, &s));
  fs::path path = o.path;
  if (path.empty()) {
    path = s.layout->ehr_key;
    PORTAL_RETURN_IF_ERROR(MakeDirectoriesWithMode(s.layout->ehr_dir, 0700));
  }
  const EhrKeyAlgorithm alg = o.alg == "RS384" ? EhrKeyAlgorithm::kRS384 : EhrKeyAlgorithm::kES384;
  std::unique_ptr<EhrKey> key;
  PORTAL_RETURN_IF_ERROR(EhrKey::Create(path, alg, &key));
  const Status audited = AuditCreated(s, *key, clock.Now());
  if (!audited.ok()) {
    // Not shown to anyone yet, so registered nowhere: removed, so every key in use is audited.
    PORTAL_RETURN_IF_ERROR(RemoveFileDurably(path));
    return audited.WithPrefix("ehr key not created");
  }
  if (!o.json) {
    std::fprintf(stderr,
                 "portal-staff: created ehr key %s (%s, kid %s); register this public key set "
                 "with the EHR:\n",
                 path.c_str(), key->alg_name(), key->kid().c_str());
  }
  PrintKey(*key, path, o.json);
  return Status::Ok();
}

Status RunShow(const std::string& config_path, const EhrKeyOptions& o) {
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(config_path, &s));
  const fs::path path = o.path.empty() ? s.layout->ehr_key : fs::path(o.path);
  std::error_code ec;
  if (o.path.empty() && !fs::exists(fs::symlink_status(path, ec))) {
    return Status::InvalidInput("no ehr key at " + path.string() +
                                " (portal-staff ehr-key create makes one)");
  }
  std::unique_ptr<EhrKey> key;
  PORTAL_RETURN_IF_ERROR(EhrKey::Load(path, &key));
  PrintKey(*key, path, o.json);
  return Status::Ok();
}

}  // namespace

void RegisterEhrKeyCommands(CommandTable* table, const Clock& clock) {
  CLI::App* group = table->Group(
      "ehr-key", "The portal's key for the EHR's token endpoint (SMART Backend Services)");
  auto o = std::make_shared<EhrKeyOptions>();
  CLI::App* create = table->Add(
      group, "create", "Create the key once and print its public key set to register with the EHR",
      [table, o, &clock] { return RunCreate(table->config_path(), *o, clock); });
  create->add_option("--alg", o->alg, "ES384 (EC P-384, the default) or RS384 (RSA 3072)")
      ->check(CLI::IsMember({"ES384", "RS384"}));
  create->add_option("--out", o->path,
                     "Where to write the private key (its folder must exist; default "
                     "<state_dir>/ehr/ehr-key.pem)");
  create->add_flag("--json", o->json, "JSON output");
  CLI::App* show = table->Add(group, "show", "Print the existing key's public key set",
                              [table, o] { return RunShow(table->config_path(), *o); });
  show->add_option("--key", o->path, "The private key file (default <state_dir>/ehr/ehr-key.pem)");
  show->add_flag("--json", o->json, "JSON output");
}

}  // namespace portal
