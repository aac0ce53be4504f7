#pragma once

#include <string>

#include "core/status.h"

namespace portal {

class Clock;
class CommandTable;

struct SummaryCommandOptions {
  std::string config_path;
  std::string as_of;                 // FHIR instant; "" = now.
  std::string mrn;                   // preview
  std::string plaintext_dir;         // summaries
  std::string audience = "patient";  // "patient" or "proxy": whose page.
};

// `portal-gen preview --mrn M123456 [--audience proxy]`: one patient's plaintext summary on
// stdout, for staff checks (the patient's page, or a proxy's). Errors never repeat the MRN.
Status RunPreviewCommand(const SummaryCommandOptions& options, const Clock& clock);

// `portal-gen summaries --plaintext-dir DIR`: every eligible patient's plaintext summary as
// DIR/<first 16 hex of SHA-256(patient id)>.html. For tests and local checks only.
Status RunSummariesCommand(const SummaryCommandOptions& options, const Clock& clock);

// Adds `preview` and `summaries` (their options, then the functions above) to `table`; `clock`
// must outlive it.
void RegisterSummaryCommands(CommandTable* table, const Clock& clock);

}  // namespace portal
