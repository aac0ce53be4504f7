#include "mailbox/daemon/profile_request.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>

#include "mailbox/daemon/request_fields.h"

namespace portal {

namespace {

using json = nlohmann::json;

// Limits on what a patient types, in characters (not bytes): room for real names, street lines
// and descriptions, no room for a letter hidden in a form field.
constexpr size_t kMaxTextChars = 100;  // Race, religion, a person's name, one street line.
constexpr size_t kMaxAddressLines = 3;
constexpr size_t kMaxCityChars = 60;
constexpr size_t kMaxStateChars = 40;   // A state, province or region spelled out.
constexpr size_t kMinCountryChars = 2;  // "US".
constexpr size_t kMaxCountryChars = 60;
constexpr size_t kMaxPhoneNumbers = 5;  // Per list: the patient's own, or a contact person's.
constexpr size_t kMaxPhoneChars = 25;   // As typed, separators included.
constexpr size_t kMinPhoneDigits = 7;   // A local number without its area code.
constexpr size_t kMaxPhoneDigits = 15;  // E.164's longest number, country code included.
constexpr size_t kMinEmailChars = 3;    // "a@b" (the domain must also have a dot).
constexpr size_t kMaxEmailChars = 254;  // RFC 5321's longest path, less the angle brackets.

// The names this parser knows below the top of the body (the eight fields and their parts):
// a duplicate among them is named.
const std::vector<std::string> kNestedNames = {
    "marital_status",   "race",  "religion", "address", "phone_numbers", "email",   "next_of_kin",
    "person_to_notify", "lines", "city",     "state",   "postal_code",   "country", "use",
    "number",           "name",  "phones"};

std::string Member(const std::string& path, const std::string& key) { return path + "." + key; }

std::string Item(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

// `value` is an object whose keys are all among `known`; an unknown key is never repeated.
Status CheckObject(const json& value, const std::string& path,
                   const std::vector<std::string>& known, std::string* field) {
  if (!value.is_object()) {
    return FieldError(field, path, "must be an object with " + ListNames(known));
  }
  for (const auto& [key, member] : value.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return FieldError(field, path,
                        "an unknown field was sent; the fields are " + ListNames(known));
    }
  }
  return Status::Ok();
}

// Text of min to max characters on one line (TextForm::kOneLine: no control or bidi override
// characters), not only spaces.
Status CheckText(const json& value, const std::string& path, size_t min, size_t max,
                 std::string* out, std::string* field) {
  if (!value.is_string()) return FieldError(field, path, "must be a string");
  std::string text = value.get<std::string>();
  const size_t n = Utf8Length(text);
  if (n < min || n > max) {
    return FieldError(
        field, path,
        "must be " + std::to_string(min) + " to " + std::to_string(max) + " characters");
  }
  if (std::string problem = TextProblem(text, TextForm::kOneLine); !problem.empty()) {
    return FieldError(field, path, problem);
  }
  if (text.find_first_not_of(' ') == std::string::npos) {
    return FieldError(field, path, "must not be blank");
  }
  *out = std::move(text);
  return Status::Ok();
}

// The member `key` of `object` as text (see CheckText); "missing" when absent.
Status GetText(const json& object, const std::string& path, const std::string& key, size_t min,
               size_t max, std::string* out, std::string* field) {
  auto it = object.find(key);
  if (it == object.end()) return FieldError(field, Member(path, key), "missing");
  return CheckText(*it, Member(path, key), min, max, out, field);
}

// The member `key` of `object`, one of `choices` exactly.
Status GetChoice(const json& object, const std::string& path, const std::string& key,
                 const std::vector<std::string>& choices, std::string* out, std::string* field) {
  auto it = object.find(key);
  if (it == object.end()) return FieldError(field, Member(path, key), "missing");
  if (!it->is_string() ||
      std::find(choices.begin(), choices.end(), it->get<std::string>()) == choices.end()) {
    return FieldError(field, Member(path, key), "must be " + ListNames(choices, "or"));
  }
  *out = it->get<std::string>();
  return Status::Ok();
}

// US "12345-6789", Canada "K1A 0B6", UK "SW1A 1AA": 3 to 10 letters, digits, spaces and
// hyphens, starting and ending with a letter or digit.
Status CheckPostalCode(const json& address, const std::string& path, std::string* out,
                       std::string* field) {
  static const std::regex kPostalCode("[A-Za-z0-9][A-Za-z0-9 -]{1,8}[A-Za-z0-9]");
  const std::string name = Member(path, "postal_code");
  auto it = address.find("postal_code");
  if (it == address.end()) return FieldError(field, name, "missing");
  if (!it->is_string() || !std::regex_match(it->get<std::string>(), kPostalCode)) {
    return FieldError(field, name,
                      "must be 3 to 10 letters, digits, spaces or hyphens, starting and ending "
                      "with a letter or digit");
  }
  *out = it->get<std::string>();
  return Status::Ok();
}

Status ParseAddress(const json& value, const std::string& path, PostalAddress* out,
                    std::string* field) {
  PORTAL_RETURN_IF_ERROR(
      CheckObject(value, path, {"lines", "city", "state", "postal_code", "country"}, field));
  const std::string lines = Member(path, "lines");
  auto it = value.find("lines");
  if (it == value.end()) return FieldError(field, lines, "missing");
  if (!it->is_array() || it->empty() || it->size() > kMaxAddressLines) {
    return FieldError(
        field, lines,
        "must be a list of 1 to " + std::to_string(kMaxAddressLines) + " street lines");
  }
  out->lines.resize(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    PORTAL_RETURN_IF_ERROR(
        CheckText((*it)[i], Item(lines, i), 1, kMaxTextChars, &out->lines[i], field));
  }
  PORTAL_RETURN_IF_ERROR(GetText(value, path, "city", 1, kMaxCityChars, &out->city, field));
  PORTAL_RETURN_IF_ERROR(GetText(value, path, "state", 1, kMaxStateChars, &out->state, field));
  PORTAL_RETURN_IF_ERROR(CheckPostalCode(value, path, &out->postal_code, field));
  out->country.clear();
  if (value.contains("country")) {
    PORTAL_RETURN_IF_ERROR(
        GetText(value, path, "country", kMinCountryChars, kMaxCountryChars, &out->country, field));
  }
  return Status::Ok();
}

// Digits with spaces, -, (, ) and . among them and + only first; 7 to 15 digits in all.
bool IsPhoneNumber(const std::string& s) {
  if (s.size() > kMaxPhoneChars) return false;
  size_t digits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == '+' ? i != 0 : std::string_view(" -().").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return digits >= kMinPhoneDigits && digits <= kMaxPhoneDigits;
}

Status ParsePhone(const json& value, const std::string& path, PhoneNumber* out,
                  std::string* field) {
  PORTAL_RETURN_IF_ERROR(CheckObject(value, path, {"use", "number"}, field));
  PORTAL_RETURN_IF_ERROR(
      GetChoice(value, path, "use", {"home", "mobile", "work", "other"}, &out->use, field));
  const std::string name = Member(path, "number");
  auto it = value.find("number");
  if (it == value.end()) return FieldError(field, name, "missing");
  if (!it->is_string() || !IsPhoneNumber(it->get<std::string>())) {
    return FieldError(field, name,
                      "must be a phone number of " + std::to_string(kMinPhoneDigits) + " to " +
                          std::to_string(kMaxPhoneDigits) +
                          " digits, with spaces, -, (, ), . and a leading + allowed, at most " +
                          std::to_string(kMaxPhoneChars) + " characters in all");
  }
  out->number = it->get<std::string>();
  return Status::Ok();
}

Status ParsePhones(const json& value, const std::string& path, std::vector<PhoneNumber>* out,
                   std::string* field) {
  if (!value.is_array() || value.empty() || value.size() > kMaxPhoneNumbers) {
    return FieldError(
        field, path,
        "must be a list of 1 to " + std::to_string(kMaxPhoneNumbers) + " phone numbers");
  }
  out->resize(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    PORTAL_RETURN_IF_ERROR(ParsePhone(value[i], Item(path, i), &(*out)[i], field));
  }
  return Status::Ok();
}

Status ParseEmail(const json& value, const std::string& path, std::string* out,
                  std::string* field) {
  if (!value.is_string()) return FieldError(field, path, "must be a string");
  const std::string email = value.get<std::string>();
  const size_t n = Utf8Length(email);
  if (n < kMinEmailChars || n > kMaxEmailChars) {
    return FieldError(field, path,
                      "must be " + std::to_string(kMinEmailChars) + " to " +
                          std::to_string(kMaxEmailChars) + " characters");
  }
  if (!TextProblem(email, TextForm::kOneLine).empty() || email.find(' ') != std::string::npos) {
    return FieldError(field, path, "must not contain spaces or control characters");
  }
  const size_t at = email.find('@');
  const std::string domain = at == std::string::npos ? "" : email.substr(at + 1);
  const size_t dot = domain.find('.');
  if (at == 0 || domain.find('@') != std::string::npos || dot == 0 || dot == std::string::npos ||
      domain.back() == '.') {
    return FieldError(field, path,
                      "must be an e-mail address such as name@example.org: one @, with a dot in "
                      "the part after it");
  }
  *out = email;
  return Status::Ok();
}

// Next of kin or person to notify: a name and an address, phone numbers or both.
Status ParseContact(const json& value, const std::string& path, ContactPerson* out,
                    std::string* field) {
  PORTAL_RETURN_IF_ERROR(CheckObject(value, path, {"name", "address", "phones"}, field));
  PORTAL_RETURN_IF_ERROR(GetText(value, path, "name", 1, kMaxTextChars, &out->name, field));
  auto address = value.find("address");
  auto phones = value.find("phones");
  if (address == value.end() && phones == value.end()) {
    return FieldError(field, path, "must have an address, phones or both");
  }
  if (address != value.end()) {
    PORTAL_RETURN_IF_ERROR(
        ParseAddress(*address, Member(path, "address"), &out->address.emplace(), field));
  }
  if (phones != value.end()) {
    PORTAL_RETURN_IF_ERROR(ParsePhones(*phones, Member(path, "phones"), &out->phones, field));
  }
  return Status::Ok();
}

Status ParseMaritalStatus(const json& value, const std::string& path, std::string* out,
                          std::string* field) {
  // HL7 v3 MaritalStatus and NullFlavor UNK: the codes of FHIR R4's marital-status value set.
  static const std::vector<std::string> kCodes = {"A", "D", "I", "L", "M", "C",
                                                  "P", "T", "U", "S", "W", "UNK"};
  if (!value.is_string()) return FieldError(field, path, "must be a string");
  if (std::find(kCodes.begin(), kCodes.end(), value.get<std::string>()) == kCodes.end()) {
    return FieldError(field, path,
                      "must be one of the HL7 v3 MaritalStatus codes " + ListNames(kCodes, "or"));
  }
  *out = value.get<std::string>();
  return Status::Ok();
}

// Checks the proposed value of profile field `id` into *out. The code knows the FAQ's eight
// fields; an id the config lists beyond them is refused, since its form cannot be checked.
Status ParseChange(const std::string& id, const json& value, ProfileChanges* out,
                   std::string* field) {
  const std::string path = Member("changes", id);
  if (id == "marital_status") {
    return ParseMaritalStatus(value, path, &out->marital_status.emplace(), field);
  }
  if (id == "race") return CheckText(value, path, 1, kMaxTextChars, &out->race.emplace(), field);
  if (id == "religion") {
    return CheckText(value, path, 1, kMaxTextChars, &out->religion.emplace(), field);
  }
  if (id == "address") return ParseAddress(value, path, &out->address.emplace(), field);
  if (id == "phone_numbers") {
    return ParsePhones(value, path, &out->phone_numbers.emplace(), field);
  }
  if (id == "email") return ParseEmail(value, path, &out->email.emplace(), field);
  if (id == "next_of_kin") return ParseContact(value, path, &out->next_of_kin.emplace(), field);
  if (id == "person_to_notify") {
    return ParseContact(value, path, &out->person_to_notify.emplace(), field);
  }
  return FieldError(field, path, "the portal cannot check this field, so it cannot be changed");
}

// "changes": an object naming at least one of the config's profile fields, each checked.
Status ParseChanges(const PortalConfig& config, const json& request, ProfileChanges* out,
                    std::string* field) {
  std::vector<std::string> allowed;
  for (const auto& f : config.profile_fields) allowed.push_back(f.id);
  const std::string may = allowed.empty()
                              ? "no profile field may be changed through the portal"
                              : "the fields that may be changed are " + ListNames(allowed);
  auto changes = request.find("changes");
  if (changes == request.end()) return FieldError(field, "changes", "missing");
  if (!changes->is_object() || changes->empty()) {
    return FieldError(field, "changes",
                      "must be an object naming at least one field to change; " + may);
  }
  for (const auto& [key, value] : changes->items()) {
    // The key is not named: a field the config does not list might carry anything.
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return FieldError(field, "changes", "a field that may not be changed was sent; " + may);
    }
    PORTAL_RETURN_IF_ERROR(ParseChange(key, value, out, field));
  }
  return Status::Ok();
}

}  // namespace

Status ParseProfileChangeRequest(const PortalConfig& config, std::string_view text, int64_t now,
                                 ProfileChangeRequest* out, std::string* field) {
  field->clear();
  json j;
  PORTAL_RETURN_IF_ERROR(ParseRequestObject(
      text, {"version", "mrn", "changes", "nonce", "timestamp"}, &j, field, kNestedNames));
  PORTAL_RETURN_IF_ERROR(CheckVersion(j, field));
  ProfileChangeRequest r;
  PORTAL_RETURN_IF_ERROR(GetMrn(config, j, &r.mrn, field));
  PORTAL_RETURN_IF_ERROR(ParseChanges(config, j, &r.changes, field));
  PORTAL_RETURN_IF_ERROR(GetNonce(j, &r.nonce, field));
  PORTAL_RETURN_IF_ERROR(GetTimestamp(j, now, &r.timestamp, field));
  *out = std::move(r);
  return Status::Ok();
}

}  // namespace portal
