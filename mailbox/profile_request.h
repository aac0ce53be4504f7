#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace portal {

// A postal address as a patient types it (US forms; country optional).
struct PostalAddress {
  std::vector<std::string> lines;  // 1 to 3 street lines.
  std::string city;
  std::string state;
  std::string postal_code;
  std::string country;  // "" when not given.
};

struct PhoneNumber {
  std::string use;     // "home", "mobile", "work" or "other".
  std::string number;  // As typed: digits with spaces, +, -, (, ), . allowed.
};

// Next of kin or person to notify: a name with an address and/or phone numbers.
struct ContactPerson {
  std::string name;
  std::optional<PostalAddress> address;
  std::vector<PhoneNumber> phones;
};

// The FAQ's changeable profile fields; each present one is a proposed new value.
struct ProfileChanges {
  std::optional<std::string> marital_status;  // An HL7 v3 MaritalStatus code ("M", "S", …).
  std::optional<std::string> race;            // Text, as the patient describes it.
  std::optional<std::string> religion;        // Text.
  std::optional<PostalAddress> address;
  std::optional<std::vector<PhoneNumber>> phone_numbers;  // Replaces the home/other numbers.
  std::optional<std::string> email;
  std::optional<ContactPerson> next_of_kin;
  std::optional<ContactPerson> person_to_notify;
};

// POST /v1/profile-changes, as sent in the signed JSON body:
// {"version":1,"mrn":…,"changes":{<field id>: <value>, …},"nonce":…,"timestamp":<FHIR instant>}.
struct ProfileChangeRequest {
  std::string mrn;
  ProfileChanges changes;
  std::string nonce;
  int64_t timestamp = 0;
};

// Parses and checks a profile-change request at `now`. Only the config's profile fields (the
// FAQ's list) may be changed, each checked for form; anything else is refused by name. On an
// error *field is the failing field as a path ("changes.address.postal_code",
// "changes.phone_numbers[1].number"; "" for the body as a whole) and the message never repeats a
// value sent.
Status ParseProfileChangeRequest(const PortalConfig& config, std::string_view json, int64_t now,
                                 ProfileChangeRequest* out, std::string* field);

}  // namespace portal
