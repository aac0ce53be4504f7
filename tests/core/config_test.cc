#define BOOST_TEST_MODULE config_test
#include "core/config.h"

#include <algorithm>

#include <boost/test/unit_test.hpp>

#include "tests/test_util.h"

namespace portal {
namespace {

using testing::TempDir;

// A minimal valid config; tests change one thing at a time.
const char kValid[] = R"(
[hospital]
name = "General"
short_name = "Gen"
records_department = "Records"
portal_url = "https://example.org/portal"

[help_line]
name = "help line"
display = "555 010-0000"
tel = "+15550100000"

[paths]
state_dir = "state"
faq_dir = "faq"
home_page = "home.md"
templates_dir = "../tmpl"
site_output_dir = "out/site"
summaries_output_dir = "out/patients"
extracts_dir = "/srv/extracts"

[site]
title = "Help"
language = "en"
base_url = "https://example.org/help/"
[[site.topics]]
id = "access"
title = "Access"

[mrn]
pattern = "^M[0-9]{6}$"
example = "M######"
description = "an M and 6 digits"

[messaging]
[[messaging.providers]]
id = "clinic-a"
name = "Clinic A"

[release]
delay_hours = 72
minimum_age_years = 18
pathology_codes = ["http://loinc.org|11526-1"]
[[release.sections]]
id = "results"
title = "Results"
shows = "laboratory results"
since_year = 2003
match = ["Observation:http://terminology.hl7.org/CodeSystem/observation-category|laboratory"]

[profile]
[[profile.fields]]
id = "race"
label = "Race"

[summary]
notices = ["Not your complete legal record."]
)";

Status LoadText(const TempDir& dir, const std::string& text, PortalConfig* cfg) {
  const auto path = dir.path() / "conf" / "portal.toml";
  testing::Spit(path, text);
  return LoadConfig(path, cfg);
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  BOOST_REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

BOOST_AUTO_TEST_CASE(reads_every_section_and_resolves_paths_against_the_config_folder) {
  TempDir dir;
  PortalConfig cfg;
  Status st = LoadText(dir, kValid, &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(cfg.hospital.short_name == "Gen");
  BOOST_TEST(cfg.help_line.tel == "+15550100000");
  BOOST_TEST(cfg.paths.faq_dir == dir.path() / "conf" / "faq");
  BOOST_TEST(cfg.paths.templates_dir == dir.path() / "tmpl");
  BOOST_TEST(cfg.paths.site_output_dir == dir.path() / "conf" / "out" / "site");
  BOOST_TEST(cfg.paths.summaries_output_dir == dir.path() / "conf" / "out" / "patients");
  BOOST_TEST(cfg.paths.extracts_dir == "/srv/extracts");
  BOOST_TEST(cfg.site.base_path == "/help/");
  BOOST_TEST(cfg.site.topics.size() == 1u);
  BOOST_TEST(cfg.providers.size() == 1u);
  BOOST_TEST(cfg.providers[0].name == "Clinic A");
  BOOST_TEST(cfg.release.sections[0].since_year == 2003);
  BOOST_TEST(cfg.release.sections[0].match.size() == 1u);
  BOOST_TEST(cfg.release.pathology_codes.size() == 1u);
  BOOST_TEST(cfg.profile_fields[0].label == "Race");
}

BOOST_AUTO_TEST_CASE(the_mailbox_section_is_optional_and_checked) {
  TempDir dir;
  PortalConfig cfg;
  Status st = LoadText(dir, kValid, &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(cfg.mailbox.listen == "127.0.0.1:8787");
  BOOST_TEST(cfg.mailbox.max_body_kib == 64);
  st = LoadText(
      dir, std::string(kValid) + "\n[mailbox]\nlisten = \"127.0.0.1:9000\"\nper_key_burst = 3\n",
      &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(cfg.mailbox.listen == "127.0.0.1:9000");
  BOOST_TEST(cfg.mailbox.per_key_burst == 3);
  BOOST_TEST(cfg.mailbox.per_key_per_minute == 20);
  // The retired key is an error naming what replaced it, whichever value it has.
  for (const char* value : {"true", "false"}) {
    st = LoadText(dir, std::string(kValid) + "\n[mailbox]\ntrust_proxy_header = " + value + "\n",
                  &cfg);
    BOOST_TEST(!st.ok());
    BOOST_TEST(st.message().find("trust_proxy_header: retired") != std::string::npos, st.message());
    BOOST_TEST(st.message().find("mailbox.listen_socket") != std::string::npos, st.message());
    BOOST_TEST(st.message().find("mailbox.trusted_proxies") != std::string::npos, st.message());
  }
  BOOST_TEST(cfg.mailbox.trusted_proxies.empty());
  BOOST_TEST(cfg.mailbox.listen_socket.empty());
  BOOST_TEST(cfg.mailbox.max_connections_per_address == 32);
  st = LoadText(dir,
                std::string(kValid) +
                    "\n[mailbox]\ntrusted_proxies = [\"127.0.0.1\", \"::1\"]\n"
                    "listen_socket = \"/run/portal/mailboxd.sock\"\n"
                    "max_connections_per_address = 4\n",
                &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST((cfg.mailbox.trusted_proxies == std::vector<std::string>{"127.0.0.1", "::1"}));
  BOOST_TEST(cfg.mailbox.listen_socket == "/run/portal/mailboxd.sock");
  BOOST_TEST(cfg.mailbox.max_connections_per_address == 4);
  for (const char* bad : {"listen = \"9000\"", "threads = 0", "max_body_kib = 4096", "rate = 5",
                          "trusted_proxies = [\"nginx\"]", "trusted_proxies = [\"10.0.0.1/8\"]",
                          "listen_socket = \"run/x.sock\"", "max_connections_per_address = 0"}) {
    st = LoadText(dir, std::string(kValid) + "\n[mailbox]\n" + bad + "\n", &cfg);
    BOOST_TEST(!st.ok(), bad);
    BOOST_TEST(st.message().find("mailbox.") != std::string::npos, st.message());
  }
}

BOOST_AUTO_TEST_CASE(staff_and_notification_sections_are_optional_and_checked) {
  TempDir dir;
  PortalConfig cfg;
  Status st = LoadText(dir, kValid, &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(cfg.staff.lease_minutes == 30);
  BOOST_TEST(cfg.staff.exports_dir == dir.path() / "conf" / "state" / "exports");
  BOOST_TEST(cfg.notifications.smtp_url.empty());
  st = LoadText(dir,
                std::string(kValid) +
                    "\n[staff]\nlease_minutes = 5\nexports_dir = \"out/exports\"\n"
                    "[notifications]\nsmtp_url = \"smtp://127.0.0.1:2525\"\nstarttls = \"off\"\n"
                    "from = \"Portal <p@example.org>\"\npassword_file = \"secret\"\n"
                    "staff_digest_to = [\"records@example.org\"]\n",
                &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(cfg.staff.lease_minutes == 5);
  BOOST_TEST(cfg.staff.exports_dir == dir.path() / "conf" / "out" / "exports");
  BOOST_TEST(cfg.notifications.starttls == "off");
  BOOST_TEST(cfg.notifications.password_file == dir.path() / "conf" / "secret");
  BOOST_TEST(cfg.notifications.staff_digest_to.size() == 1u);
  for (const char* bad : {"[staff]\nlease_minutes = 0", "[notifications]\nsmtp_url = \"http://x\"",
                          "[notifications]\nsmtp_url = \"smtp://x\"",  // No from.
                          "[notifications]\nstarttls = \"maybe\"",
                          "[notifications]\nretry_initial_seconds = 10\nretry_max_seconds = 5"}) {
    st = LoadText(dir, std::string(kValid) + "\n" + bad + "\n", &cfg);
    BOOST_TEST(!st.ok(), bad);
  }
}

BOOST_AUTO_TEST_CASE(the_accounts_section_is_optional_and_checked) {
  TempDir dir;
  PortalConfig cfg;
  Status st = LoadText(dir, kValid, &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  // The defaults, written out.
  BOOST_TEST(cfg.accounts.activation_code_days == 14);
  BOOST_TEST(cfg.accounts.email_code_minutes == 30);
  BOOST_TEST(cfg.accounts.email_code_tries == 5);
  BOOST_TEST(cfg.accounts.email_codes_per_day == 3);
  BOOST_TEST(cfg.accounts.lockout_failures == 5);
  BOOST_TEST(cfg.accounts.lockout_initial_seconds == 60);
  BOOST_TEST(cfg.accounts.lockout_max_seconds == 3600);
  BOOST_TEST(cfg.accounts.per_mrn_per_hour == 6);
  BOOST_TEST(cfg.accounts.register_path == "account/register");
  BOOST_TEST(cfg.accounts.recover_path == "account/recover");
  st = LoadText(dir,
                std::string(kValid) +
                    "\n[accounts]\nactivation_code_days = 7\nlockout_failures = 3\n"
                    "lockout_initial_seconds = 10\nlockout_max_seconds = 10\n"
                    "max_key_blob_kib = 32\nregister_path = \"app/#/join\"\n",
                &cfg);
  BOOST_TEST(!st.ok());  // A fragment in a path.
  st = LoadText(dir,
                std::string(kValid) +
                    "\n[accounts]\nactivation_code_days = 7\nlockout_failures = 3\n"
                    "lockout_initial_seconds = 10\nlockout_max_seconds = 10\n"
                    "max_key_blob_kib = 32\nregister_path = \"app/join\"\n",
                &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(cfg.accounts.activation_code_days == 7);
  BOOST_TEST(cfg.accounts.lockout_failures == 3);
  BOOST_TEST(cfg.accounts.lockout_initial_seconds == 10);
  BOOST_TEST(cfg.accounts.lockout_max_seconds == 10);
  BOOST_TEST(cfg.accounts.max_key_blob_kib == 32);
  BOOST_TEST(cfg.accounts.register_path == "app/join");
  BOOST_TEST(cfg.accounts.recover_path == "account/recover");
  BOOST_TEST(cfg.accounts.email_code_tries == 5);
  for (const char* bad : {"activation_code_days = 0",
                          "email_code_minutes = -1",
                          "email_code_tries = 0",
                          "email_codes_per_day = 0",
                          "lockout_failures = 0",
                          "lockout_initial_seconds = 0",
                          "lockout_max_seconds = 0",
                          "per_address_per_minute = 0",
                          "per_address_burst = 0",
                          "per_mrn_per_hour = 0",
                          "max_key_blob_kib = 0",
                          "max_public_key_kib = 0",
                          "lockout_initial_seconds = 120\nlockout_max_seconds = 60",
                          "register_path = \"\"",
                          "register_path = \"/account/register\"",
                          "recover_path = \"../recover\"",
                          "recover_path = \"a/../b\"",
                          "register_path = \"register?code=1\"",
                          "recover_path = \"recover#x\"",
                          "register_path = \"my register\"",
                          "activation_code_days = \"14\"",
                          "register_path = 5"}) {
    st = LoadText(dir, std::string(kValid) + "\n[accounts]\n" + bad + "\n", &cfg);
    BOOST_TEST(!st.ok(), bad);
    BOOST_TEST(st.message().find("accounts.") != std::string::npos, st.message());
  }
  // An unknown key, named with the file and its line (kValid ends on its own line).
  const std::string text = std::string(kValid) + "[accounts]\nlockout_failures = 4\ncolour = 1\n";
  const int line = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  st = LoadText(dir, text, &cfg);
  BOOST_TEST(st.message().find("portal.toml:" + std::to_string(line) +
                               ": accounts.colour: unknown key") != std::string::npos,
             st.message());
}

// Every [app] value of `got` equals the one written out in `want`.
void CheckApp(const PortalConfig::App& got, const PortalConfig::App& want) {
  BOOST_TEST(got.mailbox_path == want.mailbox_path);
  BOOST_TEST(got.sign_in_path == want.sign_in_path);
  BOOST_TEST(got.kdf_passes == want.kdf_passes);
  BOOST_TEST(got.kdf_memory_kib == want.kdf_memory_kib);
  BOOST_TEST(got.kdf_parallelism == want.kdf_parallelism);
  BOOST_TEST(got.idle_minutes == want.idle_minutes);
}

BOOST_AUTO_TEST_CASE(the_app_section_is_optional_and_checked) {
  TempDir dir;
  PortalConfig cfg;
  Status st = LoadText(dir, kValid, &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  // The defaults, written out (issue 14's design).
  CheckApp(cfg.app, {.mailbox_path = "/portal-mailbox/",
                     .sign_in_path = "account/",
                     .kdf_passes = 3,
                     .kdf_memory_kib = 65536,
                     .kdf_parallelism = 4,
                     .idle_minutes = 15});
  // The small settings tests use, then the upper bounds.
  st = LoadText(dir,
                std::string(kValid) +
                    "\n[app]\nmailbox_path = \"/mb/\"\nsign_in_path = \"patients/in\"\n"
                    "kdf_passes = 1\nkdf_memory_kib = 19456\nkdf_parallelism = 1\n"
                    "idle_minutes = 1\n",
                &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  CheckApp(cfg.app, {.mailbox_path = "/mb/",
                     .sign_in_path = "patients/in",
                     .kdf_passes = 1,
                     .kdf_memory_kib = 19456,
                     .kdf_parallelism = 1,
                     .idle_minutes = 1});
  st = LoadText(dir,
                std::string(kValid) +
                    "\n[app]\nkdf_passes = 16\nkdf_memory_kib = 1048576\n"
                    "kdf_parallelism = 16\nidle_minutes = 240\nmailbox_path = \"/\"\n",
                &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  CheckApp(cfg.app, {.mailbox_path = "/",
                     .sign_in_path = "account/",
                     .kdf_passes = 16,
                     .kdf_memory_kib = 1048576,
                     .kdf_parallelism = 16,
                     .idle_minutes = 240});
  for (const char* bad : {"kdf_passes = 0",
                          "kdf_passes = 17",
                          "kdf_memory_kib = 19455",
                          "kdf_memory_kib = 1048577",
                          "kdf_parallelism = 0",
                          "kdf_parallelism = 17",
                          "idle_minutes = 0",
                          "idle_minutes = 241",
                          "kdf_passes = \"3\"",
                          "kdf_memory_kib = 64.0",
                          "mailbox_path = \"portal-mailbox/\"",
                          "mailbox_path = \"/portal-mailbox\"",
                          "mailbox_path = \"/a/../b/\"",
                          "mailbox_path = \"/a b/\"",
                          "mailbox_path = \"/a?b/\"",
                          "mailbox_path = \"//\"",
                          "mailbox_path = \"https://example.org/mb/\"",
                          "mailbox_path = 5",
                          "sign_in_path = \"\"",
                          "sign_in_path = \"/account/\"",
                          "sign_in_path = \"../account/\"",
                          "sign_in_path = \"account/#x\"",
                          "sign_in_path = \"my account/\"",
                          "sign_in_path = true"}) {
    st = LoadText(dir, std::string(kValid) + "\n[app]\n" + bad + "\n", &cfg);
    BOOST_TEST(!st.ok(), bad);
    BOOST_TEST(st.message().find("app.") != std::string::npos, st.message());
  }
  // An out-of-range value and an unknown key, each named with the file and its line.
  std::string text = std::string(kValid) + "[app]\nidle_minutes = 15\nkdf_memory_kib = 1024\n";
  int line = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  st = LoadText(dir, text, &cfg);
  BOOST_TEST(
      st.message().find("portal.toml:" + std::to_string(line) +
                        ": app.kdf_memory_kib: must be 19456 to 1048576") != std::string::npos,
      st.message());
  text = std::string(kValid) + "[app]\nidle_minutes = 15\nidle_seconds = 1\n";
  line = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  st = LoadText(dir, text, &cfg);
  BOOST_TEST(st.message().find("portal.toml:" + std::to_string(line) +
                               ": app.idle_seconds: unknown key") != std::string::npos,
             st.message());
}

BOOST_AUTO_TEST_CASE(root_base_url_gives_root_base_path) {
  TempDir dir;
  PortalConfig cfg;
  BOOST_REQUIRE(
      LoadText(dir, Replace(kValid, "https://example.org/help/", "http://h:8080/"), &cfg).ok());
  BOOST_TEST(cfg.site.base_path == "/");
}

BOOST_AUTO_TEST_CASE(unknown_key_is_named_with_file_and_line) {
  TempDir dir;
  PortalConfig cfg;
  // "colour" lands on line 7 of the file (kValid starts with an empty line).
  Status st = LoadText(dir,
                       Replace(kValid, "portal_url = \"https://example.org/portal\"\n",
                               "portal_url = \"https://example.org/portal\"\ncolour = 1\n"),
                       &cfg);
  BOOST_TEST(!st.ok());
  BOOST_TEST((st.code() == Status::Code::kInvalidInput));
  BOOST_TEST(st.message().find("portal.toml:7: hospital.colour: unknown key") != std::string::npos,
             st.message());
}

BOOST_AUTO_TEST_CASE(unknown_table_is_an_error) {
  TempDir dir;
  PortalConfig cfg;
  Status st = LoadText(dir, std::string(kValid) + "\n[extras]\nx = 1\n", &cfg);
  BOOST_TEST(st.message().find("extras: unknown key") != std::string::npos, st.message());
}

BOOST_AUTO_TEST_CASE(wrong_type_is_named) {
  TempDir dir;
  PortalConfig cfg;
  Status st = LoadText(dir, Replace(kValid, "delay_hours = 72", "delay_hours = \"72\""), &cfg);
  BOOST_TEST(st.message().find("release.delay_hours: expected an integer") != std::string::npos,
             st.message());
}

BOOST_AUTO_TEST_CASE(missing_key_is_named) {
  TempDir dir;
  PortalConfig cfg;
  Status st = LoadText(dir, Replace(kValid, "display = \"555 010-0000\"\n", ""), &cfg);
  BOOST_TEST(st.message().find("help_line.display: missing") != std::string::npos, st.message());
}

BOOST_AUTO_TEST_CASE(bad_values_are_refused) {
  TempDir dir;
  PortalConfig cfg;
  struct Case {
    const char* from;
    const char* to;
    const char* expect;
  } cases[] = {
      {"tel = \"+15550100000\"", "tel = \"555-0100\"", "help_line.tel"},
      {"https://example.org/help/", "https://example.org/help", "site.base_url"},
      {"pattern = \"^M[0-9]{6}$\"", "pattern = \"^M[0-9\"", "mrn.pattern"},
      // Found by the toml_config fuzzer: a count past a long's range overflowed inside
      // std::regex (tests/fuzz/regressions/toml_config/).
      {"pattern = \"^M[0-9]{6}$\"", "pattern = \"^M[0-9]{40000000000000000000}$\"",
       "mrn.pattern: repeats more than 1000 times"},
      {"pattern = \"^M[0-9]{6}$\"", "pattern = \"^M[0-9]{6,1001}$\"", "mrn.pattern: repeats"},
      {"since_year = 2003", "since_year = 2003\nmax_age_years = 2", "release.sections.id"},
      {"id = \"clinic-a\"", "id = \"Clinic A\"", "messaging.providers.id"},
      {"language = \"en\"", "language = \"English\"", "site.language"},
      {"\"http://loinc.org|11526-1\"", "\"11526-1\"", "release.pathology_codes"},
      {"match = [\"Observation:", "match = [\"observation:", "release.sections.match"},
      {"since_year = 2003", "current_only = true", "release.sections.current_statuses"},
      {"language = \"en\"", "language = \"en\"\ntime_zone = \"Mars/Olympus\"", "site.time_zone"},
      {"since_year = 2003", "since_year = 2003\nlayout = \"cards\"", "release.sections.layout"},
      {"since_year = 2003", "since_year = 2003\naudience = \"proxy\"", "release.sections.audience"},
      {"match = [\"Observation:", "match = [\"Observation:(Finding)\", \"Observation:",
       "release.sections.match"},
      {"[profile]", "[ingest]\nskip_types = [\"Patient\"]\n[profile]", "ingest.skip_types"},
      {"[profile]", "[ingest]\nskip_types = [\"claim\"]\n[profile]", "ingest.skip_types"},
      {"[profile]", "[ingest]\nlocal_base_urls = [\"https://ehr/fhir\"]\n[profile]",
       "ingest.local_base_urls"},
  };
  for (const auto& c : cases) {
    Status st = LoadText(dir, Replace(kValid, c.from, c.to), &cfg);
    BOOST_TEST(!st.ok(), c.to);
    BOOST_TEST(st.message().find(c.expect) != std::string::npos, st.message());
  }
}

// The hospital's zone, the sections' new keys and [ingest] are optional, with defaults.
BOOST_AUTO_TEST_CASE(time_zone_layout_audience_and_ingest_have_defaults) {
  TempDir dir;
  PortalConfig cfg;
  BOOST_REQUIRE(LoadText(dir, kValid, &cfg).ok());
  BOOST_TEST(cfg.site.time_zone == "UTC");
  BOOST_TEST(cfg.site.zone.LocalDate(1483228800) == "2017-01-01");
  BOOST_TEST(cfg.release.sections[0].layout == "rows");
  BOOST_TEST(cfg.release.sections[0].audience == "everyone");
  BOOST_TEST(cfg.release.sections[0].shown);
  BOOST_TEST(cfg.ingest.skip_types.empty());
  BOOST_TEST(cfg.ingest.local_base_urls.empty());
  std::string text =
      Replace(kValid, "language = \"en\"", "language = \"en\"\ntime_zone = \"America/New_York\"");
  text = Replace(text, "since_year = 2003",
                 "since_year = 2003\nlayout = \"results\"\naudience = \"patient\"\nshown = "
                 "false");
  text =
      Replace(text, "match = [\"Observation:", "match = [\"Condition:(finding)\", \"Observation:");
  text = Replace(text, "[profile]",
                 "[ingest]\nskip_types = [\"Claim\", \"ExplanationOfBenefit\"]\n"
                 "local_base_urls = [\"https://ehr.example.org/fhir/\"]\n[profile]");
  const Status st = LoadText(dir, text, &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(cfg.site.time_zone == "America/New_York");
  BOOST_TEST(cfg.site.zone.LocalDate(1483228800) == "2016-12-31");
  BOOST_TEST(cfg.release.sections[0].layout == "results");
  BOOST_TEST(cfg.release.sections[0].audience == "patient");
  BOOST_TEST(!cfg.release.sections[0].shown);
  BOOST_TEST(cfg.release.sections[0].match[0] == "Condition:(finding)");
  BOOST_TEST(cfg.ingest.skip_types == (std::vector<std::string>{"Claim", "ExplanationOfBenefit"}));
  BOOST_TEST(cfg.ingest.local_base_urls ==
             (std::vector<std::string>{"https://ehr.example.org/fhir/"}));
}

BOOST_AUTO_TEST_CASE(duplicate_ids_are_refused) {
  TempDir dir;
  PortalConfig cfg;
  Status st = LoadText(dir,
                       Replace(kValid, "[release]",
                               "[[messaging.providers]]\nid = \"clinic-a\"\nname = \"B\"\n\n"
                               "[release]"),
                       &cfg);
  BOOST_TEST(st.message().find("duplicate id 'clinic-a'") != std::string::npos, st.message());
}

BOOST_AUTO_TEST_CASE(syntax_error_names_the_line) {
  TempDir dir;
  PortalConfig cfg;
  Status st = LoadText(dir, "[hospital]\nname = \"unterminated\n", &cfg);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("portal.toml:2:") != std::string::npos, st.message());
}

BOOST_AUTO_TEST_CASE(missing_file_is_an_io_error) {
  TempDir dir;
  PortalConfig cfg;
  Status st = LoadConfig(dir.path() / "absent.toml", &cfg);
  BOOST_TEST((st.code() == Status::Code::kIoError));
  BOOST_TEST(st.message().find("absent.toml") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_project_config_loads_and_matches_the_seed_faq) {
  PortalConfig cfg;
  Status st = LoadConfig(testing::SourceDir() / "content" / "portal.toml", &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  // Values written out from ../shared/seed/patient-portal-faq.txt.
  BOOST_TEST(cfg.help_line.display == "860 823-6363");
  BOOST_TEST(cfg.release.delay_hours == 72);
  BOOST_TEST(cfg.release.minimum_age_years == 18);
  BOOST_TEST(cfg.providers.size() == 6u);
  BOOST_TEST(cfg.profile_fields.size() == 8u);
  // The FAQ's seven, and the social history only the patient sees (issue 12).
  BOOST_TEST(cfg.release.sections.size() == 8u);
  BOOST_TEST(cfg.release.sections[0].id == "social_history");
  BOOST_TEST(cfg.release.sections[0].audience == "patient");
  // The [accounts] section writes out the defaults.
  const PortalConfig::Accounts defaults;
  BOOST_TEST(cfg.accounts.activation_code_days == defaults.activation_code_days);
  BOOST_TEST(cfg.accounts.email_code_minutes == defaults.email_code_minutes);
  BOOST_TEST(cfg.accounts.email_code_tries == defaults.email_code_tries);
  BOOST_TEST(cfg.accounts.email_codes_per_day == defaults.email_codes_per_day);
  BOOST_TEST(cfg.accounts.lockout_failures == defaults.lockout_failures);
  BOOST_TEST(cfg.accounts.lockout_initial_seconds == defaults.lockout_initial_seconds);
  BOOST_TEST(cfg.accounts.lockout_max_seconds == defaults.lockout_max_seconds);
  BOOST_TEST(cfg.accounts.per_address_per_minute == defaults.per_address_per_minute);
  BOOST_TEST(cfg.accounts.per_address_burst == defaults.per_address_burst);
  BOOST_TEST(cfg.accounts.per_mrn_per_hour == defaults.per_mrn_per_hour);
  BOOST_TEST(cfg.accounts.max_key_blob_kib == defaults.max_key_blob_kib);
  BOOST_TEST(cfg.accounts.max_public_key_kib == defaults.max_public_key_kib);
  BOOST_TEST(cfg.accounts.register_path == defaults.register_path);
  BOOST_TEST(cfg.accounts.recover_path == defaults.recover_path);
  // The [app] section writes out the defaults, which are production settings.
  CheckApp(cfg.app, PortalConfig::App{});
}

// kValid with an [ehr] section of `body` lines (kValid ends on its own line).
std::string WithEhr(const std::string& body) { return std::string(kValid) + "[ehr]\n" + body; }

// The line of the file `text` ends on (its last line ends with '\n').
int LastLine(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

BOOST_AUTO_TEST_CASE(without_an_ehr_section_nothing_is_pulled) {
  TempDir dir;
  PortalConfig cfg;
  const Status st = LoadText(dir, kValid, &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(!cfg.ehr.enabled);
  BOOST_TEST(cfg.ehr.base_url.empty());
}

BOOST_AUTO_TEST_CASE(an_ehr_section_with_only_base_url_gets_the_defaults) {
  TempDir dir;
  PortalConfig cfg;
  const Status st = LoadText(dir, WithEhr("base_url = \"https://ehr.example.org/fhir\"\n"), &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  const PortalConfig::Ehr& e = cfg.ehr;
  BOOST_TEST(e.enabled);
  BOOST_TEST(e.base_url == "https://ehr.example.org/fhir");
  // The defaults, written out (core/config.h).
  BOOST_TEST(e.level == "system");
  BOOST_TEST(e.types.empty());  // DefaultEhrTypes is pulled.
  BOOST_TEST(e.client_id.empty());
  BOOST_TEST(e.key_file == dir.path() / "conf" / "state" / "ehr" / "ehr-key.pem");
  BOOST_TEST(e.token_url.empty());
  BOOST_TEST(e.scope_syntax == "v1");
  BOOST_TEST(e.connect_timeout_seconds == 30);
  BOOST_TEST(e.request_timeout_seconds == 120);
  BOOST_TEST(e.stall_timeout_seconds == 120);
  BOOST_TEST(e.max_wait_minutes == 720);
  BOOST_TEST(e.max_retry_after_seconds == 3600);
  BOOST_TEST(e.retries == 6);
  BOOST_TEST(e.retry_initial_seconds == 2);
  BOOST_TEST(e.concurrency == 2);
  BOOST_TEST(e.max_file_mib == 4096);
}

BOOST_AUTO_TEST_CASE(every_ehr_key_is_read) {
  TempDir dir;
  PortalConfig cfg;
  const Status st = LoadText(dir,
                             WithEhr("base_url = \"http://127.0.0.1:8080/fhir/r4/\"\n"
                                     "level = \"Group/backus-1.all\"\n"
                                     "types = [\"Patient\", \"Observation\"]\n"
                                     "client_id = \"portal\"\n"
                                     "key_file = \"keys/ehr.pem\"\n"
                                     "token_url = \"https://auth.example.org/token\"\n"
                                     "scope_syntax = \"v2\"\n"
                                     "connect_timeout_seconds = 5\n"
                                     "request_timeout_seconds = 6\n"
                                     "stall_timeout_seconds = 7\n"
                                     "max_wait_minutes = 8\n"
                                     "max_retry_after_seconds = 9\n"
                                     "retries = 0\n"
                                     "retry_initial_seconds = 0\n"
                                     "concurrency = 16\n"
                                     "max_file_mib = 1\n"),
                             &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  const PortalConfig::Ehr& e = cfg.ehr;
  BOOST_TEST(e.enabled);
  BOOST_TEST(e.base_url == "http://127.0.0.1:8080/fhir/r4");  // The trailing '/' dropped.
  BOOST_TEST(e.level == "Group/backus-1.all");
  BOOST_TEST((e.types == std::vector<std::string>{"Patient", "Observation"}));
  BOOST_TEST(e.client_id == "portal");
  BOOST_TEST(e.key_file == dir.path() / "conf" / "keys" / "ehr.pem");
  BOOST_TEST(e.token_url == "https://auth.example.org/token");
  BOOST_TEST(e.scope_syntax == "v2");
  BOOST_TEST(e.connect_timeout_seconds == 5);
  BOOST_TEST(e.request_timeout_seconds == 6);
  BOOST_TEST(e.stall_timeout_seconds == 7);
  BOOST_TEST(e.max_wait_minutes == 8);
  BOOST_TEST(e.max_retry_after_seconds == 9);
  BOOST_TEST(e.retries == 0);
  BOOST_TEST(e.retry_initial_seconds == 0);
  BOOST_TEST(e.concurrency == 16);
  BOOST_TEST(e.max_file_mib == 1);
}

BOOST_AUTO_TEST_CASE(the_ehr_base_url_loses_its_trailing_slash) {
  TempDir dir;
  PortalConfig cfg;
  for (const auto& [written, kept] : std::vector<std::pair<std::string, std::string>>{
           {"https://ehr.example.org/fhir/", "https://ehr.example.org/fhir"},
           {"https://ehr.example.org/", "https://ehr.example.org"},
           {"https://ehr.example.org", "https://ehr.example.org"},
           {"http://ehr:8080/a/b/", "http://ehr:8080/a/b"}}) {
    const Status st = LoadText(dir, WithEhr("base_url = \"" + written + "\"\n"), &cfg);
    BOOST_REQUIRE_MESSAGE(st.ok(), written << ": " << st.message());
    BOOST_TEST(cfg.ehr.base_url == kept);
    BOOST_TEST(cfg.ehr.enabled);
  }
  // Level "Patient" is the other level without an id.
  const Status st = LoadText(
      dir, WithEhr("base_url = \"https://ehr.example.org/fhir\"\nlevel = \"Patient\"\n"), &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(cfg.ehr.level == "Patient");
}

BOOST_AUTO_TEST_CASE(bad_ehr_values_are_named_with_file_and_line) {
  TempDir dir;
  PortalConfig cfg;
  const std::string base = "base_url = \"https://ehr.example.org/fhir\"\n";
  struct Case {
    std::string body;  // After [ehr]; the bad key is on the last line.
    std::string expect;
  } cases[] = {
      {"base_url = \"ehr.example.org/fhir\"\n", "ehr.base_url: must be an absolute http(s) URL"},
      {"base_url = \"ftp://ehr.example.org/fhir\"\n", "ehr.base_url: must be"},
      {"base_url = \"https://ehr.example.org/fhir?x=1\"\n", "ehr.base_url: must be"},
      {"base_url = \"https://ehr.example.org/fhir#x\"\n", "ehr.base_url: must be"},
      {"base_url = \"https://ehr.example.org/my fhir\"\n", "ehr.base_url: must be"},
      {"base_url = \"https:///fhir\"\n", "ehr.base_url: must be"},
      {"base_url = \"\"\n", "ehr.base_url: must be"},
      {"base_url = 5\n", "ehr.base_url: expected a string"},
      {base + "level = \"Group/\"\n", "ehr.level: must be system, Patient or Group/<id>"},
      {base + "level = \"Practitioner\"\n", "ehr.level: must be"},
      {base + "level = \"System\"\n", "ehr.level: must be"},
      {base + "level = \"Group/a b\"\n", "ehr.level: must be"},
      {base + "level = \"Group/a/b\"\n", "ehr.level: must be"},
      {base + "level = \"Group/" + std::string(65, 'a') + "\"\n", "ehr.level: must be"},
      {base + "types = [\"Patient\", \"observation\"]\n", "ehr.types: 'observation' is not a type"},
      {base + "types = [\"Patient\", \"Obs ervation\"]\n", "ehr.types:"},
      {base + "types = [\"P\"]\n", "ehr.types:"},
      {base + "types = [\"Patient,Observation\"]\n", "ehr.types:"},
      {base + "types = \"Patient\"\n", "ehr.types: expected an array of strings"},
      {base + "token_url = \"auth.example.org/token\"\n", "ehr.token_url: must be"},
      {base + "scope_syntax = \"v3\"\n", "ehr.scope_syntax: must be v1 or v2"},
      {base + "concurrency = 0\n", "ehr.concurrency: must be 1 to 16"},
      {base + "concurrency = 17\n", "ehr.concurrency: must be 1 to 16"},
      {base + "concurrency = \"2\"\n", "ehr.concurrency: expected an integer"},
      {base + "connect_timeout_seconds = 0\n", "ehr.connect_timeout_seconds: must be 1 to 600"},
      {base + "request_timeout_seconds = 3601\n", "ehr.request_timeout_seconds: must be"},
      {base + "stall_timeout_seconds = 0\n", "ehr.stall_timeout_seconds: must be"},
      {base + "max_wait_minutes = 10081\n", "ehr.max_wait_minutes: must be 1 to 10080"},
      {base + "max_retry_after_seconds = 0\n", "ehr.max_retry_after_seconds: must be"},
      {base + "retries = -1\n", "ehr.retries: must be 0 to 100"},
      {base + "retries = 101\n", "ehr.retries: must be 0 to 100"},
      {base + "retry_initial_seconds = -1\n", "ehr.retry_initial_seconds: must be"},
      {base + "max_file_mib = 0\n", "ehr.max_file_mib: must be"},
      {base + "colour = 1\n", "ehr.colour: unknown key"},
      {base + "since = \"2026-01-01T00:00:00Z\"\n", "ehr.since: unknown key"},
  };
  for (const auto& c : cases) {
    const std::string text = WithEhr(c.body);
    const Status st = LoadText(dir, text, &cfg);
    BOOST_TEST(!st.ok(), c.body);
    BOOST_TEST((st.code() == Status::Code::kInvalidInput), c.body);
    BOOST_TEST(st.message().find("portal.toml:" + std::to_string(LastLine(text)) + ": " +
                                 c.expect) != std::string::npos,
               c.body << " -> " << st.message());
  }
  // Without base_url the section is incomplete.
  const Status st = LoadText(dir, WithEhr("level = \"system\"\n"), &cfg);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("ehr.base_url: missing") != std::string::npos, st.message());
}

BOOST_AUTO_TEST_CASE(the_default_ehr_types_are_what_the_summaries_read) {
  // kValid's one section matches laboratory Observations.
  TempDir dir;
  PortalConfig cfg;
  BOOST_REQUIRE(LoadText(dir, kValid, &cfg).ok());
  std::vector<std::string> types = DefaultEhrTypes(cfg);
  std::sort(types.begin(), types.end());
  BOOST_TEST((types == std::vector<std::string>{"DiagnosticReport", "Medication", "Observation",
                                                "Patient"}));
  // The project's config: its release sections' `match` types, written out from
  // content/portal.toml, and the four the summaries always read.
  Status st = LoadConfig(testing::SourceDir() / "content" / "portal.toml", &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  types = DefaultEhrTypes(cfg);
  std::vector<std::string> sorted = types;
  std::sort(sorted.begin(), sorted.end());
  BOOST_TEST((sorted == std::vector<std::string>{
                            "AllergyIntolerance", "Condition", "DiagnosticReport",
                            "DocumentReference", "Encounter", "Immunization", "Medication",
                            "MedicationRequest", "MedicationStatement", "Observation", "Patient"}));
  BOOST_TEST((std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()));  // No twice.
  // A section with a type of its own adds it.
  const std::string text =
      Replace(kValid, "match = [\"Observation:", "match = [\"Procedure\", \"Observation:");
  st = LoadText(dir, text, &cfg);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  types = DefaultEhrTypes(cfg);
  std::sort(types.begin(), types.end());
  BOOST_TEST((types == std::vector<std::string>{"DiagnosticReport", "Medication", "Observation",
                                                "Patient", "Procedure"}));
}

}  // namespace
}  // namespace portal
