#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time_zone.h"

namespace portal {

// The hospital's facts and the portal's settings, read once from content/portal.toml. Every
// fact the pages or programs reuse lives here and nowhere else.
struct PortalConfig {
  struct Hospital {
    std::string name;
    std::string short_name;
    std::string records_department;
    std::string portal_url;
  };
  struct HelpLine {
    std::string name;
    std::string display;  // As printed: "860 823-6363".
    std::string tel;      // For tel: links: "+18608236363".
  };
  struct Paths {  // All absolute after loading (relative ones resolve against the config folder).
    std::filesystem::path state_dir;
    std::filesystem::path faq_dir;
    std::filesystem::path home_page;
    std::filesystem::path templates_dir;
    std::filesystem::path site_output_dir;
    std::filesystem::path summaries_output_dir;  // One folder per enrolled patient's token.
    std::filesystem::path extracts_dir;  // Where the EHR drops FHIR extracts for the nightly run.
  };
  struct Topic {
    std::string id;
    std::string title;
  };
  struct Site {
    std::string title;
    std::string language;
    std::string base_url;   // Absolute, ends in '/'.
    std::string base_path;  // Path part of base_url, derived: "/" or "/help/".
    // The hospital's IANA time zone: the dates patients read, birthdays (optional; UTC).
    std::string time_zone = "UTC";
    TimeZone zone;  // Loaded from time_zone.
    std::vector<Topic> topics;
  };
  struct Mrn {
    std::string pattern;            // ECMAScript regular expression for a whole MRN.
    std::string identifier_system;  // Patient.identifier system of the MRN; "" = any MR-typed.
    std::string example;
    std::string description;
  };
  struct Provider {
    std::string id;
    std::string name;
  };
  struct ReleaseSection {
    std::string id;
    std::string title;
    std::string shows;  // What the section holds: "laboratory results".
    bool current_only = false;
    long long since_year = 0;     // 0 = no lower bound.
    long long max_age_years = 0;  // 0 = no age limit.
    std::string note;
    // Which resources the section holds: "Type", "Type:system|code" (the code matched against
    // the resource's category, type and code) or "Type:(tag)" (a SNOMED CT display in its
    // code ending in that semantic tag, such as "(finding)").
    std::vector<std::string> match;
    std::string layout = "rows";        // "rows", or "results": grouped by report and by test.
    std::string audience = "everyone";  // "everyone", or "patient": never on a proxy's page.
    bool shown = true;  // false: what the section selects is shown nowhere (the section is off).
    std::vector<std::string> current_statuses;  // With current_only: accepted status codes.
    bool after_delay = false;  // Shown only delay_hours after issued (else effective).
  };
  struct Release {
    long long delay_hours = 72;
    long long minimum_age_years = 18;
    std::vector<std::string> pathology_codes;  // "system|code"; never shown anywhere.
    std::vector<std::string> emancipated_minor_mrns;
    std::string emancipated_extension_url;  // Patient extension (valueBoolean true); "" = none.
    std::vector<ReleaseSection> sections;
  };
  // What `portal-gen ingest` takes (optional section).
  struct Ingest {
    // Valid resources of these types are counted and not stored ("Claim").
    std::vector<std::string> skip_types;
    // Absolute references under these bases ("https://ehr.example.org/fhir/") are this
    // hospital's; any other absolute reference is another server's and never resolves to a
    // local resource.
    std::vector<std::string> local_base_urls;
  };
  struct ProfileField {
    std::string id;
    std::string label;
  };

  // portal-mailboxd's settings; every one has a default, so the section is optional.
  // Patients' accounts ([accounts]): codes, sign-in lockout, the unsigned endpoints' limits.
  struct Accounts {
    long long activation_code_days = 14;     // A staff-made activation code is valid this long.
    long long email_code_minutes = 30;       // An e-mailed code is valid this long ...
    long long email_code_tries = 5;          // ... and void after this many wrong tries;
    long long email_codes_per_day = 3;       // at most this many per MRN in 24 hours.
    long long lockout_failures = 5;          // Wrong sign-ins for one Logon ID before it waits ...
    long long lockout_initial_seconds = 60;  // ... this long, doubling with each further one,
    long long lockout_max_seconds = 3600;    // up to this.
    // The unsigned endpoints (prelogin, sessions, registrations, recoveries), per client
    // address, on top of the mailbox's per-address limit.
    long long per_address_per_minute = 20;
    long long per_address_burst = 10;
    // registrations and recoveries per MRN (whether or not anyone has it).
    long long per_mrn_per_hour = 6;
    long long max_key_blob_kib = 16;  // The encrypted private key a client stores.
    long long max_public_key_kib = 16;
    // Whether a proxy (a RelatedPerson with a proxy code) may send profile-change requests for
    // the patient. Off by default: the FAQ's profile changes are the patient's own.
    bool proxy_profile_changes = false;
    // The patient app's pages, relative to site.base_url (issue 14 builds them); codes travel
    // in the fragment (#code=...), never in the query.
    std::string register_path = "account/register";
    std::string recover_path = "account/recover";
  };
  // The patient app's pages ([app]; issue 14): where the daemon is, the sign-in page, and the
  // Argon2id settings the app uses for new password verifiers (sign-in uses the account's own).
  struct App {
    std::string mailbox_path = "/portal-mailbox/";  // Absolute, ends in '/'; the API is <it>v1/.
    std::string sign_in_path = "account/";          // Relative to site.base_url, like the others.
    long long kdf_passes = 3;
    long long kdf_memory_kib = 65536;  // At least 19456, the daemon's floor.
    long long kdf_parallelism = 4;
    long long idle_minutes = 15;  // The app locks after this long without input.
  };
  struct Mailbox {
    std::string listen = "127.0.0.1:8787";  // Loopback: TLS and the public address are nginx's.
    long long threads = 8;                  // Request threads (each may wait on one gpg process).
    long long max_connections = 256;        // Beyond it: 503.
    long long max_body_kib = 64;            // Beyond it: 413.
    long long header_timeout_ms = 10000;
    long long body_timeout_ms = 30000;
    long long per_address_per_minute = 120;  // Requests per client address (429 beyond).
    long long per_address_burst = 60;
    long long per_key_per_minute = 20;  // Submissions per patient key (429 beyond).
    long long per_key_burst = 10;
    // The proxies (IP addresses) whose X-Real-IP is believed; every other peer is its own
    // address (issue 15). trust_proxy_header, which believed any loopback peer, is retired.
    std::vector<std::string> trusted_proxies;
    // Optional unix socket the daemon also listens on (for nginx: 0660, nginx's group); a request
    // through it is from the proxy, so its X-Real-IP is believed. "" = none.
    std::filesystem::path listen_socket;
    long long max_connections_per_address = 32;  // Beyond it: 503 for that address only.
  };

  // Records staff at work (portal-staff queue/inbox commands).
  struct Staff {
    long long lease_minutes = 30;       // A claim lasts this long unless released or finished.
    std::filesystem::path exports_dir;  // Accepted changes as FHIR NDJSON for the EHR.
    long long retention_days = 90;      // Completed items are purged after this many days.
    // The audit trail's anchor outside the state directory: one line (seq, hash) per entry,
    // appended; `audit verify` compares the trail with it. "" = none (verify says so).
    std::filesystem::path audit_anchor;
  };
  // E-mail notices (libcurl SMTP). No PHI is ever in a notice. Optional: without smtp_url no
  // mail is queued.
  struct Notifications {
    std::string smtp_url;  // "smtp://host:587" (STARTTLS per starttls) or "smtps://host:465".
    std::string starttls = "required";         // "required", "optional" or "off" (loopback tests).
    std::string username;                      // "" = no authentication.
    std::filesystem::path password_file;       // Read at send time; never in the config itself.
    std::string from;                          // "Patient Portal <portal@hospital.org>".
    std::vector<std::string> staff_digest_to;  // Records staff addresses for the digest.
    long long digest_interval_minutes = 60;    // At most one digest per interval.
    long long retry_initial_seconds = 60;      // Backoff doubles from here ...
    long long retry_max_seconds = 3600;        // ... up to this.
    long long poll_seconds = 30;  // How often portal-mailboxd queues the digest and sends.
  };

  // Pulling the extracts from the EHR (FHIR Bulk Data $export with SMART Backend Services;
  // `portal-gen pull`, and the nightly run's first phase). Optional: without the section
  // nothing is pulled and extracts are dropped into paths.extracts_dir by hand.
  struct Ehr {
    bool enabled = false;          // The section is present.
    std::string base_url;          // The FHIR base, absolute http(s), without a trailing '/'.
    std::string level = "system";  // "system", "Patient" or "Group/<id>".
    // _type; default: Patient, Medication, DiagnosticReport, Observation and every type the
    // release sections match (DefaultEhrTypes).
    std::vector<std::string> types;
    std::string client_id;            // "" = the server needs no authorization.
    std::filesystem::path key_file;   // Default <state_dir>/ehr/ehr-key.pem (0600).
    std::string token_url;            // "" = from <base_url>/.well-known/smart-configuration.
    std::string scope_syntax = "v1";  // "v1": system/Type.read; "v2": system/Type.rs.
    long long connect_timeout_seconds = 30;
    long long request_timeout_seconds = 120;   // A kick-off, status or token request.
    long long stall_timeout_seconds = 120;     // A download receiving nothing this long is cut.
    long long max_wait_minutes = 720;          // For the export to finish.
    long long max_retry_after_seconds = 3600;  // A longer Retry-After is clamped to this.
    long long retries = 6;                     // Per request, with exponential backoff.
    long long retry_initial_seconds = 2;
    long long concurrency = 2;      // Downloads at once.
    long long max_file_mib = 4096;  // A bigger file is refused.
  };

  std::filesystem::path config_path;
  Hospital hospital;
  HelpLine help_line;
  Paths paths;
  Site site;
  Mrn mrn;
  std::vector<Provider> providers;
  Release release;
  Ingest ingest;
  std::vector<ProfileField> profile_fields;
  std::vector<std::string> summary_notices;  // Printed on every patient summary.
  Mailbox mailbox;
  Accounts accounts;
  App app;
  Staff staff;
  Notifications notifications;
  Ehr ehr;
};

// The _type list pulled when [ehr] types is not set: what the summaries read.
std::vector<std::string> DefaultEhrTypes(const PortalConfig& config);

// Sets site.base_url and the derived base_path; false (nothing changed) unless `url` is an
// absolute http(s) URL ending in '/'.
bool SetBaseUrl(const std::string& url, PortalConfig::Site* site);

// Loads and validates the config file. Unknown keys, wrong types and bad values are
// InvalidInput errors naming the file, line and key.
Status LoadConfig(const std::filesystem::path& path, PortalConfig* out);

// The same for config text read from `path` (relative paths resolve against its folder; the
// files it names are not read).
Status ParseConfig(std::string_view text, const std::filesystem::path& path, PortalConfig* out);

}  // namespace portal
