#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace portal {

// What patients send to the mailbox, once parsed and checked (the daemon's request parsers,
// mailbox/daemon/message_request.h and profile_request.h, fill these; the documents are built
// from them, mailbox/common/fhir_document.h).

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

}  // namespace portal
