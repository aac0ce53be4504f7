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
#include "core/state_permissions.h"
#include "mailbox/common/notice_pump.h"
#include "mailbox/daemon/http_server.h"
#include "mailbox/daemon/mailbox_service.h"

namespace {

using portal::Status;

constexpr char kProgram[] = "portal-mailboxd";
constexpr char kExitCodes[] =
    "Exit codes: 0 stopped by SIGTERM/SIGINT after draining, 1 invalid config or state, "
    "2 usage error, 3 I/O or system failure (e.g. the address is taken).";

struct Options {
  std::string config_path = "content/portal.toml";
  std::string listen;  // "" until the config's mailbox.listen fills it.
};

// The command line into *out; an exit code when the program stops here (help, version, usage).
std::optional<int> ParseOptions(int argc, char** argv, Options* out) {
  CLI::App app{
      "portal-mailboxd — the Patient Portal's mailbox for patients' messages and "
      "profile-change requests.",
      "portal-mailboxd"};
  portal::DescribeProgram(&app, kProgram, kExitCodes);
  app.add_option("--config", out->config_path, "Config file (default content/portal.toml)");
  app.add_option("--listen", out->listen,
                 "ADDRESS:PORT to serve on (default: mailbox.listen of the config; port 0 picks "
                 "a free one)");
  return portal::ParseCommandLine(&app, kProgram, argc, argv);
}

// "IPv4:PORT" or "[IPv6]:PORT" into the address (without brackets) and the port.
Status ParseListen(const std::string& listen, std::string* address, uint16_t* port) {
  static const std::regex kListen(R"((\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:]+\]):(\d{1,5}))");
  std::smatch m;
  int number = 0;
  if (!std::regex_match(listen, m, kListen) || !portal::ParseInt(m[2].str(), &number) ||
      number > 65535) {
    return Status::Usage("--listen: must be IP:PORT, e.g. 127.0.0.1:8787");
  }
  *address = m[1].str();
  if (address->front() == '[') *address = address->substr(1, address->size() - 2);
  *port = static_cast<uint16_t>(number);
  return Status::Ok();
}

// The server's limits from the config's [mailbox] table (address and port are set apart).
void ApplyLimits(const portal::PortalConfig& config, portal::HttpServerOptions* options) {
  options->threads = 2;  // I/O only; the handlers run on mailbox.threads workers.
  options->workers = static_cast<int>(config.mailbox.threads);
  options->max_connections = static_cast<int>(config.mailbox.max_connections);
  options->max_connections_per_address =
      static_cast<int>(config.mailbox.max_connections_per_address);
  options->unix_socket = config.mailbox.listen_socket.string();
  options->max_queued = static_cast<int>(config.mailbox.max_connections);
  options->max_body_bytes = static_cast<size_t>(config.mailbox.max_body_kib) * 1024;
  options->header_timeout = std::chrono::milliseconds(config.mailbox.header_timeout_ms);
  options->body_timeout = std::chrono::milliseconds(config.mailbox.body_timeout_ms);
}

// SIGTERM and SIGINT are taken by sigwait, so every thread starts with them blocked; SIGPIPE
// and SIGHUP are ignored (no reload: the config is read at start).
sigset_t BlockStopSignals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, SIG_IGN);
  return stop_signals;
}

// Serves with `service` until SIGTERM or SIGINT, then drains the requests in flight.
Status Serve(const portal::PortalConfig& config, const std::string& listen,
             portal::HttpServerOptions options, portal::MailboxService* service) {
  options.on_refusal = [service](const std::string& event, const std::string&) {
    service->LogRefusal(event);
  };
  sigset_t stop_signals = BlockStopSignals();
  portal::HttpServer server(options,
                            [service](const portal::HttpRequest& r) { return service->Handle(r); });
  PORTAL_RETURN_IF_ERROR(server.Start());
  // The readiness line (tests and scripts read the port from it) and systemd's Type=notify.
  std::printf("portal-mailboxd: listening on %s:%u\n", listen.substr(0, listen.rfind(':')).c_str(),
              server.port());
  if (!options.unix_socket.empty()) {
    std::printf("portal-mailboxd: listening on unix socket %s\n", options.unix_socket.c_str());
  }
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
  return Status::Ok();
}

Status Run(Options options) {
  portal::PortalConfig config;
  PORTAL_RETURN_IF_ERROR(portal::LoadConfig(options.config_path, &config));
  if (options.listen.empty()) options.listen = config.mailbox.listen;
  portal::HttpServerOptions server;
  PORTAL_RETURN_IF_ERROR(ParseListen(options.listen, &server.address, &server.port));
  ApplyLimits(config, &server);
  // Before the service starts its threads (the code mailer), so they inherit the blocked mask
  // and the stop signals reach only sigwait.
  BlockStopSignals();
  std::unique_ptr<portal::MailboxService> service;
  PORTAL_RETURN_IF_ERROR(portal::MailboxService::Open(
      config, portal::MailboxServiceOptions(portal::SystemClock()), &service));
  return Serve(config, options.listen, server, service.get());
}

}  // namespace

int main(int argc, char** argv) {
  portal::MakeCreatedFilesPrivate();  // var/ is 0700/0600 (core/state_permissions.h).
  Options options;
  if (auto exit_code = ParseOptions(argc, argv, &options)) return *exit_code;
  const Status st = Run(std::move(options));
  return st.ok() ? 0 : portal::ReportFailure(kProgram, st);
}
