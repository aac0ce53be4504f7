#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/status.h"
#include "mailbox/common/patient_requests.h"

namespace portal {

// Parses and checks a message request at `now`. On an error *field names the failing field
// ("" for the body as a whole) and the message says what is wrong without repeating any value
// sent; an unknown recipient's error lists who can be messaged (from the config).
Status ParseMessageRequest(const PortalConfig& config, std::string_view json, int64_t now,
                           MessageRequest* out, std::string* field);

}  // namespace portal
