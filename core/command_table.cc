#include "core/command_table.h"

#include "core/cli_main.h"

namespace portal {

namespace {

constexpr char kConfigHelp[] = "Config file (default content/portal.toml)";

}  // namespace

CommandTable::CommandTable(const char* program, const std::string& description,
                           const char* exit_codes)
    : program_(program), app_(description, program) {
  DescribeProgram(&app_, program, exit_codes);
  app_.require_subcommand(1);
  app_.add_option("--config", root_config_, kConfigHelp);
}

CLI::App* CommandTable::Add(CLI::App* parent, const std::string& name, const std::string& help,
                            std::function<Status()> run) {
  CLI::App* cmd = (parent == nullptr ? &app_ : parent)->add_subcommand(name, help);
  commands_.emplace_back(cmd, std::move(run));
  return cmd;
}

void CommandTable::AddConfigOption(CLI::App* cmd) {
  cmd->add_option("--config", command_config_, kConfigHelp);
}

CLI::App* CommandTable::Group(const std::string& name, const std::string& help) {
  CLI::App* group = app_.add_subcommand(name, help);
  group->require_subcommand(1);
  return group;
}

int CommandTable::Run(int argc, char** argv) {
  // --config last, after each command's own options, unless the command placed it itself.
  for (const auto& command : commands_) {
    if (command.first->get_option_no_throw("--config") == nullptr) AddConfigOption(command.first);
  }
  if (auto exit_code = ParseCommandLine(&app_, program_, argc, argv)) return *exit_code;
  config_path_ = command_config_.empty() ? root_config_ : command_config_;
  for (const auto& [cmd, run] : commands_) {
    if (!cmd->parsed()) continue;
    const Status status = run();
    return status.ok() ? 0 : ReportFailure(program_, status);
  }
  return 0;
}

}  // namespace portal
