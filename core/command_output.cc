#include "core/command_output.h"

#include <cstdio>

namespace portal {

void PrintJson(const nlohmann::ordered_json& value) {
  const std::string text =
      value.dump(2, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
  std::printf("%s\n", text.c_str());
}

void PrintResult(bool json, const nlohmann::ordered_json& value, const std::string& text) {
  if (json) {
    PrintJson(value);
  } else {
    std::printf("%s\n", text.c_str());
  }
}

}  // namespace portal
