#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/status.h"
#include "mailbox/common/fhir_document_reader.h"

namespace portal {

// Fills *ndjson with the EHR's import of a decided change Task: the Task completed at `now`
// by the staff key `staff_fingerprint`, naming the accepted and rejected fields and without the
// signed request, then (when any field was accepted) a Patient holding only the accepted
// elements; one compact JSON resource a line. accepted_fields are config field ids and must all
// be proposed by the Task (InvalidInput naming the first that is not).
Status BuildChangeExport(const PortalConfig& config, const ParsedDocument& task,
                         const std::set<std::string>& accepted_fields,
                         const std::string& staff_fingerprint, int64_t now, std::string* ndjson);
// The same for a Task's JSON, read with ReadDocument first (InvalidInput when it is not a
// well-formed change Task).
Status BuildChangeExport(const PortalConfig& config, std::string_view task_json,
                         const std::set<std::string>& accepted_fields,
                         const std::string& staff_fingerprint, int64_t now, std::string* ndjson);

}  // namespace portal
