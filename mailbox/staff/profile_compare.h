#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "mailbox/common/fhir_document_reader.h"

namespace portal {

// One profile field of a change request: the record's value beside the proposed one, as short
// readable text ("12 Main St, Norwich, CT 06360"; "home 860 555 0199; mobile …").
struct ProfileRow {
  std::string field;  // The config's profile field id ("address", "next_of_kin").
  std::string label;  // The config's label for it.
  std::string current;
  std::string proposed;
};

// Fills *rows with one row per profile field the change Task proposes, in the config's field
// order. patient_json is the record store's FHIR Patient, "" when unknown: current values then
// read "(record unavailable)" ("(record unreadable)" when it is not a Patient resource); a value
// the record lacks reads "(none on record)". InvalidInput when the Task proposes a field the
// config does not list.
Status CompareProfile(const PortalConfig& config, std::string_view patient_json,
                      const ParsedDocument& task, std::vector<ProfileRow>* rows);
// The same for a Task's JSON, read with ReadDocument first (InvalidInput when it is not a
// well-formed change Task).
Status CompareProfile(const PortalConfig& config, std::string_view patient_json,
                      std::string_view task_json, std::vector<ProfileRow>* rows);

}  // namespace portal
