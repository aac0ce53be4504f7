// portal-staff init | enroll | proxy grant|revoke | email | unenroll: preparing the state
// directory once, and enrolling patients (and their adult proxies) seen with photo ID.
#include <cstdio>
#include <memory>
#include <regex>

#include "core/config.h"
#include "core/enrollment_registry.h"
#include "core/fhir_time.h"
#include "core/file_util.h"
#include "core/gpg.h"
#include "core/patient_eligibility.h"
#include "core/record_store.h"
#include "core/reply_dropbox.h"
#include "core/state_layout.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/staff_session.h"

namespace portal {

namespace {

// What the records staff type for enrolment.
struct EnrollmentOptions {
  std::string config_path;  // Filled from the table when the command runs.
  std::string mrn;
  std::string key_file;     // The patient's or proxy's public key, armored or binary.
  std::string fingerprint;  // proxy revoke.
  bool replace_key = false;
  std::string email;                 // enroll: where plain notices go ("" = none).
  CLI::Option* email_set = nullptr;  // email: --set, if given.
  bool email_clear = false;          // email: --clear.
};

Status CheckEmail(const std::string& email) {
  static const std::regex kEmail(R"([^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+)");
  if (!email.empty() && (email.size() > 254 || !std::regex_match(email, kEmail))) {
    return Status::Usage("--email is not an e-mail address");
  }
  return Status::Ok();
}

void PrintKey(const char* what, const EnrolledKey& key) {
  std::printf("%s key pinned: %s%s\n", what, key.fingerprint.c_str(),
              key.expires == 0
                  ? " (does not expire)"
                  : (" (expires " + FormatInstant(key.expires).substr(0, 10) + ")").c_str());
}

Status RunInitCommand(const EnrollmentOptions& options, const Clock&) {
  PortalConfig config;
  PORTAL_RETURN_IF_ERROR(LoadConfig(options.config_path, &config));
  InitReport report;
  PORTAL_RETURN_IF_ERROR(InitStateDir(config, &report));
  const StateLayout layout(config.paths.state_dir);
  std::printf("state directory ready: %s\n", layout.root.c_str());
  std::printf("%s signing key: %s\n", report.created_signing_key ? "created" : "existing",
              report.signing_fingerprint.c_str());
  std::printf("its public key (publish it for patients to check signatures): %s\n",
              layout.signing_public_key.c_str());
  std::printf("%s mailbox service key: %s\n", report.created_mailbox_key ? "created" : "existing",
              report.mailbox_fingerprint.c_str());
  std::printf("its public key (staff check queued documents with it): %s\n",
              layout.mailbox_public_key.c_str());
  return Status::Ok();
}

Status RunEnrollCommand(const EnrollmentOptions& options, const Clock& clock) {
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(options.config_path, &s));
  PORTAL_RETURN_IF_ERROR(CheckMrnFormat(s.config, options.mrn));
  PORTAL_RETURN_IF_ERROR(CheckEmail(options.email));
  std::string patient_id;
  PORTAL_RETURN_IF_ERROR(CheckEligiblePatient(s, options.mrn, clock.Now(), &patient_id));
  EnrolledKey key;
  std::string data;
  PORTAL_RETURN_IF_ERROR(ReadUsableKey(s, options.key_file, &key, &data));
  std::string token;
  PORTAL_RETURN_IF_ERROR(s.registry->Enroll(options.mrn, patient_id, key, data, options.replace_key,
                                            clock.Now(), &token));
  if (!options.email.empty())
    PORTAL_RETURN_IF_ERROR(s.registry->SetEmail(options.mrn, options.email));
  std::printf("%s\n", options.replace_key ? "patient key replaced" : "patient enrolled");
  PrintKey("patient", key);
  std::printf(
      "read the fingerprint back to the patient; their summary appears after the next "
      "nightly run at\n  %spatients/%s/summary.html.pgp\n",
      s.config.site.base_url.c_str(), token.c_str());
  return Status::Ok();
}

Status RunProxyGrantCommand(const EnrollmentOptions& options, const Clock& clock) {
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(options.config_path, &s));
  PORTAL_RETURN_IF_ERROR(CheckMrnFormat(s.config, options.mrn));
  EnrolledKey key;
  std::string data;
  PORTAL_RETURN_IF_ERROR(ReadUsableKey(s, options.key_file, &key, &data));
  PORTAL_RETURN_IF_ERROR(s.registry->GrantProxy(options.mrn, key, data, clock.Now()));
  std::printf("proxy access granted\n");
  PrintKey("proxy", key);
  std::printf("the next nightly run encrypts the patient's summary to this key too\n");
  return Status::Ok();
}

Status RunProxyRevokeCommand(const EnrollmentOptions& options, const Clock&) {
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(options.config_path, &s));
  PORTAL_RETURN_IF_ERROR(CheckMrnFormat(s.config, options.mrn));
  PORTAL_RETURN_IF_ERROR(s.registry->RevokeProxy(options.mrn, options.fingerprint));
  std::printf(
      "proxy access revoked: %s\nthe next nightly run re-encrypts the summary without "
      "it\n",
      options.fingerprint.c_str());
  return Status::Ok();
}

Status RunUnenrollCommand(const EnrollmentOptions& options, const Clock&) {
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(options.config_path, &s));
  PORTAL_RETURN_IF_ERROR(CheckMrnFormat(s.config, options.mrn));
  Enrollment e;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(s.registry->Find(options.mrn, &e, &found));
  PORTAL_RETURN_IF_ERROR(s.registry->Unenroll(options.mrn));
  // Replies sealed for the patient go too; the nightly run removes what was published.
  std::error_code ec;
  if (found) std::filesystem::remove_all(ReplyFolder(s.layout->replies_dir, e.token), ec);
  std::printf("patient unenrolled; the next nightly run removes their published summary\n");
  return Status::Ok();
}

Status RunEmailCommand(const EnrollmentOptions& options, const Clock&) {
  if (options.email_set->count() == 0 && !options.email_clear) {
    return Status::Usage("email: give --set ADDRESS or --clear");
  }
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(options.config_path, &s));
  PORTAL_RETURN_IF_ERROR(CheckMrnFormat(s.config, options.mrn));
  PORTAL_RETURN_IF_ERROR(CheckEmail(options.email));
  PORTAL_RETURN_IF_ERROR(s.registry->SetEmail(options.mrn, options.email));
  std::printf(options.email.empty() ? "no notices will be e-mailed to the patient\n"
                                    : "notices go to the new address\n");
  return Status::Ok();
}

constexpr char kMrnHelp[] = "The patient's medical record number";

using Command = Status (*)(const EnrollmentOptions&, const Clock&);

// The enrolment commands share one set of options (only one command runs).
struct Registrar {
  CommandTable* table;
  const Clock& clock;
  std::shared_ptr<EnrollmentOptions> o = std::make_shared<EnrollmentOptions>();

  // Adds `name`, which runs `command` with the --config the table settled on.
  CLI::App* Add(CLI::App* parent, const std::string& name, const std::string& help,
                Command command) const {
    return table->Add(parent, name, help, [table = table, o = o, &clock = clock, command] {
      o->config_path = table->config_path();
      return command(*o, clock);
    });
  }
};

void AddEnroll(const Registrar& r) {
  CLI::App* enroll = r.Add(
      nullptr, "enroll", "Enrol a patient seen with photo ID, pinning their key", RunEnrollCommand);
  enroll->add_option("--mrn", r.o->mrn, kMrnHelp)->required();
  enroll->add_option("--key", r.o->key_file, "The patient's OpenPGP public key file")->required();
  enroll->add_option("--email", r.o->email,
                     "Where plain notices go (processed request, reply waiting); optional");
  enroll->add_flag("--replace-key", r.o->replace_key,
                   "The patient is enrolled: pin this key instead of their old one");
}

void AddProxy(const Registrar& r) {
  CLI::App* proxy = r.table->Group("proxy", "Grant or revoke an adult proxy's access");
  CLI::App* grant =
      r.Add(proxy, "grant", "Pin a proxy's key for an enrolled patient", RunProxyGrantCommand);
  grant->add_option("--mrn", r.o->mrn, kMrnHelp)->required();
  grant->add_option("--key", r.o->key_file, "The proxy's OpenPGP public key file")->required();
  CLI::App* revoke = r.Add(proxy, "revoke", "Unpin a proxy's key", RunProxyRevokeCommand);
  revoke->add_option("--mrn", r.o->mrn, kMrnHelp)->required();
  revoke->add_option("--fingerprint", r.o->fingerprint, "The proxy key's fingerprint")->required();
}

void AddEmail(const Registrar& r) {
  CLI::App* email = r.Add(nullptr, "email",
                          "Set or clear where a patient's plain notices go (never any health data)",
                          RunEmailCommand);
  email->add_option("--mrn", r.o->mrn, kMrnHelp)->required();
  r.o->email_set = email->add_option("--set", r.o->email, "The address");
  r.o->email_set->excludes(email->add_flag("--clear", r.o->email_clear, "No notices by e-mail"));
}

}  // namespace

void RegisterEnrollmentCommands(CommandTable* table, const Clock& clock) {
  const Registrar r{table, clock};
  r.Add(nullptr, "init", "Prepare the state directory once: databases, key homes, the signing key",
        RunInitCommand);
  AddEnroll(r);
  AddProxy(r);
  AddEmail(r);
  r.Add(nullptr, "unenroll",
        "Forget a patient's enrolment; the next nightly run removes their summary",
        RunUnenrollCommand)
      ->add_option("--mrn", r.o->mrn, kMrnHelp)
      ->required();
}

}  // namespace portal
