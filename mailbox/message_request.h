#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/status.h"

namespace portal {

// A patient's message to a participating provider (POST /v1/messages), as sent in the signed
// JSON body: {"version":1,"mrn":…,"to":<provider id>,"subject":…,"body":…,"nonce":…,
// "timestamp":<FHIR instant>}.
struct MessageRequest {
  std::string mrn;
  std::string provider;  // A config provider id.
  std::string subject;
  std::string body;
  std::string nonce;
  int64_t timestamp = 0;
};

constexpr size_t kMaxSubjectChars = 200;
constexpr size_t kMaxBodyChars = 10000;
constexpr int64_t kClockSkewSeconds = 5 * 60;

// Parses and checks a message request at `now`. On an error *field names the failing field
// ("" for the body as a whole) and the message says what is wrong without repeating any value
// sent; an unknown recipient's error lists who can be messaged (from the config).
Status ParseMessageRequest(const PortalConfig& config, std::string_view json, int64_t now,
                           MessageRequest* out, std::string* field);

}  // namespace portal
