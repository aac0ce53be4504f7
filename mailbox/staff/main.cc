// portal-staff: the records staff's command line. Thin: parse arguments, call one command.
#include "core/cli_main.h"

#include <cstdio>

#include "mailbox/staff/enrollment_commands.h"
#include "mailbox/staff/staff_commands.h"
#include "mailbox/staff/work_commands.h"

namespace {

constexpr char kProgram[] = "portal-staff";
constexpr char kExitCodes[] =
    "Exit codes: 0 success, 1 refused or invalid input, 2 usage error, 3 I/O or system "
    "failure.";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"portal-staff — the records staff's tools for the Patient Portal.", "portal-staff"};
  portal::DescribeProgram(&app, kProgram, kExitCodes);
  app.require_subcommand(1);

  portal::EnrollmentOptions o;
  o.config_path = "content/portal.toml";
  auto add_config = [&](CLI::App* cmd) {
    cmd->add_option("--config", o.config_path, "Config file (default content/portal.toml)");
  };
  add_config(&app);
  const std::string mrn_help = "The patient's medical record number";

  CLI::App* init = app.add_subcommand(
      "init", "Prepare the state directory once: databases, key homes, the signing key");
  add_config(init);

  CLI::App* enroll =
      app.add_subcommand("enroll", "Enrol a patient seen with photo ID, pinning their key");
  enroll->add_option("--mrn", o.mrn, mrn_help)->required();
  enroll->add_option("--key", o.key_file, "The patient's OpenPGP public key file")->required();
  enroll->add_option("--email", o.email,
                     "Where plain notices go (processed request, reply waiting); optional");
  enroll->add_flag("--replace-key", o.replace_key,
                   "The patient is enrolled: pin this key instead of their old one");
  add_config(enroll);

  CLI::App* proxy = app.add_subcommand("proxy", "Grant or revoke an adult proxy's access");
  proxy->require_subcommand(1);
  CLI::App* grant = proxy->add_subcommand("grant", "Pin a proxy's key for an enrolled patient");
  grant->add_option("--mrn", o.mrn, mrn_help)->required();
  grant->add_option("--key", o.key_file, "The proxy's OpenPGP public key file")->required();
  add_config(grant);
  CLI::App* revoke = proxy->add_subcommand("revoke", "Unpin a proxy's key");
  revoke->add_option("--mrn", o.mrn, mrn_help)->required();
  revoke->add_option("--fingerprint", o.fingerprint, "The proxy key's fingerprint")->required();
  add_config(revoke);

  CLI::App* email = app.add_subcommand(
      "email", "Set or clear where a patient's plain notices go (never any health data)");
  email->add_option("--mrn", o.mrn, mrn_help)->required();
  auto* set = email->add_option("--set", o.email, "The address");
  bool clear_email = false;
  auto* clear = email->add_flag("--clear", clear_email, "No notices by e-mail");
  set->excludes(clear);
  add_config(email);

  CLI::App* unenroll = app.add_subcommand(
      "unenroll", "Forget a patient's enrolment; the next nightly run removes their summary");
  unenroll->add_option("--mrn", o.mrn, mrn_help)->required();
  add_config(unenroll);

  portal::StaffOptions so;
  // Filled after parsing: a subcommand's own --config, else the one before the subcommand.
  so.config_path.clear();
  auto add_config2 = [&](CLI::App* cmd) {
    cmd->add_option("--config", so.config_path, "Config file (default content/portal.toml)");
  };
  CLI::App* staff =
      app.add_subcommand("staff", "Records-staff keys: queued documents are encrypted to each");
  staff->require_subcommand(1);
  CLI::App* staff_add = staff->add_subcommand("add", "Pin a staff member's OpenPGP public key");
  staff_add->add_option("--key", so.key_file, "The staff member's public key file")->required();
  staff_add->add_option("--user", so.user, "The staff member's login name")->required();
  add_config2(staff_add);
  CLI::App* staff_list = staff->add_subcommand("list", "List the pinned staff keys");
  staff_list->add_flag("--json", so.json, "JSON output");
  add_config2(staff_list);
  CLI::App* staff_remove = staff->add_subcommand("remove", "Unpin a staff key");
  staff_remove->add_option("--fingerprint", so.fingerprint, "The key's fingerprint")->required();
  add_config2(staff_remove);

  CLI::App* queue = app.add_subcommand("queue", "The mailbox queue (metadata only)");
  queue->require_subcommand(1);
  CLI::App* queue_list = queue->add_subcommand("list", "What is waiting, oldest first");
  queue_list->add_option("--state", so.state,
                         "Only this state: requested, received, accepted, rejected, completed");
  queue_list->add_option("--kind", so.kind, "Only message or profile-change");
  queue_list->add_option("--provider", so.provider, "Only messages to this provider id");
  queue_list->add_option("--older-than", so.older_than, "Only items waiting longer: 90m, 36h, 7d");
  queue_list->add_flag("--json", so.json, "JSON output");
  add_config2(queue_list);

  // Working the queue: each command names the item by its receipt and acts as the staff
  // member whose key is in their GnuPG home.
  portal::WorkOptions wo;
  wo.config_path.clear();
  auto work = [&](CLI::App* cmd, bool receipt) {
    cmd->add_option("--config", wo.config_path, "Config file (default content/portal.toml)");
    cmd->add_option("--gnupg-home", wo.gnupg_home,
                    "Your GnuPG home (default $GNUPGHOME, else ~/.gnupg)");
    cmd->add_option("--as", wo.as, "Your staff key's fingerprint, if the home holds several");
    cmd->add_flag("--json", wo.json, "JSON output");
    if (receipt) cmd->add_option("receipt", wo.receipt, "The item's receipt id")->required();
  };
  CLI::App* claim = app.add_subcommand("claim", "Take an item for a while (others wait)");
  work(claim, true);
  CLI::App* release = app.add_subcommand("release", "Give your claim on an item up");
  work(release, true);
  CLI::App* show = app.add_subcommand(
      "show", "Check and decrypt an item and print it (a profile change beside the record)");
  work(show, true);
  CLI::App* accept = app.add_subcommand(
      "accept", "Accept a profile change (some fields, or all) and export it for the EHR");
  work(accept, true);
  accept->add_option("--fields", wo.fields,
                     "Comma-separated field ids to accept (default: every proposed field); "
                     "the others are rejected");
  CLI::App* reject = app.add_subcommand("reject", "Reject a whole profile change");
  work(reject, true);
  std::string reasons;
  for (const char* const* r = portal::RejectionReasons(); *r != nullptr; ++r) {
    reasons += (reasons.empty() ? "" : ", ") + std::string(*r);
  }
  reject->add_option("--reason", wo.reason, "One of: " + reasons)->required();
  CLI::App* inbox = app.add_subcommand(
      "inbox", "A provider's unread messages; --read RECEIPT shows one and marks it read");
  work(inbox, false);
  inbox->add_option("provider", wo.provider, "A provider id of the config")->required();
  inbox->add_option("--read", wo.receipt, "The message to read");
  CLI::App* reply = app.add_subcommand(
      "reply", "Answer a message; the next nightly run publishes it beside the summary");
  work(reply, true);
  reply->add_option("--file", wo.reply_file, "The reply's text (UTF-8)")->required();
  CLI::App* audit = app.add_subcommand("audit", "The audit trail");
  audit->require_subcommand(1);
  CLI::App* audit_verify = audit->add_subcommand("verify", "Check the hash chain");
  work(audit_verify, false);
  CLI::App* audit_list = audit->add_subcommand("list", "Entries, oldest first");
  work(audit_list, false);
  audit_list->add_option("--document", wo.receipt, "Only this receipt's entries");
  CLI::App* purge = app.add_subcommand(
      "purge", "Delete completed items older than staff.retention_days (audited)");
  work(purge, false);
  CLI::App* notify = app.add_subcommand("notify", "E-mail notices");
  notify->require_subcommand(1);
  CLI::App* notify_send = notify->add_subcommand("send", "Send the notices that are due now");
  work(notify_send, false);

  if (auto exit_code = portal::ParseCommandLine(&app, kProgram, argc, argv)) return *exit_code;
  if (so.config_path.empty()) so.config_path = o.config_path;
  if (wo.config_path.empty()) wo.config_path = o.config_path;
  portal::Status status;
  if (init->parsed()) {
    status = portal::RunInitCommand(o);
  } else if (enroll->parsed()) {
    status = portal::RunEnrollCommand(o);
  } else if (grant->parsed()) {
    status = portal::RunProxyGrantCommand(o);
  } else if (revoke->parsed()) {
    status = portal::RunProxyRevokeCommand(o);
  } else if (email->parsed()) {
    status = set->count() == 0 && !clear_email
                 ? portal::Status::Usage("email: give --set ADDRESS or --clear")
                 : portal::RunEmailCommand(o);
  } else if (unenroll->parsed()) {
    status = portal::RunUnenrollCommand(o);
  } else if (staff_add->parsed()) {
    status = portal::RunStaffAddCommand(so);
  } else if (staff_list->parsed()) {
    status = portal::RunStaffListCommand(so);
  } else if (staff_remove->parsed()) {
    status = portal::RunStaffRemoveCommand(so);
  } else if (queue_list->parsed()) {
    status = portal::RunQueueListCommand(so);
  } else if (claim->parsed()) {
    status = portal::RunClaimCommand(wo);
  } else if (release->parsed()) {
    status = portal::RunReleaseCommand(wo);
  } else if (show->parsed()) {
    status = portal::RunShowCommand(wo);
  } else if (accept->parsed()) {
    status = portal::RunAcceptCommand(wo);
  } else if (reject->parsed()) {
    status = portal::RunRejectCommand(wo);
  } else if (inbox->parsed()) {
    status = portal::RunInboxCommand(wo);
  } else if (reply->parsed()) {
    status = portal::RunReplyCommand(wo);
  } else if (audit_verify->parsed()) {
    status = portal::RunAuditVerifyCommand(wo);
  } else if (audit_list->parsed()) {
    status = portal::RunAuditListCommand(wo);
  } else if (purge->parsed()) {
    status = portal::RunPurgeCommand(wo);
  } else if (notify_send->parsed()) {
    status = portal::RunNotifySendCommand(wo);
  }
  return status.ok() ? 0 : portal::ReportFailure(kProgram, status);
}
