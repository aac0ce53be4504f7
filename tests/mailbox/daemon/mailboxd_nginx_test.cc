#define BOOST_TEST_MODULE mailboxd_nginx_test
// deploy/nginx-site.conf in front of portal-mailboxd, both real, on loopback: the public paths
// reach the daemon, others do not, and a client cannot choose the address it is limited by.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "tests/mailbox_fixture.h"
#include "tests/smtp_sink.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::HttpCall;
using testing::MailboxFixture;
using Edits = std::vector<std::pair<std::string, std::string>>;

// nginx with the project's site config, its mailbox upstream pointed at `daemon_port`.
struct Nginx {
  fs::path dir;
  uint16_t port = testing::FreePort();
  Nginx(const fs::path& root, uint16_t daemon_port) : dir(root / "nginx") {
    fs::create_directories(dir);
    std::string site = testing::Slurp(testing::SourceDir() / "deploy" / "nginx-site.conf");
    for (size_t at; (at = site.find("127.0.0.1:8787")) != std::string::npos;) {
      site.replace(at, 14, "127.0.0.1:" + std::to_string(daemon_port));
    }
    testing::Spit(dir / "site.conf", site);
    testing::Spit(dir / "nginx.conf",
                  "pid " + (dir / "nginx.pid").string() + ";\nerror_log " +
                      (dir / "error.log").string() +
                      ";\nevents {}\nhttp {\n  access_log off;\n"
                      "  limit_req_zone $binary_remote_addr zone=portal_mailbox:1m rate=100r/s;\n"
                      "  limit_req_zone $binary_remote_addr zone=portal_accounts:1m rate=100r/s;\n"
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

BOOST_AUTO_TEST_CASE(the_public_paths_reach_the_daemon_and_the_client_address_is_nginxs_word) {
  MailboxFixture f(Edits{{"trust_proxy_header = false", "trust_proxy_header = true"},
                         {"per_address_burst = 60", "per_address_burst = 3"},
                         {"per_address_per_minute = 120", "per_address_per_minute = 1"}});
  f.StartDaemon();
  Nginx nginx(f.root(), f.daemon->port());

  auto post = [&](const std::string& spoofed) {
    const std::string body = MailboxFixture::MessageBody(f.kMrnA, "conncare", "Subject", "Text",
                                                         MailboxFixture::Nonce());
    return HttpCall(nginx.port, "POST", "/portal-mailbox/v1/messages",
                    {{"Content-Type", "application/json"},
                     {"X-Real-IP", spoofed},
                     {"Portal-Signature",
                      Base64Encode(f.keys.SignDetached(f.alice.home, f.alice.fingerprint, body))}},
                    body);
  };
  const auto first = post("203.0.113.1");
  BOOST_REQUIRE_MESSAGE(first.status == 202, first.status << " " << first.body);
  BOOST_TEST(first.headers.at("cache-control") == "no-store");
  // Each request claims another address; nginx replaces the claim with the real peer, so the
  // daemon's per-address limit (3) still applies to all of them.
  BOOST_TEST(post("203.0.113.2").status == 202);
  BOOST_TEST(post("203.0.113.3").status == 202);
  const auto limited = post("203.0.113.4");
  BOOST_TEST(limited.status == 429, limited.body);
  BOOST_TEST(limited.headers.count("retry-after") == 1u);

  BOOST_TEST(HttpCall(nginx.port, "GET", "/portal-mailbox/healthz", {}, "").status == 200);
  BOOST_TEST(HttpCall(nginx.port, "GET", "/portal-mailbox/v2/messages", {}, "").status == 404);
  BOOST_TEST(HttpCall(nginx.port, "DELETE", "/portal-mailbox/v1/messages", {}, "").status == 403);
  BOOST_TEST(f.QueuedDocuments().size() == 3u);
}

BOOST_AUTO_TEST_CASE(the_account_endpoints_pass_through_nginx_with_their_own_methods) {
  MailboxFixture f;
  f.StartDaemon();
  Nginx nginx(f.root(), f.daemon->port());
  const std::map<std::string, std::string> json = {{"Content-Type", "application/json"}};
  // The daemon's own answer (a salt for any Logon ID), through the accounts location.
  const auto prelogin = HttpCall(nginx.port, "POST", "/portal-mailbox/v1/prelogin", json,
                                 R"({"logon_id":"someone"})");
  BOOST_TEST(prelogin.status == 200, prelogin.body);
  BOOST_TEST(prelogin.body.find("\"salt\"") != std::string::npos, prelogin.body);
  BOOST_TEST(prelogin.headers.at("cache-control") == "no-store");
  // Only POST there: nginx refuses the rest before the daemon sees them.
  BOOST_TEST(HttpCall(nginx.port, "GET", "/portal-mailbox/v1/sessions", {}, "").status == 403);
  // A change of password is a PUT: nginx lets it reach the daemon, which wants a signature.
  const auto put = HttpCall(nginx.port, "PUT", "/portal-mailbox/v1/key-blob", json, "{}");
  BOOST_TEST((put.status == 400 || put.status == 401 || put.status == 422), put.body);
  // A sign-in body bigger than the accounts location allows never reaches the daemon.
  const auto big = HttpCall(nginx.port, "POST", "/portal-mailbox/v1/sessions", json,
                            R"({"logon_id":")" + std::string(8000, 'a') + R"("})");
  BOOST_TEST(big.status == 413);
}

}  // namespace
}  // namespace portal
