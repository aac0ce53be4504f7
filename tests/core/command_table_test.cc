#define BOOST_TEST_MODULE command_table_test
#include "core/command_table.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace portal {
namespace {

// Runs a table of two commands (one in a group) on `args`; *ran is which ran, *config what it saw.
int RunTable(std::vector<std::string> args, std::string* ran, std::string* config) {
  CommandTable table("prog", "A test program.", "Exit codes: ...");
  std::string value;
  CLI::App* one = table.Add(nullptr, "one", "The first", [&] {
    *ran = "one:" + value;
    *config = table.config_path();
    return Status::Ok();
  });
  one->add_option("--value", value)->required();
  CLI::App* group = table.Group("group", "A group");
  table.Add(group, "two", "The second", [&] {
    *ran = "two";
    *config = table.config_path();
    return Status::InvalidInput("refused");
  });
  args.insert(args.begin(), "prog");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return table.Run(static_cast<int>(argv.size()), argv.data());
}

BOOST_AUTO_TEST_CASE(runs_the_named_command_with_its_options) {
  std::string ran, config;
  BOOST_TEST(RunTable({"one", "--value", "x"}, &ran, &config) == 0);
  BOOST_TEST(ran == "one:x");
  BOOST_TEST(config == "content/portal.toml");
}

BOOST_AUTO_TEST_CASE(config_after_the_command_wins_over_before) {
  std::string ran, config;
  BOOST_TEST(RunTable({"--config", "a.toml", "one", "--value", "x"}, &ran, &config) == 0);
  BOOST_TEST(config == "a.toml");
  BOOST_TEST(RunTable({"--config", "a.toml", "one", "--value", "x", "--config", "b.toml"}, &ran,
                      &config) == 0);
  BOOST_TEST(config == "b.toml");
}

BOOST_AUTO_TEST_CASE(a_failure_is_its_exit_code_and_usage_errors_are_two) {
  std::string ran, config;
  BOOST_TEST(RunTable({"group", "two"}, &ran, &config) == 1);
  BOOST_TEST(ran == "two");
  ran.clear();
  BOOST_TEST(RunTable({"group"}, &ran, &config) == 2);  // A group needs a command.
  BOOST_TEST(RunTable({"one"}, &ran, &config) == 2);    // --value is required.
  BOOST_TEST(RunTable({}, &ran, &config) == 2);
  BOOST_TEST(RunTable({"nope"}, &ran, &config) == 2);
  BOOST_TEST(ran.empty());
}

}  // namespace
}  // namespace portal
