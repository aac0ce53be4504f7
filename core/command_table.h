#pragma once

// git's builtin/ idea over CLI11: each command registers its name, options and run function in
// a table (one Register* function per command file); a program's main only builds the table and
// runs it. Failures print as "PROGRAM: error: MESSAGE" and map to the documented exit codes.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace portal {

class CommandTable {
 public:
  CommandTable(const char* program, const std::string& description, const char* exit_codes);
  CommandTable(const CommandTable&) = delete;
  CommandTable& operator=(const CommandTable&) = delete;

  // A command under `parent` (nullptr: top level) whose `run` is called once it is parsed.
  // Returns the CLI11 app to add its options to; every command takes --config.
  CLI::App* Add(CLI::App* parent, const std::string& name, const std::string& help,
                std::function<Status()> run);
  // Puts --config on `cmd` now, before the options added after it (by default it goes last).
  void AddConfigOption(CLI::App* cmd);
  // A group of commands (`portal-staff queue list`): one of them must be named.
  CLI::App* Group(const std::string& name, const std::string& help);

  // The --config given after the command, else before it, else content/portal.toml. Valid
  // from the moment a run function is called.
  const std::string& config_path() const { return config_path_; }

  // Parses argv, runs the parsed command and returns the process's exit code. Call once.
  int Run(int argc, char** argv);

 private:
  const char* program_;
  CLI::App app_;
  std::string root_config_ = "content/portal.toml";
  std::string command_config_;
  std::string config_path_;
  std::vector<std::pair<CLI::App*, std::function<Status()>>> commands_;
};

}  // namespace portal
