#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "mailbox/common/patient_requests.h"

namespace portal {

// Parses and checks a profile-change request at `now`. Only the config's profile fields (the
// FAQ's list) may be changed, each checked for form; anything else is refused by name. On an
// error *field is the failing field as a path ("changes.address.postal_code",
// "changes.phone_numbers[1].number"; "" for the body as a whole) and the message never repeats a
// value sent.
Status ParseProfileChangeRequest(const PortalConfig& config, std::string_view json, int64_t now,
                                 ProfileChangeRequest* out, std::string* field);

}  // namespace portal
