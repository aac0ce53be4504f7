#pragma once

#include <string>
#include <string_view>

namespace portal {

// Escapes & < > " ' for HTML text and attribute values. The one escape used everywhere,
// including as mstch's escape function.
std::string HtmlEscape(std::string_view text);

}  // namespace portal
