#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace portal {

// One profile field of a change request: the record's value beside the proposed one, as short
// readable text ("12 Main St, Norwich, CT 06360"; "home 860 555 0199; mobile …").
struct ProfileRow {
  std::string field;  // The config's profile field id ("address", "next_of_kin").
  std::string label;  // The config's label for it.
  std::string current;
  std::string proposed;
};

// Fills *rows with one row per profile field the change Task (BuildChangeTask's document)
// proposes, in the config's field order. patient_json is the record store's FHIR Patient, ""
// when unknown: current values then read "(record unavailable)" ("(record unreadable)" when it
// is not a Patient resource); a value the record lacks reads "(none on record)". InvalidInput
// when the Task is not a change Task or proposes a field the config does not list.
Status CompareProfile(const PortalConfig& config, std::string_view patient_json,
                      std::string_view task_json, std::vector<ProfileRow>* rows);

// Fills *ndjson with the EHR's import of a decided change Task: the Task completed at `now`
// by the staff key `staff_fingerprint`, naming the accepted and rejected fields and without the
// signed request, then (when any field was accepted) a Patient holding only the accepted
// elements; one compact JSON resource a line. accepted_fields are config field ids and must all
// be proposed by the Task (InvalidInput naming the first that is not).
Status BuildChangeExport(const PortalConfig& config, std::string_view task_json,
                         const std::set<std::string>& accepted_fields,
                         const std::string& staff_fingerprint, int64_t now, std::string* ndjson);

}  // namespace portal
