#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/enrollment_registry.h"
#include "core/state_layout.h"
#include "core/status.h"

namespace portal {

// What every portal-staff command that touches the state directory starts from.
struct Session {
  PortalConfig config;
  std::unique_ptr<StateLayout> layout;
  std::unique_ptr<EnrollmentRegistry> registry;
};

// Loads the config and opens the registry; InvalidInput naming `portal-staff init` if the state
// directory was not prepared.
Status OpenSession(const std::string& config_path, Session* s);

// Usage unless `mrn` has the hospital's MRN format (config mrn.pattern); the message gives the
// format, never the value.
Status CheckMrnFormat(const PortalConfig& config, const std::string& mrn);

// The patient must be in the record store and allowed a summary by the FAQ's rule at `now`
// (enroll's and activation-code's check); *patient_id is their Patient resource's id.
// InvalidInput saying why not ("refused: ..."), never with the MRN.
Status CheckEligiblePatient(const Session& s, const std::string& mrn, int64_t now,
                            std::string* patient_id);

// Reads the key file and checks it is one public key that can be encrypted to now. Errors say
// "the key file", never its name (which may carry the person's name).
Status ReadUsableKey(const Session& s, const std::string& key_file, EnrolledKey* key,
                     std::string* data);

}  // namespace portal
