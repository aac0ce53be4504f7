#pragma once

#include <string>
#include <string_view>

namespace portal {

// Text from records and patients made safe to print on a terminal: what a terminal would act on
// is shown visibly instead, so a message body cannot move the cursor, set the title or the
// clipboard (OSC 0/52), or hide what follows (a NUL), and the staff member sees that something
// was there. Escaped:
//   - C0 controls other than \n and \t, and DEL:        "\x1b", "\x00", "\x7f"
//   - C1 controls U+0080–U+009F written as UTF-8:         "\u009b"
//   - bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): "\u202e"
//   - each byte that is not part of valid UTF-8 (a lone C1 byte, overlong forms, surrogates,
//     past U+10FFFF, a cut-off sequence):                "\xff"
// Everything else, \n and \t included, is unchanged. Hex digits are lower case.
std::string TerminalSafe(std::string_view text);

}  // namespace portal
