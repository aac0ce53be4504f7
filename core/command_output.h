#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace portal {

// One way for a command to print its result: the JSON value with --json, else the text (a
// newline is added to each). Values that came from records or people are the caller's to pass
// through TerminalSafe first when they go into `text`.
void PrintResult(bool json, const nlohmann::ordered_json& value, const std::string& text);

// Prints a JSON value on its own line (for commands whose text form is a table).
void PrintJson(const nlohmann::ordered_json& value);

}  // namespace portal
