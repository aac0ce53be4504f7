#include "core/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cctype>
#include <regex>
#include <set>

#include "core/file_util.h"
#include "core/toml_reader.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

bool IsIdentifier(const std::string& s) {
  static const std::regex kId("[a-z0-9][a-z0-9_-]*");
  return std::regex_match(s, kId);
}

// Reads an array of tables, each through `read_one`, checking that ids are well-formed and
// unique.
template <typename T, typename ReadOne>
void ReadList(TomlTableReader& parent, const std::string& key, std::vector<T>* out,
              ReadOne read_one) {
  const toml::array* arr = parent.TableArray(key);
  if (arr == nullptr) return;
  std::set<std::string> seen;
  for (const auto& node : *arr) {
    TomlTableReader r = parent.Child(*node.as_table(), key);
    T item;
    r.String("id", &item.id);
    read_one(r, &item);
    if (!item.id.empty() && !IsIdentifier(item.id)) {
      r.Fail("id", "must be lower-case letters, digits, '-' or '_'");
    } else if (!seen.insert(item.id).second) {
      r.Fail("id", "duplicate id '" + item.id + "'");
    }
    Status st = r.Finish();
    if (!st.ok()) return parent.Absorb(st);
    out->push_back(std::move(item));
  }
}

void ReadHospital(TomlTableReader r, PortalConfig::Hospital* h, Status* st) {
  r.String("name", &h->name);
  r.String("short_name", &h->short_name);
  r.String("records_department", &h->records_department);
  r.String("portal_url", &h->portal_url);
  if (!h->portal_url.starts_with("https://") && !h->portal_url.starts_with("http://")) {
    r.Fail("portal_url", "must be an http(s) URL");
  }
  *st = r.Finish();
}

void ReadHelpLine(TomlTableReader r, PortalConfig::HelpLine* h, Status* st) {
  r.String("name", &h->name);
  r.String("display", &h->display);
  r.String("tel", &h->tel);
  if (!std::regex_match(h->tel, std::regex("\\+?[0-9]{3,15}"))) {
    r.Fail("tel", "must be digits with an optional leading '+', as used in tel: links");
  }
  *st = r.Finish();
}

// A path from the config: relative ones resolve against the config file's folder.
fs::path ResolvePath(const fs::path& base, const std::string& path) {
  return (base / path).lexically_normal();
}

void ReadPaths(TomlTableReader r, const fs::path& base, PortalConfig::Paths* p, Status* st) {
  std::string state, faq, home, templates, output, extracts, summaries;
  r.String("state_dir", &state);
  r.String("faq_dir", &faq);
  r.String("home_page", &home);
  r.String("templates_dir", &templates);
  r.String("site_output_dir", &output);
  r.String("summaries_output_dir", &summaries);
  r.String("extracts_dir", &extracts);
  auto resolve = [&](const std::string& s) { return ResolvePath(base, s); };
  p->state_dir = resolve(state);
  p->faq_dir = resolve(faq);
  p->home_page = resolve(home);
  p->templates_dir = resolve(templates);
  p->site_output_dir = resolve(output);
  p->summaries_output_dir = resolve(summaries);
  p->extracts_dir = resolve(extracts);
  *st = r.Finish();
}

constexpr char kBaseUrlRule[] = "must be an absolute http(s) URL ending in '/'";

void ReadSite(TomlTableReader r, PortalConfig::Site* s, Status* st) {
  r.String("title", &s->title);
  r.String("language", &s->language);
  std::string base_url;
  r.String("base_url", &base_url);
  if (!SetBaseUrl(base_url, s)) r.Fail("base_url", kBaseUrlRule);
  r.String("time_zone", &s->time_zone, false);
  if (Status zone = TimeZone::Load(s->time_zone, &s->zone); !zone.ok()) {
    r.Fail("time_zone",
           "is not a time zone of this system's tzdata (an IANA name such as "
           "\"America/New_York\")");
  }
  if (!std::regex_match(s->language, std::regex("[a-z]{2,3}(-[A-Za-z0-9]+)*"))) {
    r.Fail("language", "must be a language tag such as \"en\" or \"en-US\"");
  }
  ReadList(r, "topics", &s->topics, [](TomlTableReader& t, PortalConfig::Topic* topic) {
    t.String("title", &topic->title);
  });
  *st = r.Finish();
}

// An MRN pattern is short; std::regex (libstdc++) compiles "{n}" with n past a long's range
// into signed overflow (found by the toml_config fuzzer), and large repeats into huge automata.
constexpr size_t kMaxMrnPatternBytes = 256;

// A "{n}", "{n,}" or "{n,m}" whose numbers exceed 1000 (or have more than four digits).
bool HasLargeRepeat(const std::string& pattern) {
  for (size_t at = pattern.find('{'); at != std::string::npos; at = pattern.find('{', at + 1)) {
    size_t p = at + 1;
    while (p < pattern.size() &&
           (std::isdigit(static_cast<unsigned char>(pattern[p])) || pattern[p] == ',')) {
      size_t digits = 0;
      long value = 0;
      for (; p < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[p])); ++p) {
        if (++digits > 4) return true;
        value = value * 10 + (pattern[p] - '0');
      }
      if (value > 1000) return true;
      if (p < pattern.size() && pattern[p] == ',') ++p;
    }
  }
  return false;
}

void ReadMrn(TomlTableReader r, PortalConfig::Mrn* m, Status* st) {
  r.String("pattern", &m->pattern);
  r.String("identifier_system", &m->identifier_system, false);
  r.String("example", &m->example);
  r.String("description", &m->description);
  if (m->pattern.size() > kMaxMrnPatternBytes) {
    r.Fail("pattern", "is longer than " + std::to_string(kMaxMrnPatternBytes) + " characters");
  } else if (HasLargeRepeat(m->pattern)) {
    r.Fail("pattern", "repeats more than 1000 times ({n} with n above 1000)");
  } else {
    try {
      std::regex re(m->pattern);
    } catch (const std::regex_error&) {
      r.Fail("pattern", "is not a valid regular expression");
    }
  }
  *st = r.Finish();
}

void ReadMailbox(TomlTableReader r, PortalConfig::Mailbox* m, Status* st) {
  r.String("listen", &m->listen, false);
  static const std::regex kListen(R"((\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:]+\]|localhost):\d{1,5})");
  if (!std::regex_match(m->listen, kListen)) r.Fail("listen", "must be ADDRESS:PORT");
  auto positive = [&](const char* key, long long* v, long long max) {
    r.Int(key, v, false);
    if (*v < 1 || *v > max) r.Fail(key, "must be 1 to " + std::to_string(max));
  };
  positive("threads", &m->threads, 256);
  positive("max_connections", &m->max_connections, 100000);
  positive("max_body_kib", &m->max_body_kib, 1024);
  positive("header_timeout_ms", &m->header_timeout_ms, 600000);
  positive("body_timeout_ms", &m->body_timeout_ms, 600000);
  positive("per_address_per_minute", &m->per_address_per_minute, 1000000);
  positive("per_address_burst", &m->per_address_burst, 1000000);
  positive("per_key_per_minute", &m->per_key_per_minute, 1000000);
  positive("per_key_burst", &m->per_key_burst, 1000000);
  // Retired (issue 15): it believed the X-Real-IP of any loopback peer, so any local process
  // chose the address it was limited by. Read twice with opposite defaults: present if they agree.
  bool if_absent_false = false, if_absent_true = true;
  r.Bool("trust_proxy_header", &if_absent_false, false);
  r.Bool("trust_proxy_header", &if_absent_true, false);
  if (if_absent_false == if_absent_true) {
    r.Fail("trust_proxy_header",
           "retired: X-Real-IP is believed only from mailbox.listen_socket (the unix socket "
           "nginx uses) or from the addresses in mailbox.trusted_proxies; remove this line");
  }
  r.StringArray("trusted_proxies", &m->trusted_proxies, false);
  for (const auto& a : m->trusted_proxies) {
    unsigned char buf[sizeof(in6_addr)];
    if (inet_pton(AF_INET, a.c_str(), buf) != 1 && inet_pton(AF_INET6, a.c_str(), buf) != 1) {
      r.Fail("trusted_proxies", "every entry must be an IP address");
    }
  }
  std::string socket;
  r.String("listen_socket", &socket, false);
  if (!socket.empty()) m->listen_socket = socket;
  if (!m->listen_socket.empty() && !m->listen_socket.is_absolute()) {
    r.Fail("listen_socket", "must be an absolute path");
  }
  positive("max_connections_per_address", &m->max_connections_per_address, 100000);
  *st = r.Finish();
}

// A page of the patient app below site.base_url: relative, so it cannot point elsewhere, and
// without a query or fragment (codes go in the fragment the code adds).
bool IsAppPath(const std::string& path) {
  static const std::regex kPath("[^/?#\\s][^?#\\s]*");
  return std::regex_match(path, kPath) && path.find("..") == std::string::npos;
}

// An optional integer `key` that must lie in min..max.
void Bounded(TomlTableReader& r, const char* key, long long* v, long long min, long long max) {
  r.Int(key, v, false);
  if (*v < min || *v > max) {
    r.Fail(key, "must be " + std::to_string(min) + " to " + std::to_string(max));
  }
}

void ReadAccounts(TomlTableReader r, PortalConfig::Accounts* a, Status* st) {
  auto bounded = [&](const char* key, long long* v, long long max) { Bounded(r, key, v, 1, max); };
  bounded("activation_code_days", &a->activation_code_days, 365);
  bounded("email_code_minutes", &a->email_code_minutes, 24 * 60);
  bounded("email_code_tries", &a->email_code_tries, 100);
  bounded("email_codes_per_day", &a->email_codes_per_day, 100);
  bounded("lockout_failures", &a->lockout_failures, 1000);
  bounded("lockout_initial_seconds", &a->lockout_initial_seconds, 7 * 86400);
  bounded("lockout_max_seconds", &a->lockout_max_seconds, 7 * 86400);
  if (a->lockout_initial_seconds > a->lockout_max_seconds) {
    r.Fail("lockout_max_seconds", "must be at least lockout_initial_seconds");
  }
  bounded("per_address_per_minute", &a->per_address_per_minute, 1000000);
  bounded("per_address_burst", &a->per_address_burst, 1000000);
  bounded("per_mrn_per_hour", &a->per_mrn_per_hour, 1000000);
  bounded("max_key_blob_kib", &a->max_key_blob_kib, 1024);
  bounded("max_public_key_kib", &a->max_public_key_kib, 1024);
  r.Bool("proxy_profile_changes", &a->proxy_profile_changes, false);
  for (const auto& [key, path] : {std::pair{"register_path", &a->register_path},
                                  std::pair{"recover_path", &a->recover_path}}) {
    r.String(key, path, false);
    if (!IsAppPath(*path)) {
      r.Fail(key,
             "must be a path relative to site.base_url: no leading '/', no '..', no '?', '#' or "
             "spaces");
    }
  }
  *st = r.Finish();
}

// The daemon's own bounds for a KDF it accepts (mailbox/daemon/account_fields.cc), so the app
// never makes a verifier the daemon refuses.
void ReadApp(TomlTableReader r, PortalConfig::App* a, Status* st) {
  r.String("mailbox_path", &a->mailbox_path, false);
  static const std::regex kAbsolute("/([^/?#\\s]+/)*");
  if (!std::regex_match(a->mailbox_path, kAbsolute) ||
      a->mailbox_path.find("..") != std::string::npos) {
    r.Fail("mailbox_path",
           "must be an absolute path ending in '/', without '..', '?', '#' or spaces");
  }
  r.String("sign_in_path", &a->sign_in_path, false);
  if (!IsAppPath(a->sign_in_path)) {
    r.Fail("sign_in_path",
           "must be a path relative to site.base_url: no leading '/', no '..', no '?', '#' or "
           "spaces");
  }
  auto bounded = [&](const char* key, long long* v, long long min, long long max) {
    Bounded(r, key, v, min, max);
  };
  bounded("kdf_passes", &a->kdf_passes, 1, 16);
  bounded("kdf_memory_kib", &a->kdf_memory_kib, 19456, 1048576);
  bounded("kdf_parallelism", &a->kdf_parallelism, 1, 16);
  bounded("idle_minutes", &a->idle_minutes, 1, 240);
  *st = r.Finish();
}

void ReadStaff(TomlTableReader r, const fs::path& base, PortalConfig::Staff* s, Status* st) {
  r.Int("lease_minutes", &s->lease_minutes, false);
  if (s->lease_minutes < 1 || s->lease_minutes > 24 * 60) {
    r.Fail("lease_minutes", "must be 1 to 1440");
  }
  std::string exports;
  r.String("exports_dir", &exports, false);
  if (!exports.empty()) s->exports_dir = ResolvePath(base, exports);
  r.Int("retention_days", &s->retention_days, false);
  if (s->retention_days < 1 || s->retention_days > 3650) {
    r.Fail("retention_days", "must be 1 to 3650");
  }
  std::string anchor;
  r.String("audit_anchor", &anchor, false);
  if (!anchor.empty()) s->audit_anchor = ResolvePath(base, anchor);
  *st = r.Finish();
}

void ReadNotifications(TomlTableReader r, const fs::path& base, PortalConfig::Notifications* n,
                       Status* st) {
  r.String("smtp_url", &n->smtp_url, false);
  if (!n->smtp_url.empty() && !n->smtp_url.starts_with("smtp://") &&
      !n->smtp_url.starts_with("smtps://")) {
    r.Fail("smtp_url", "must start with smtp:// or smtps://");
  }
  r.String("starttls", &n->starttls, false);
  if (n->starttls != "required" && n->starttls != "optional" && n->starttls != "off") {
    r.Fail("starttls", "must be required, optional or off");
  }
  r.String("username", &n->username, false);
  std::string password_file;
  r.String("password_file", &password_file, false);
  if (!password_file.empty()) n->password_file = ResolvePath(base, password_file);
  r.String("from", &n->from, !n->smtp_url.empty());
  r.StringArray("staff_digest_to", &n->staff_digest_to, false);
  r.Int("digest_interval_minutes", &n->digest_interval_minutes, false);
  if (n->digest_interval_minutes < 1) r.Fail("digest_interval_minutes", "must be at least 1");
  r.Int("poll_seconds", &n->poll_seconds, false);
  if (n->poll_seconds < 1 || n->poll_seconds > 3600) r.Fail("poll_seconds", "must be 1 to 3600");
  r.Int("retry_initial_seconds", &n->retry_initial_seconds, false);
  r.Int("retry_max_seconds", &n->retry_max_seconds, false);
  if (n->retry_initial_seconds < 1 || n->retry_max_seconds < n->retry_initial_seconds) {
    r.Fail("retry_max_seconds", "must be at least retry_initial_seconds, which is at least 1");
  }
  *st = r.Finish();
}

void ReadEhr(TomlTableReader r, const fs::path& base, const fs::path& state_dir,
             PortalConfig::Ehr* e, Status* st) {
  e->enabled = true;
  r.String("base_url", &e->base_url);
  static const std::regex kUrl("https?://[^/?#\\s]+(/[^?#\\s]*)?");
  if (!std::regex_match(e->base_url, kUrl)) r.Fail("base_url", "must be an absolute http(s) URL");
  while (e->base_url.ends_with('/')) e->base_url.pop_back();
  r.String("level", &e->level, false);
  static const std::regex kLevel("system|Patient|Group/[A-Za-z0-9\\-.]{1,64}");
  if (!std::regex_match(e->level, kLevel)) {
    r.Fail("level", "must be system, Patient or Group/<id>");
  }
  static const std::regex kType("[A-Z][A-Za-z]{1,63}");
  r.StringArray("types", &e->types, false);
  for (const auto& type : e->types) {
    if (!std::regex_match(type, kType)) r.Fail("types", "'" + type + "' is not a type name");
  }
  r.String("client_id", &e->client_id, false);
  std::string key;
  r.String("key_file", &key, false);
  e->key_file = key.empty() ? state_dir / "ehr" / "ehr-key.pem" : ResolvePath(base, key);
  r.String("token_url", &e->token_url, false);
  if (!e->token_url.empty() && !std::regex_match(e->token_url, kUrl)) {
    r.Fail("token_url", "must be an absolute http(s) URL");
  }
  r.String("scope_syntax", &e->scope_syntax, false);
  if (e->scope_syntax != "v1" && e->scope_syntax != "v2")
    r.Fail("scope_syntax", "must be v1 or v2");
  auto bounded = [&](const char* key, long long* v, long long min, long long max) {
    Bounded(r, key, v, min, max);
  };
  bounded("connect_timeout_seconds", &e->connect_timeout_seconds, 1, 600);
  bounded("request_timeout_seconds", &e->request_timeout_seconds, 1, 3600);
  bounded("stall_timeout_seconds", &e->stall_timeout_seconds, 1, 3600);
  bounded("max_wait_minutes", &e->max_wait_minutes, 1, 7 * 24 * 60);
  bounded("max_retry_after_seconds", &e->max_retry_after_seconds, 1, 24 * 3600);
  bounded("retries", &e->retries, 0, 100);
  bounded("retry_initial_seconds", &e->retry_initial_seconds, 0, 3600);
  bounded("concurrency", &e->concurrency, 1, 16);
  bounded("max_file_mib", &e->max_file_mib, 1, 1024 * 1024);
  *st = r.Finish();
}

void ReadIngest(TomlTableReader r, PortalConfig::Ingest* in, Status* st) {
  static const std::regex kType("[A-Z][A-Za-z]+");
  r.StringArray("skip_types", &in->skip_types, false);
  for (const auto& type : in->skip_types) {
    if (!std::regex_match(type, kType)) r.Fail("skip_types", "'" + type + "' is not a type name");
    if (type == "Patient") r.Fail("skip_types", "cannot skip Patient");
  }
  r.StringArray("local_base_urls", &in->local_base_urls, false);
  static const std::regex kBase("https?://[^/?#\\s]+(/[^?#\\s]*)?/");
  for (const auto& url : in->local_base_urls) {
    if (!std::regex_match(url, kBase)) r.Fail("local_base_urls", kBaseUrlRule);
  }
  *st = r.Finish();
}

void ReadRelease(TomlTableReader r, PortalConfig::Release* rel, Status* st) {
  r.Int("delay_hours", &rel->delay_hours);
  r.Int("minimum_age_years", &rel->minimum_age_years);
  if (rel->delay_hours < 0 || rel->delay_hours > 24 * 365) r.Fail("delay_hours", "out of range");
  if (rel->minimum_age_years < 0 || rel->minimum_age_years > 30) {
    r.Fail("minimum_age_years", "out of range");
  }
  static const std::regex kCode("[^|\\s]+\\|[^|\\s]+");
  static const std::regex kSelector(
      "[A-Z][A-Za-z]+(:([^|()\\s]+\\|[^|\\s]+|\\([a-z][a-z /-]*\\)))?");
  r.StringArray("pathology_codes", &rel->pathology_codes);
  r.StringArray("emancipated_minor_mrns", &rel->emancipated_minor_mrns, false);
  r.String("emancipated_extension_url", &rel->emancipated_extension_url, false);
  for (const auto& code : rel->pathology_codes) {
    if (!std::regex_match(code, kCode))
      r.Fail("pathology_codes", "'" + code + "' is not system|code");
  }
  ReadList(r, "sections", &rel->sections, [](TomlTableReader& t, PortalConfig::ReleaseSection* s) {
    t.String("title", &s->title);
    t.String("shows", &s->shows);
    t.Bool("current_only", &s->current_only, false);
    t.Int("since_year", &s->since_year, false);
    t.Int("max_age_years", &s->max_age_years, false);
    t.String("note", &s->note, false);
    t.StringArray("match", &s->match);
    t.StringArray("current_statuses", &s->current_statuses, false);
    t.Bool("after_delay", &s->after_delay, false);
    t.String("layout", &s->layout, false);
    if (s->layout != "rows" && s->layout != "results") t.Fail("layout", "must be rows or results");
    t.String("audience", &s->audience, false);
    if (s->audience != "everyone" && s->audience != "patient") {
      t.Fail("audience", "must be everyone or patient");
    }
    t.Bool("shown", &s->shown, false);
    const int windows =
        (s->current_only ? 1 : 0) + (s->since_year != 0 ? 1 : 0) + (s->max_age_years != 0 ? 1 : 0);
    if (windows != 1) {
      t.Fail("id", "needs exactly one of current_only, since_year, max_age_years");
    }
    if (s->current_only && s->current_statuses.empty()) {
      t.Fail("current_statuses", "is needed with current_only");
    }
    for (const auto& m : s->match) {
      if (!std::regex_match(m, kSelector))
        t.Fail("match", "'" + m + "' is not Type, Type:system|code or Type:(tag)");
    }
  });
  *st = r.Finish();
}

Status ReadRoot(const toml::table& root, const fs::path& path, PortalConfig* cfg) {
  TomlTableReader r(root, path.string(), "");
  Status st;
  const fs::path base = cfg->config_path.parent_path();
  auto section = [&](const char* key, auto read) {
    if (!st.ok()) return;
    if (const toml::table* t = r.Table(key)) read(r.Child(*t, key));
  };
  section("hospital", [&](TomlTableReader c) { ReadHospital(c, &cfg->hospital, &st); });
  section("help_line", [&](TomlTableReader c) { ReadHelpLine(c, &cfg->help_line, &st); });
  section("paths", [&](TomlTableReader c) { ReadPaths(c, base, &cfg->paths, &st); });
  section("site", [&](TomlTableReader c) { ReadSite(c, &cfg->site, &st); });
  section("mrn", [&](TomlTableReader c) { ReadMrn(c, &cfg->mrn, &st); });
  section("messaging", [&](TomlTableReader c) {
    ReadList(c, "providers", &cfg->providers,
             [](TomlTableReader& t, PortalConfig::Provider* p) { t.String("name", &p->name); });
    st = c.Finish();
  });
  section("release", [&](TomlTableReader c) { ReadRelease(c, &cfg->release, &st); });
  section("profile", [&](TomlTableReader c) {
    ReadList(
        c, "fields", &cfg->profile_fields,
        [](TomlTableReader& t, PortalConfig::ProfileField* f) { t.String("label", &f->label); });
    st = c.Finish();
  });
  if (st.ok()) {
    if (const toml::table* t = r.Table("mailbox", /*required=*/false)) {
      ReadMailbox(r.Child(*t, "mailbox"), &cfg->mailbox, &st);
    }
  }
  if (st.ok()) {
    if (const toml::table* t = r.Table("ingest", /*required=*/false)) {
      ReadIngest(r.Child(*t, "ingest"), &cfg->ingest, &st);
    }
  }
  if (st.ok()) {
    if (const toml::table* t = r.Table("accounts", /*required=*/false)) {
      ReadAccounts(r.Child(*t, "accounts"), &cfg->accounts, &st);
    }
  }
  if (st.ok()) {
    if (const toml::table* t = r.Table("app", /*required=*/false)) {
      ReadApp(r.Child(*t, "app"), &cfg->app, &st);
    }
  }
  cfg->staff.exports_dir = cfg->paths.state_dir / "exports";
  if (st.ok()) {
    if (const toml::table* t = r.Table("staff", /*required=*/false)) {
      ReadStaff(r.Child(*t, "staff"), base, &cfg->staff, &st);
    }
  }
  if (st.ok()) {
    if (const toml::table* t = r.Table("notifications", /*required=*/false)) {
      ReadNotifications(r.Child(*t, "notifications"), base, &cfg->notifications, &st);
    }
  }
  if (st.ok()) {
    if (const toml::table* t = r.Table("ehr", /*required=*/false)) {
      ReadEhr(r.Child(*t, "ehr"), base, cfg->paths.state_dir, &cfg->ehr, &st);
    }
  }
  section("summary", [&](TomlTableReader c) {
    c.StringArray("notices", &cfg->summary_notices);
    st = c.Finish();
  });
  if (!st.ok()) return st;
  return r.Finish();
}

}  // namespace

std::vector<std::string> DefaultEhrTypes(const PortalConfig& config) {
  std::set<std::string> types = {"Patient", "Medication", "DiagnosticReport", "Observation"};
  for (const auto& section : config.release.sections) {
    for (const auto& m : section.match) types.insert(m.substr(0, m.find(':')));
  }
  return {types.begin(), types.end()};
}

bool SetBaseUrl(const std::string& url, PortalConfig::Site* site) {
  static const std::regex kUrl("https?://[^/?#\\s]+(/[^?#\\s]*)?/");
  std::smatch m;
  if (!std::regex_match(url, m, kUrl)) return false;
  site->base_url = url;
  site->base_path = (m[1].matched ? m[1].str() : std::string()) + "/";
  return true;
}

Status LoadConfig(const fs::path& path, PortalConfig* out) {
  std::string text;
  PORTAL_RETURN_IF_ERROR(ReadFile(path, &text));
  return ParseConfig(text, path, out);
}

Status ParseConfig(std::string_view text, const fs::path& path, PortalConfig* out) {
  toml::table root;
  PORTAL_RETURN_IF_ERROR(ParseToml(text, path.string(), 0, &root));
  PortalConfig cfg;
  std::error_code ec;
  cfg.config_path = fs::absolute(path, ec).lexically_normal();
  PORTAL_RETURN_IF_ERROR(ReadRoot(root, path, &cfg));
  *out = std::move(cfg);
  return Status::Ok();
}

}  // namespace portal
