#pragma once

#include <string>
#include <string_view>

namespace portal {

// `text` (UTF-8) as a quoted CSS string in which every character other than an ASCII letter,
// digit or space is a hex escape ("\00003C "), so record text placed in a <style> element can
// neither end the string nor the element. Invalid UTF-8 bytes become U+FFFD.
std::string CssString(std::string_view text);

}  // namespace portal
