// portal-mailboxd: receives patients' signed messages and profile-change requests on loopback
// and queues them as sealed documents for the records staff. Thin: options, then serve until
// SIGTERM, which drains the requests in flight.
#include "core/cli_main.h"

#include <systemd/sd-daemon.h>
#include <csignal>
#include <cstdio>
#include <regex>

#include "core/clock.h"
#include "core/config.h"
#include "core/fhir_time.h"
#include "core/parse_number.h"
#include "mailbox/common/notice_pump.h"
#include "mailbox/daemon/http_server.h"
#include "mailbox/daemon/mailbox_service.h"

namespace {

constexpr char kProgram[] = "portal-mailboxd";
constexpr char kExitCodes[] =
    "Exit codes: 0 stopped by SIGTERM/SIGINT after draining, 1 invalid config or state, "
    "2 usage error, 3 I/O or system failure (e.g. the address is taken).";

// "IPv4:PORT" or "[IPv6]:PORT" into the address (without brackets) and the port.
portal::Status ParseListen(const std::string& listen, std::string* address, uint16_t* port) {
  static const std::regex kListen(R"((\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:]+\]):(\d{1,5}))");
  std::smatch m;
  int number = 0;
  if (!std::regex_match(listen, m, kListen) || !portal::ParseInt(m[2].str(), &number) ||
      number > 65535) {
    return portal::Status::Usage("--listen: must be IP:PORT, e.g. 127.0.0.1:8787");
  }
  *address = m[1].str();
  if (address->front() == '[') *address = address->substr(1, address->size() - 2);
  *port = static_cast<uint16_t>(number);
  return portal::Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "portal-mailboxd — the Patient Portal's mailbox for patients' messages and "
      "profile-change requests.",
      "portal-mailboxd"};
  portal::DescribeProgram(&app, kProgram, kExitCodes);
  std::string config_path = "content/portal.toml";
  std::string listen;
  app.add_option("--config", config_path, "Config file (default content/portal.toml)");
  app.add_option("--listen", listen,
                 "ADDRESS:PORT to serve on (default: mailbox.listen of the config; port 0 picks "
                 "a free one)");
  if (auto exit_code = portal::ParseCommandLine(&app, kProgram, argc, argv)) return *exit_code;

  portal::PortalConfig config;
  if (portal::Status st = portal::LoadConfig(config_path, &config); !st.ok())
    return portal::ReportFailure(kProgram, st);
  if (listen.empty()) listen = config.mailbox.listen;
  portal::HttpServerOptions options;
  if (portal::Status st = ParseListen(listen, &options.address, &options.port); !st.ok()) {
    return portal::ReportFailure(kProgram, st);
  }

  std::unique_ptr<portal::MailboxService> service;
  if (portal::Status st = portal::MailboxService::Open(
          config, portal::MailboxServiceOptions(portal::SystemClock()), &service);
      !st.ok()) {
    return portal::ReportFailure(kProgram, st);
  }
  options.threads = 2;  // I/O only; the handlers run on mailbox.threads workers.
  options.workers = static_cast<int>(config.mailbox.threads);
  options.max_connections = static_cast<int>(config.mailbox.max_connections);
  options.max_queued = static_cast<int>(config.mailbox.max_connections);
  options.max_body_bytes = static_cast<size_t>(config.mailbox.max_body_kib) * 1024;
  options.header_timeout = std::chrono::milliseconds(config.mailbox.header_timeout_ms);
  options.body_timeout = std::chrono::milliseconds(config.mailbox.body_timeout_ms);
  options.on_refusal = [&service](const std::string& event, const std::string&) {
    service->LogRefusal(event);
  };

  // The signals are taken by sigwait below, so every thread starts with them blocked.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, SIG_IGN);  // No reload: the config is read at start.

  portal::HttpServer server(options,
                            [&](const portal::HttpRequest& r) { return service->Handle(r); });
  if (portal::Status st = server.Start(); !st.ok()) return portal::ReportFailure(kProgram, st);
  // The readiness line (tests and scripts read the port from it) and systemd's Type=notify.
  std::printf("portal-mailboxd: listening on %s:%u\n", listen.substr(0, listen.rfind(':')).c_str(),
              server.port());
  std::fflush(stdout);
  sd_notify(0, "READY=1");
  // Notices (staff digest, patients' pointers) go out from their own thread.
  portal::NoticePump pump(config, portal::SystemClock(), [](const std::string& line) {
    std::fprintf(stderr, "%s %s\n", portal::FormatInstant(portal::SystemClock().Now()).c_str(),
                 line.c_str());
  });
  pump.Start();

  int signal = 0;
  sigwait(&stop_signals, &signal);
  sd_notify(0, "STOPPING=1");
  std::fprintf(stderr, "portal-mailboxd: %s: draining requests in flight\n",
               signal == SIGTERM ? "SIGTERM" : "SIGINT");
  server.Stop(std::chrono::milliseconds(config.mailbox.body_timeout_ms));
  pump.Stop();
  std::fprintf(stderr, "portal-mailboxd: stopped\n");
  return 0;
}
