#pragma once
// What the profile comparison and change export tests share: the config, a change request with
// every field (as the daemon writes it), a record with every field, and odd Tasks.
#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

#include "mailbox/common/fhir_document.h"
#include "mailbox/staff/profile_compare.h"
#include "tests/test_util.h"

namespace portal::testing {

inline constexpr int64_t kNow = 1795786400;  // 2026-11-27T13:33:20Z
inline const char kStaffKey[] = "9A8B7C6D5E4F30211203F4E5D6C7B8A9F0E1D2C3";

inline PortalConfig Config() {
  PortalConfig c;
  BOOST_REQUIRE(LoadConfig(testing::SourceDir() / "content" / "portal.toml", &c).ok());
  return c;
}

inline DocumentContext Context() {
  DocumentContext c;
  c.receipt = "5d41402abc4b2a76b9719d911017c592";
  c.patient_id = "pat-1";
  c.mrn = "M123456";
  c.received_at = 1795700000;  // 2026-11-26T13:33:20Z
  c.signer_fingerprint = "3F2A9C6B1D4E8F7A0B5C2D6E9F1A4B7C8D0E3F21";
  c.signed_request = R"({"version":1,"mrn":"M123456"})";
  c.request_signature = std::string("\x88\x75\x04\x00", 4);
  return c;
}

inline ProfileChangeRequest EveryChange() {
  ProfileChanges c;
  c.marital_status = "M";
  c.race = "Two or more races";
  c.religion = "Quaker";
  c.address = PostalAddress{{"12 Elm Street", "Apt 3"}, "Norwich", "CT", "06360", ""};
  c.phone_numbers = {{"home", "860 555-0100"}, {"other", "(860) 555-0199"}};
  c.email = "z@example.org";
  c.next_of_kin = ContactPerson{"Ada Zenwick",
                                PostalAddress{{"4 Oak Lane"}, "Mystic", "CT", "06355", "USA"},
                                {{"mobile", "+1 860 555 0111"}}};
  c.person_to_notify = ContactPerson{"Bo Zenwick", std::nullopt, {{"work", "860.555.0122"}}};
  ProfileChangeRequest r;
  r.mrn = "M123456";
  r.changes = c;
  r.nonce = "Zq3vW8x_Kp-20261126b";
  r.timestamp = 1795699800;
  return r;
}

inline std::string EveryChangeTask() { return BuildChangeTask(Config(), Context(), EveryChange()); }

// A record with every field, an old address before the home one and both kinds of contact.
inline const char kPatient[] = R"json({
  "resourceType": "Patient",
  "id": "pat-1",
  "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                       "code": "MR"}]},
                  "value": "M123456"}],
  "extension": [
    {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
     "extension": [
       {"url": "ombCategory", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238",
                                              "code": "2106-3", "display": "White"}},
       {"url": "text", "valueString": "White"}]},
    {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity",
     "extension": [{"url": "text", "valueString": "Not Hispanic or Latino"}]},
    {"url": "http://hl7.org/fhir/StructureDefinition/patient-religion",
     "valueCodeableConcept": {"coding": [{
       "system": "http://terminology.hl7.org/CodeSystem/v3-ReligiousAffiliation",
       "code": "1013", "display": "Christian (non-Catholic, non-specific)"
}]
}
}
  ],
  "telecom": [
    {"system": "phone", "value": "860-555-0100", "use": "home"},
    {"system": "phone", "value": "860-555-0177", "use": "mobile"},
    {"system": "email", "value": "zoe@example.org", "use": "home"}
  ],
  "address": [
    {"use": "old", "line": ["1 Old Road"], "city": "Groton", "state": "CT", "postalCode": "06340"},
    {"use": "home", "line": ["599 Schowalter Promenade"], "city": "Norwich", "state": "CT",
     "postalCode": "06360", "country": "US"}
  ],
  "maritalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
                                "code": "S", "display": "Never Married"}],
                    "text": "Never Married"},
  "contact": [
    {"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                   "code": "N", "display": "Next-of-Kin"}]}],
     "name": {"family": "Zenwick", "given": ["Abe"]},
     "telecom": [{"system": "phone", "value": "860-555-0133", "use": "home"}],
     "address": {"line": ["4 Oak Lane"], "city": "Mystic", "state": "CT", "postalCode": "06355"}},
    {"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                   "code": "C"}]}],
     "name": {"text": "Cy Zenwick"}}
  ]
  })json";

inline std::vector<ProfileRow> Compare(std::string_view patient, std::string_view task) {
  std::vector<ProfileRow> rows;
  const Status s = CompareProfile(Config(), patient, task, &rows);
  BOOST_TEST_REQUIRE(s.ok(), s.message());
  return rows;
}

inline const char kDash[] = " \xe2\x80\x94 ";

inline const char kTaskHead[] = R"({"resourceType": "Task", "id": "r1",
  "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "change"}]},
  "focus": {"reference": "Patient/pat-1"}, )";

// Tasks the reader refuses, each with a part of the error it gives.
inline std::vector<std::pair<std::string, std::string>> OddTasks() {
  return {{"", "not a FHIR Task"},
          {"{", "not a FHIR Task"},
          {"[]", "not a FHIR Task"},
          {R"({"resourceType": "Communication"})", "not a FHIR Task"},
          {R"({"resourceType": "Task"})", "code is not \"change\""},
          {R"({"resourceType": "Task", "code": {"coding": [{"code": "fulfill"}]}})",
           "code is not \"change\""},
          {R"({"resourceType": "Task", "code": {"coding": "change"}})", "code is not \"change\""},
          {std::string(kTaskHead) + R"("input": {"x": 1}})", "input is not a list"},
          {std::string(kTaskHead) +
               R"("input": [{"type": {"coding": [{"system": "urn:portal:profile-field",
                                              "code": "shoe_size"}]}, "valueString": "9"}]})",
           "input 0: unknown profile field \"shoe_size\""},
          {std::string(kTaskHead) +
               R"("input": [{"type": {"coding": [{"system": "urn:portal:profile-field",
                                              "code": 5}]}}]})",
           "input 0: unknown profile field \"\""},
          {std::string(kTaskHead) +
               R"("input": [null, {"type": {"coding": [{"system": "urn:portal:profile-field",
                                                    "code": "address"}]},
                                "valueAddress": "12 Main St"}]})",
           "input 1 (address): no valueAddress"},
          {std::string(kTaskHead) +
               R"("input": [{"type": {"coding": [{"system": "urn:portal:profile-field",
                                              "code": "race"}]},
                         "valueCodeableConcept": {}}]})",
           "input 0 (race): no valueCodeableConcept"}};
}

}  // namespace portal::testing
