#include "mailbox/staff/staff_session.h"

#include <regex>
#include <vector>

#include "core/file_util.h"
#include "core/gpg.h"
#include "core/patient_eligibility.h"
#include "core/record_store.h"

namespace portal {

Status OpenSession(const std::string& config_path, Session* s) {
  PORTAL_RETURN_IF_ERROR(LoadConfig(config_path, &s->config));
  s->layout = std::make_unique<StateLayout>(s->config.paths.state_dir);
  std::string signing;
  PORTAL_RETURN_IF_ERROR(CheckStateDir(*s->layout, &signing));
  return EnrollmentRegistry::Open(s->layout->registry_db, s->layout->keys_dir, &s->registry);
}

Status CheckMrnFormat(const PortalConfig& config, const std::string& mrn) {
  if (!std::regex_match(mrn, std::regex(config.mrn.pattern))) {
    return Status::Usage("--mrn does not have the hospital's MRN format (" +
                         config.mrn.description + ", e.g. " + config.mrn.example + ")");
  }
  return Status::Ok();
}

Status CheckEligiblePatient(const Session& s, const std::string& mrn, int64_t now,
                            std::string* patient_id_out) {
  std::unique_ptr<RecordStore> store;
  std::error_code ec;
  if (!std::filesystem::exists(s.layout->records_db, ec)) {
    return Status::InvalidInput("the record store is empty (run portal-gen ingest first)");
  }
  PORTAL_RETURN_IF_ERROR(RecordStore::Open(s.layout->records_db, &store));
  std::string patient_id;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(store->PatientByMrn(mrn, &patient_id, &found));
  if (!found) {
    return Status::InvalidInput(
        "refused: no patient with this MRN in the record store (check the number; a new "
        "patient appears after the next extract)");
  }
  std::vector<RecordStore::StoredResource> resources;
  PORTAL_RETURN_IF_ERROR(store->ResourcesOf(patient_id, &resources));
  for (const auto& r : resources) {
    if (r.type != "Patient") continue;
    PatientFacts facts;
    facts.mrn = mrn;
    PORTAL_RETURN_IF_ERROR(
        ReadPatientFacts(r.json, s.config.release.emancipated_extension_url, &facts));
    const Eligibility e =
        DecideEligibility(s.config.release, s.config.site.zone, facts, now, nullptr);
    if (e != Eligibility::kEligible) {
      return Status::InvalidInput(std::string("refused: ") + EligibilityReason(e));
    }
    *patient_id_out = patient_id;
    return Status::Ok();
  }
  return Status::InvalidInput(std::string("refused: ") +
                              EligibilityReason(Eligibility::kNoPatient));
}

Status ReadUsableKey(const Session& s, const std::string& key_file, EnrolledKey* key,
                     std::string* data) {
  // The key file's name may carry the person's name: errors say "the key file" instead.
  if (!ReadFile(key_file, data).ok()) {
    return Status::IoError("cannot read the key file given with --key");
  }
  std::unique_ptr<GpgContext> gpg;
  PORTAL_RETURN_IF_ERROR(GpgContext::Open(s.layout->scratch_home, true, &gpg));
  std::vector<OpenPgpKeyInfo> keys;
  PORTAL_RETURN_IF_ERROR(gpg->InspectKeys(*data, &keys).WithPrefix("the key file"));
  const std::string refused = "refused: the key file ";  // + "holds ..."
  if (keys.empty()) return Status::InvalidInput(refused + "holds no OpenPGP key");
  if (keys.size() > 1) {
    return Status::InvalidInput(refused + "holds " + std::to_string(keys.size()) +
                                " keys; export exactly one");
  }
  const OpenPgpKeyInfo& k = keys[0];
  if (k.secret) {
    return Status::InvalidInput(refused +
                                "holds a PRIVATE key; it was not stored. Ask for the public "
                                "key only (gpg --export), and tell the person to keep the "
                                "private key secret");
  }
  if (k.revoked) return Status::InvalidInput("refused: the key " + k.fingerprint + " is revoked");
  if (k.expired) return Status::InvalidInput("refused: the key " + k.fingerprint + " has expired");
  if (k.disabled || k.invalid) {
    return Status::InvalidInput("refused: the key " + k.fingerprint + " is not usable");
  }
  if (!k.can_encrypt) {
    return Status::InvalidInput("refused: the key " + k.fingerprint +
                                " cannot encrypt (it has no usable encryption subkey)");
  }
  key->fingerprint = k.fingerprint;
  key->expires = k.expires;
  return Status::Ok();
}

}  // namespace portal
