#pragma once

// What the programs' mains share: one way to report a failure and to parse the command line
// (CLI11), so portal-gen, portal-staff and portal-mailboxd answer alike. Header-only; the
// portal_cli target carries CLI11 so core/ itself does not depend on it.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <optional>
#include <string>

#include "core/status.h"
#include "core/version.h"

namespace portal {

// Prints "PROGRAM: error: MESSAGE" on stderr; returns the status's exit code.
inline int ReportFailure(const char* program, const Status& status) {
  std::fprintf(stderr, "%s: error: %s\n", program, status.message().c_str());
  return status.ExitCode();
}

// Sets the --version flag and the exit-code footer shared by every program.
inline void DescribeProgram(CLI::App* app, const char* program, const char* exit_codes) {
  app->footer(exit_codes);
  app->set_version_flag("--version", std::string(program) + " " + kVersion);
}

// Parses argv. nullopt: go on. Otherwise the program exits with the value: help or version was
// printed (0), or a usage error was reported (2).
inline std::optional<int> ParseCommandLine(CLI::App* app, const char* program, int argc,
                                           char** argv) {
  try {
    app->parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app->exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app->exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app->exit(e);
  } catch (const CLI::ParseError& e) {
    return ReportFailure(program,
                         Status::Usage(std::string(e.what()) + " (see " + program + " --help)"));
  }
  return std::nullopt;
}

}  // namespace portal
