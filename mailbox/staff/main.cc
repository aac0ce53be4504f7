// portal-staff: the records staff's command line. Thin: builds the command table (each
// command's file registers it; mailbox/staff/commands.h says which) and runs it.
#include "core/clock.h"
#include "core/command_table.h"
#include "core/state_permissions.h"
#include "mailbox/staff/commands.h"

namespace {

constexpr char kProgram[] = "portal-staff";
constexpr char kExitCodes[] =
    "Exit codes: 0 success, 1 refused or invalid input, 2 usage error, 3 I/O or system "
    "failure.";

}  // namespace

int main(int argc, char** argv) {
  portal::MakeCreatedFilesPrivate();  // var/ is 0700/0600 (core/state_permissions.h).
  portal::CommandTable table(
      kProgram, "portal-staff — the records staff's tools for the Patient Portal.", kExitCodes);
  const portal::Clock& clock = portal::SystemClock();
  portal::RegisterEnrollmentCommands(&table, clock);
  portal::RegisterStaffKeyCommands(&table, clock);
  portal::RegisterQueueListCommand(&table, clock);
  portal::RegisterClaimCommands(&table, clock);
  portal::RegisterShowCommand(&table, clock);
  portal::RegisterAcceptCommand(&table, clock);
  portal::RegisterRejectCommand(&table, clock);
  portal::RegisterInboxCommand(&table, clock);
  portal::RegisterReplyCommand(&table, clock);
  portal::RegisterAuditCommands(&table, clock);
  portal::RegisterPurgeCommand(&table, clock);
  portal::RegisterNotifyCommand(&table, clock);
  portal::RegisterActivationCodeCommand(&table, clock);
  portal::RegisterAccountCommands(&table, clock);
  portal::RegisterEhrKeyCommands(&table, clock);
  return table.Run(argc, argv);
}
