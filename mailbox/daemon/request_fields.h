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

// What a patient may type, checked on UTF-8 text (the parser has refused any other). No text a
// patient sends may hold a control character that a terminal, mail reader or log acts on: C0
// (U+0000 to U+001F: NUL, BEL, BS, CR, ESC that starts CSI and OSC sequences...), DEL (U+007F)
// or C1 (U+0080 to U+009F: the one-character CSI U+009B, OSC U+009D, NEL U+0085...). Text of
// several lines (a message's body) may hold \n and \t, and nothing else of these: a carriage
// return is refused, not normalised, since the body is signed as sent (the app sends a
// textarea's value, whose line breaks are \n). One-line text (a subject, every profile value)
// holds none of them, nor a bidirectional override or isolate (U+202A to U+202E, U+2066 to
// U+2069), which would show a name, an address or a subject to staff in another order than
// its characters'.
enum class TextForm { kLines, kOneLine };

// The problem with `text` in `form` ("must not contain ..."); "" when there is none.
std::string TextProblem(std::string_view text, TextForm form);

// True when `s` holds a control character: C0, DEL or C1 (see TextForm), \n and \t included.
bool HasControlCharacter(std::string_view s);

// "a", "a and b", "a, b and c" ("a, b or c" with last = "or").
std::string ListNames(const std::vector<std::string>& names, const std::string& last = "and");

// Sets *field = name and returns the error "name: problem".
Status FieldError(std::string* field, const std::string& name, const std::string& problem);

// How deep and how large a request body may be (the HTTP server's [mailbox] max_body_kib is
// smaller still; this is the parser's own bound).
constexpr size_t kMaxRequestDepth = 32;
constexpr size_t kMaxRequestBytes = 1u << 20;

// Parses `text` as a JSON object whose keys are all among `known` (named in that order when
// one is not); malformed JSON, invalid UTF-8, nesting deeper than kMaxRequestDepth and a key
// named twice in any one object (at any depth) are refused, and no exception escapes. A
// duplicate is named by its path (*field "changes.email", problem "duplicate key
// \"changes.email\"") when each key on the way is in `known` or `nested` (the request's own
// names below the top); otherwise the body as a whole is refused without naming it.
Status ParseRequestObject(std::string_view text, const std::vector<std::string>& known,
                          nlohmann::json* out, std::string* field,
                          const std::vector<std::string>& nested = {});

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
