#define BOOST_TEST_MODULE mailboxd_nginx_test
// deploy/nginx-site.conf in front of portal-mailboxd, both real, on loopback: the public paths
// reach the daemon (through its unix socket, as shipped), others do not; each client behind
// nginx is limited by its own address, and nobody else can choose the address they are limited
// by; what nginx serves from output/patients tells nothing about when it changed.
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "tests/mailbox_fixture.h"
#include "tests/smtp_sink.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::HttpCall;
using testing::HttpRawFrom;
using testing::HttpRawUnix;
using testing::HttpRequestBytes;
using testing::HttpResult;
using testing::MailboxFixture;
using Edits = std::vector<std::pair<std::string, std::string>>;
using Headers = std::map<std::string, std::string>;

constexpr char kShippedSocket[] = "/run/portal-mailboxd/mailbox.sock";
constexpr char kToken[] = "0123456789abcdef0123456789abcdef";

// nginx with the project's site config: the install folder is `root`, the mailbox's socket
// `socket`. Its http {} block has the zones the site config asks for. One process, as the
// test's user (as root, workers would run as nobody, who cannot reach the test's folders).
struct Nginx {
  fs::path dir;
  uint16_t port = testing::FreePort();
  Nginx(const fs::path& root, const fs::path& socket) : dir(root / "nginx") {
    fs::create_directories(dir);
    std::string site = testing::Slurp(testing::SourceDir() / "deploy" / "nginx-site.conf");
    auto replace = [&site](const std::string& from, const std::string& to) {
      for (size_t at = 0; (at = site.find(from, at)) != std::string::npos; at += to.size()) {
        site.replace(at, from.size(), to);
      }
    };
    replace(kShippedSocket, socket.string());
    replace("/srv/patient-portal", root.string());
    testing::Spit(dir / "site.conf", site);
    testing::Spit(dir / "nginx.conf",
                  "master_process off;\npid " + (dir / "nginx.pid").string() + ";\nerror_log " +
                      (dir / "error.log").string() +
                      ";\nevents {}\nhttp {\n  access_log off;\n"
                      "  limit_req_zone $binary_remote_addr zone=portal_mailbox:1m rate=100r/s;\n"
                      "  limit_req_zone $binary_remote_addr zone=portal_accounts:1m rate=100r/s;\n"
                      "  limit_conn_zone $binary_remote_addr zone=portal_mailbox_conn:1m;\n"
                      "  server {\n    listen 127.0.0.1:" +
                      std::to_string(port) + ";\n    include " + (dir / "site.conf").string() +
                      ";\n  }\n}\n");
    const auto r = testing::RunCommand(
        {"/usr/sbin/nginx", "-p", dir.string(), "-c", (dir / "nginx.conf").string()});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  }
  ~Nginx() {
    testing::RunCommand(
        {"/usr/sbin/nginx", "-p", dir.string(), "-c", (dir / "nginx.conf").string(), "-s", "stop"});
  }
};

// One portal, daemon and nginx for the whole binary; each test uses client addresses of its
// own (127.0.0.x), so their buckets do not meet. An address gets 3 failed requests, then 429.
struct Stack {
  MailboxFixture f{Edits{{"per_address_burst = 60", "per_address_burst = 3"},
                         {"per_address_per_minute = 120", "per_address_per_minute = 1"}}};
  fs::path socket;
  std::unique_ptr<Nginx> nginx;
  Stack() {
    socket = f.root() / "run" / "mailbox.sock";
    fs::create_directories(socket.parent_path());
    testing::ReplaceInFile(f.config, std::string("# listen_socket = \"") + kShippedSocket + "\"",
                           "listen_socket = \"" + socket.string() + "\"");
    f.StartDaemon();
    BOOST_REQUIRE(fs::is_socket(socket));
    struct stat st {};
    BOOST_REQUIRE(::stat(socket.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 07777) == 0660u);  // The daemon's user and group (nginx's).
    nginx = std::make_unique<Nginx>(f.root(), socket);
  }

  std::string SignedBody(const std::string& mrn, std::string* signature,
                         const MailboxFixture::Person& who) {
    const std::string body =
        MailboxFixture::MessageBody(mrn, "conncare", "Subject", "Text", MailboxFixture::Nonce());
    *signature = Base64Encode(f.keys.SignDetached(who.home, who.fingerprint, body));
    return body;
  }
  // A message through nginx from `source`, signed by `who` (unsigned when null).
  HttpResult Message(const std::string& source, const MailboxFixture::Person* who,
                     Headers headers = {}) {
    std::string signature;
    const std::string body = who != nullptr
                                 ? SignedBody(who == &f.bob ? f.kMrnB : f.kMrnA, &signature, *who)
                                 : MailboxFixture::MessageBody(f.kMrnA, "conncare", "Subject",
                                                               "Text", MailboxFixture::Nonce());
    headers.emplace("Content-Type", "application/json");
    if (who != nullptr) headers["Portal-Signature"] = signature;
    return HttpRawFrom(source, nginx->port,
                       HttpRequestBytes("POST", "/portal-mailbox/v1/messages", headers, body));
  }
};

Stack& Shared() {
  static Stack stack;
  return stack;
}

std::string UnsignedMessage() {
  return MailboxFixture::MessageBody(MailboxFixture::kMrnA, "conncare", "Subject", "Text",
                                     MailboxFixture::Nonce());
}

BOOST_AUTO_TEST_CASE(the_public_paths_reach_the_daemon_and_the_client_address_is_nginxs_word) {
  Stack& s = Shared();
  const auto first = s.Message("127.0.0.5", &s.f.alice);
  BOOST_REQUIRE_MESSAGE(first.status == 202, first.status << " " << first.body);
  BOOST_TEST(first.headers.at("cache-control") == "no-store");
  // Unsigned ones claiming other addresses: nginx replaces the claim with the real peer, so the
  // address's limit (3 failures) still applies to all of them.
  for (int i = 1; i <= 3; ++i) {
    BOOST_TEST(
        s.Message("127.0.0.5", nullptr, {{"X-Real-IP", "203.0.113." + std::to_string(i)}}).status ==
        401);
  }
  const auto limited = s.Message("127.0.0.5", nullptr, {{"X-Real-IP", "203.0.113.4"}});
  BOOST_TEST(limited.status == 429, limited.body);
  BOOST_TEST(limited.headers.count("retry-after") == 1u);

  BOOST_TEST(HttpCall(s.nginx->port, "GET", "/portal-mailbox/healthz", {}, "").status == 200);
  BOOST_TEST(HttpCall(s.nginx->port, "GET", "/portal-mailbox/v2/messages", {}, "").status == 404);
  BOOST_TEST(HttpCall(s.nginx->port, "DELETE", "/portal-mailbox/v1/messages", {}, "").status ==
             403);
}

BOOST_AUTO_TEST_CASE(patients_behind_nginx_each_have_their_own_address_bucket) {
  Stack& s = Shared();
  for (int i = 0; i < 3; ++i) BOOST_TEST(s.Message("127.0.0.2", nullptr).status == 401);
  BOOST_TEST(s.Message("127.0.0.2", nullptr).status == 429);
  // Another client of the same nginx is not the first one's address.
  BOOST_TEST(s.Message("127.0.0.3", nullptr).status == 401);
  const auto other = s.Message("127.0.0.3", &s.f.bob);
  BOOST_TEST(other.status == 202, other.body);
}

BOOST_AUTO_TEST_CASE(a_local_process_on_the_tcp_port_is_limited_by_its_own_address) {
  Stack& s = Shared();
  // Straight to the daemon's TCP port from 127.0.0.1 (where nginx used to connect from), each
  // request claiming another X-Real-IP: only a trusted proxy's claim is believed (nginx comes
  // through the socket now), so all four are 127.0.0.1's. Nothing else here uses that address.
  auto direct = [&](int i) {
    return HttpRawFrom("127.0.0.1", s.f.daemon->port(),
                       HttpRequestBytes("POST", "/v1/messages",
                                        {{"Content-Type", "application/json"},
                                         {"X-Real-IP", "198.51.100." + std::to_string(i)}},
                                        UnsignedMessage()));
  };
  for (int i = 1; i <= 3; ++i) BOOST_TEST(direct(i).status == 401);
  const auto limited = direct(4);
  BOOST_TEST(limited.status == 429, limited.body);
}

BOOST_AUTO_TEST_CASE(an_x_real_ip_that_is_not_an_ip_address_is_ignored) {
  Stack& s = Shared();
  // Through the socket, as nginx: a proper X-Real-IP is that client's own bucket ...
  auto via_socket = [&](const std::string& real_ip) {
    return HttpRawUnix(
        s.socket, HttpRequestBytes("POST", "/v1/messages",
                                   {{"Content-Type", "application/json"}, {"X-Real-IP", real_ip}},
                                   UnsignedMessage()));
  };
  // ... garbage is not an address: the socket's own peer (nginx) counts, for all of them.
  const std::vector<std::string> garbage = {"bogus-peer-marker", "999.1.1.1",
                                            "203.0.113.9, 203.0.113.10"};
  for (const auto& g : garbage) BOOST_TEST(via_socket(g).status == 401);
  BOOST_TEST(via_socket("bogus-peer-marker-2").status == 429);
  BOOST_TEST(via_socket("203.0.113.77").status == 401);  // Believed: its own, full bucket.
  const std::string log = s.f.daemon->Log();
  BOOST_TEST(log.find("bad X-Real-IP") != std::string::npos);
  BOOST_TEST(log.find("bogus-peer-marker") == std::string::npos);  // Never the value.
  BOOST_TEST(log.find("999.1.1.1") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(attackers_exhausting_an_address_do_not_stop_a_patients_signed_message) {
  Stack& s = Shared();
  // Three attackers behind one address (a shared NAT) use up its bucket: unsigned, the wrong
  // content type, a body that is not JSON.
  BOOST_TEST(s.Message("127.0.0.4", nullptr).status == 401);
  const auto wrong_type =
      HttpRawFrom("127.0.0.4", s.nginx->port,
                  HttpRequestBytes("POST", "/portal-mailbox/v1/messages",
                                   {{"Content-Type", "text/plain"}}, UnsignedMessage()));
  BOOST_TEST(wrong_type.status == 415);
  const auto not_json =
      HttpRawFrom("127.0.0.4", s.nginx->port,
                  HttpRequestBytes("POST", "/portal-mailbox/v1/messages",
                                   {{"Content-Type", "application/json"}}, "{not json"));
  BOOST_TEST((not_json.status == 400 || not_json.status == 422), not_json.body);
  BOOST_TEST(s.Message("127.0.0.4", nullptr).status == 429);  // The address is spent.
  // Patients at that address: their signed messages count against their keys.
  const auto alice = s.Message("127.0.0.4", &s.f.alice);
  BOOST_TEST(alice.status == 202, alice.body);
  const auto bob = s.Message("127.0.0.4", &s.f.bob);
  BOOST_TEST(bob.status == 202, bob.body);
}

// An HTTP date (RFC 9110) for `t`, as nginx writes Last-Modified.
std::string HttpDate(std::time_t t) {
  char buf[64];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

BOOST_AUTO_TEST_CASE(nginx_names_no_version_and_sealed_files_carry_no_validators) {
  Stack& s = Shared();
  const fs::path patients = s.f.root() / "output" / "patients";
  fs::create_directories(patients / kToken / "replies");
  testing::Spit(patients / kToken / "summary.html.pgp", "sealed summary bytes");
  testing::Spit(patients / kToken / "replies" / "reply-1.html.pgp", "sealed reply bytes");
  if (!fs::exists(patients / "portal-signing-key.asc")) {
    testing::Spit(patients / "portal-signing-key.asc", "public key");
  }
  const uint16_t port = s.nginx->port;
  const std::string base = std::string("/portal-help/patients/") + kToken + "/";
  for (const std::string& name :
       {std::string("summary.html.pgp"), std::string("replies/reply-1.html.pgp")}) {
    struct stat st {};
    BOOST_REQUIRE(::stat((patients / kToken / name).c_str(), &st) == 0);
    const auto plain = HttpCall(port, "GET", base + name, {}, "");
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(plain.status == 200);
      BOOST_TEST(plain.headers.at("server") == "nginx");
      BOOST_TEST(plain.headers.count("etag") == 0u);
      BOOST_TEST(plain.headers.count("last-modified") == 0u);
      BOOST_TEST(plain.headers.at("cache-control") == "private, no-store");
      BOOST_TEST(plain.headers.at("x-content-type-options") == "nosniff");
      // The exact modification time, and any ETag: still the whole file, never a 304.
      BOOST_TEST(
          HttpCall(port, "GET", base + name, {{"If-Modified-Since", HttpDate(st.st_mtime)}}, "")
              .status == 200);
      // The ETag nginx would have sent (hex mtime - hex size): no 304 for it either. (A
      // 304 to "If-None-Match: *" stays: nginx gives it for any file that exists, saying
      // nothing about when it changed.)
      char etag[64];
      std::snprintf(etag, sizeof etag, "\"%lx-%lx\"", static_cast<unsigned long>(st.st_mtime),
                    static_cast<unsigned long>(st.st_size));
      BOOST_TEST(HttpCall(port, "GET", base + name, {{"If-None-Match", etag}}, "").status == 200);
    }
  }
  const auto key = HttpCall(port, "GET", "/portal-help/patients/portal-signing-key.asc", {}, "");
  BOOST_TEST(key.status == 200);
  BOOST_TEST(key.headers.at("x-content-type-options") == "nosniff");
  BOOST_TEST(key.headers.at("content-type") == "application/pgp-keys");
  // No listing of patients/ or of a token's folder; nginx's own pages name no version either.
  for (const std::string& folder :
       {std::string("/portal-help/patients/"), base, base + "replies/"}) {
    const auto listing = HttpCall(port, "GET", folder, {}, "");
    BOOST_TEST(listing.status == 404, folder);
    BOOST_TEST(listing.body.find(kToken) == std::string::npos, folder);
    BOOST_TEST(listing.body.find("summary") == std::string::npos, folder);
    BOOST_TEST(listing.body.find("nginx/") == std::string::npos, folder);
    BOOST_TEST(listing.headers.at("server") == "nginx", folder);
  }
  const auto bare = HttpCall(port, "GET", "/portal-help/patients", {}, "");
  BOOST_TEST(bare.status != 200);
  BOOST_TEST(bare.body.find(kToken) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_account_endpoints_pass_through_nginx_with_their_own_methods) {
  Stack& s = Shared();
  const uint16_t port = s.nginx->port;
  const Headers json = {{"Content-Type", "application/json"}};
  // From an address of this test's own (127.0.0.1 is another test's).
  auto HttpCall = [](uint16_t port, const std::string& method, const std::string& target,
                     const Headers& headers, const std::string& body) {
    return HttpRawFrom("127.0.0.7", port, HttpRequestBytes(method, target, headers, body));
  };
  // The daemon's own answer (a salt for any Logon ID), through the accounts location.
  const auto prelogin =
      HttpCall(port, "POST", "/portal-mailbox/v1/prelogin", json, R"({"logon_id":"someone"})");
  BOOST_TEST(prelogin.status == 200, prelogin.body);
  BOOST_TEST(prelogin.body.find("\"salt\"") != std::string::npos, prelogin.body);
  BOOST_TEST(prelogin.headers.at("cache-control") == "no-store");
  // Only POST there: nginx refuses the rest before the daemon sees them.
  BOOST_TEST(HttpCall(port, "GET", "/portal-mailbox/v1/sessions", {}, "").status == 403);
  // A change of password is a PUT: nginx lets it reach the daemon, which wants a signature.
  const auto put = HttpCall(port, "PUT", "/portal-mailbox/v1/key-blob", json, "{}");
  BOOST_TEST((put.status == 400 || put.status == 401 || put.status == 422), put.body);
  // A sign-in body bigger than the accounts location allows never reaches the daemon.
  const auto big = HttpCall(port, "POST", "/portal-mailbox/v1/sessions", json,
                            R"({"logon_id":")" + std::string(8000, 'a') + R"("})");
  BOOST_TEST(big.status == 413);
}

}  // namespace
}  // namespace portal
