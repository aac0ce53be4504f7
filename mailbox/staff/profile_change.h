#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "mailbox/common/fhir_document_reader.h"

namespace portal {

// A change Task's proposed values grouped by the config's profile fields. Points into the
// ParsedDocument it was made from, which must outlive it.
struct ProfileChange {
  std::map<std::string, std::vector<const ProposedValue*>> values;  // By config field id.
  std::vector<std::string> fields;  // The proposed field ids, in the config's order.
};

// Groups `task`'s proposed values; InvalidInput naming the input when one proposes a field the
// config does not list.
Status GroupProposedFields(const PortalConfig& config, const ParsedDocument& task,
                           ProfileChange* out);

// The HL7 v2-0131 role of a contact field: "N" for next_of_kin, "C" for person_to_notify, ""
// for the patient's own fields.
std::string ContactRole(const std::string& field);

}  // namespace portal
