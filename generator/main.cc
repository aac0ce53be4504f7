// portal-gen: the batch generator. Thin: builds the command table and runs it.
#include "core/clock.h"
#include "core/command_table.h"
#include "core/state_permissions.h"
#include "generator/ehr/pull_command.h"
#include "generator/nightly/nightly_command.h"
#include "generator/records/ingest_command.h"
#include "generator/site/site_command.h"
#include "generator/summaries/summary_commands.h"

namespace {

constexpr char kProgram[] = "portal-gen";
constexpr char kExitCodes[] =
    "Exit codes: 0 success, 1 invalid input (config, content, templates, records), 2 usage\n"
    "error,"
    " 3 I/O or system failure, 4 another run holds the lock (site: the same output folder;\n"
    "nightly: the same state directory).";

}  // namespace

int main(int argc, char** argv) {
  // var/ is 0700/0600; output/ is given its modes explicitly (core/state_permissions.h).
  portal::MakeCreatedFilesPrivate();
  portal::CommandTable table(kProgram, "portal-gen — the Patient Portal batch generator.",
                             kExitCodes);
  const portal::Clock& clock = portal::SystemClock();
  portal::RegisterSiteCommand(&table);
  portal::RegisterIngestCommand(&table, clock);
  portal::RegisterSummaryCommands(&table, clock);
  portal::RegisterPullCommand(&table, clock);
  portal::RegisterNightlyCommand(&table, clock);
  return table.Run(argc, argv);
}
