#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace portal {

// Checks the mailbox's request parsers share (messages, profile changes). Each failing check
// sets *field to the failing field's name and returns InvalidInput "<field>: <problem>" (the
// problem alone when the field is ""); no message repeats a value sent.

// Characters, not bytes: the limits are what a person reads.
size_t Utf8Length(const std::string& s);

// True when `s` holds a control character (U+0000 to U+001F or U+007F).
bool HasControlCharacter(std::string_view s);

// "a", "a and b", "a, b and c" ("a, b or c" with last = "or").
std::string ListNames(const std::vector<std::string>& names, const std::string& last = "and");

// Sets *field = name and returns the error "name: problem".
Status FieldError(std::string* field, const std::string& name, const std::string& problem);

// Parses `text` as a JSON object whose keys are all among `known` (named in that order when
// one is not); malformed JSON and invalid UTF-8 are refused, and no exception escapes.
Status ParseRequestObject(std::string_view text, const std::vector<std::string>& known,
                          nlohmann::json* out, std::string* field);

// The string member `name` of `request`: "missing" or "must be a string" otherwise.
Status GetString(const nlohmann::json& request, const std::string& name, std::string* out,
                 std::string* field);

// "version" is the integer 1.
Status CheckVersion(const nlohmann::json& request, std::string* field);

// "mrn" is a whole match of config.mrn.pattern.
Status GetMrn(const PortalConfig& config, const nlohmann::json& request, std::string* out,
              std::string* field);

// "nonce" is 16 to 128 characters of A-Z, a-z, 0-9, _ and -.
Status GetNonce(const nlohmann::json& request, std::string* out, std::string* field);

// "timestamp" is a FHIR instant (to the second, with a zone) within kClockSkewSeconds of `now`.
Status GetTimestamp(const nlohmann::json& request, int64_t now, int64_t* out, std::string* field);

}  // namespace portal
