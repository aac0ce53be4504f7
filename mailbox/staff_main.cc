// portal-staff: the records staff's command line. Thin: parse arguments, call one command.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "core/version.h"
#include "mailbox/enrollment_commands.h"

namespace {

constexpr char kExitCodes[] =
    "Exit codes: 0 success, 1 refused or invalid input, 2 usage error, 3 I/O or system "
    "failure.";

int Fail(const portal::Status& status) {
  std::fprintf(stderr, "portal-staff: error: %s\n", status.message().c_str());
  return status.ExitCode();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"portal-staff — the records staff's tools for the Patient Portal.", "portal-staff"};
  app.footer(kExitCodes);
  app.set_version_flag("--version", std::string("portal-staff ") + portal::kVersion);
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

  CLI::App* unenroll = app.add_subcommand(
      "unenroll", "Forget a patient's enrolment; the next nightly run removes their summary");
  unenroll->add_option("--mrn", o.mrn, mrn_help)->required();
  add_config(unenroll);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return Fail(portal::Status::Usage(std::string(e.what()) + " (see portal-staff --help)"));
  }
  portal::Status status;
  if (init->parsed()) {
    status = portal::RunInitCommand(o);
  } else if (enroll->parsed()) {
    status = portal::RunEnrollCommand(o);
  } else if (grant->parsed()) {
    status = portal::RunProxyGrantCommand(o);
  } else if (revoke->parsed()) {
    status = portal::RunProxyRevokeCommand(o);
  } else if (unenroll->parsed()) {
    status = portal::RunUnenrollCommand(o);
  }
  return status.ok() ? 0 : Fail(status);
}
