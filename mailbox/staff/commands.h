#pragma once

// portal-staff's commands, git's builtin/ idea: each file registers its commands' options and
// run functions in the table, and main only builds the table. Where each command lives:
//   init, enroll, proxy grant|revoke, email, unenroll   enrollment_commands.cc
//   staff add|list|remove                               staff_key_commands.cc
//   queue list                                          queue_list_command.cc
//   claim, release                                      claim_commands.cc
//   show                                                show_command.cc
//   accept                                              accept_command.cc
//   reject                                              reject_command.cc
//   inbox                                               inbox_command.cc
//   reply                                               reply_command.cc
//   audit verify|list                                   audit_commands.cc
//   purge                                               purge_command.cc
//   notify send                                         notify_command.cc
//   activation-code                                     activation_code_command.cc
//   account show|lock|unlock|remove                     account_commands.cc
//   ehr-key create|show                                 ehr_key_command.cc
// The commands working the queue share work_session.h.
#include "core/clock.h"
#include "core/command_table.h"

namespace portal {

// Each adds its command or commands to `table`. They read the time from `clock`; both must
// outlive the table's Run.
void RegisterEnrollmentCommands(CommandTable* table, const Clock& clock);
void RegisterStaffKeyCommands(CommandTable* table, const Clock& clock);
void RegisterQueueListCommand(CommandTable* table, const Clock& clock);
void RegisterClaimCommands(CommandTable* table, const Clock& clock);
void RegisterShowCommand(CommandTable* table, const Clock& clock);
void RegisterAcceptCommand(CommandTable* table, const Clock& clock);
void RegisterRejectCommand(CommandTable* table, const Clock& clock);
void RegisterInboxCommand(CommandTable* table, const Clock& clock);
void RegisterReplyCommand(CommandTable* table, const Clock& clock);
void RegisterAuditCommands(CommandTable* table, const Clock& clock);
void RegisterPurgeCommand(CommandTable* table, const Clock& clock);
void RegisterNotifyCommand(CommandTable* table, const Clock& clock);
void RegisterActivationCodeCommand(CommandTable* table, const Clock& clock);
void RegisterAccountCommands(CommandTable* table, const Clock& clock);
void RegisterEhrKeyCommands(CommandTable* table, const Clock& clock);

}  // namespace portal
