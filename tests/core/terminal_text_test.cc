#define BOOST_TEST_MODULE terminal_text_test
// TerminalSafe: what a terminal would act on is shown escaped; all other text is left as it is.
#include "core/terminal_text.h"

#include <boost/test/unit_test.hpp>
#include <string>

namespace portal {
namespace {

using namespace std::string_literals;

BOOST_AUTO_TEST_CASE(leaves_text_newlines_tabs_and_other_scripts_alone) {
  BOOST_TEST(TerminalSafe("") == "");
  BOOST_TEST(TerminalSafe("Refill?\n\tTwice a day.") == "Refill?\n\tTwice a day.");
  BOOST_TEST(TerminalSafe("Café ü € 中文 😀 \\x1b") == "Café ü € 中文 😀 \\x1b");
  BOOST_TEST(TerminalSafe("\u00a0\u00ff\u2029\u206a") == "\u00a0\u00ff\u2029\u206a");
}

BOOST_AUTO_TEST_CASE(escapes_c0_controls_and_del) {
  // The review's cursor move: ESC [ 1 A, then carriage return, then the forged line.
  BOOST_TEST(TerminalSafe("ok\x1b[1A\rMRN: M100001") == "ok\\x1b[1A\\x0dMRN: M100001");
  BOOST_TEST(TerminalSafe("a\0b"s) == "a\\x00b");
  BOOST_TEST(TerminalSafe("\x01\x07\x08\x0b\x0c\x1f\x7f") == "\\x01\\x07\\x08\\x0b\\x0c\\x1f\\x7f");
  // OSC 52 (clipboard), ended by BEL.
  BOOST_TEST(TerminalSafe("\x1b]52;c;Y2F0\x07") == "\\x1b]52;c;Y2F0\\x07");
}

BOOST_AUTO_TEST_CASE(escapes_c1_controls_written_as_utf8) {
  BOOST_TEST(TerminalSafe("x\xc2\x9b"
                          "31mred") == "x\\u009b31mred");
  BOOST_TEST(TerminalSafe("\xc2\x80\xc2\x9d\xc2\x9f") == "\\u0080\\u009d\\u009f");
  BOOST_TEST(TerminalSafe("\xc2\xa0") == "\xc2\xa0");  // U+00A0 is not a control.
}

BOOST_AUTO_TEST_CASE(escapes_bidi_overrides_and_isolates) {
  BOOST_TEST(TerminalSafe("abc\xe2\x80\xae"
                          "fed") == "abc\\u202efed");
  BOOST_TEST(TerminalSafe("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad") ==
             "\\u202a\\u202b\\u202c\\u202d");
  BOOST_TEST(TerminalSafe("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9") ==
             "\\u2066\\u2067\\u2068\\u2069");
}

BOOST_AUTO_TEST_CASE(escapes_each_byte_that_is_not_valid_utf8) {
  BOOST_TEST(TerminalSafe("\xff") == "\\xff");
  BOOST_TEST(TerminalSafe("\x9b"
                          "31m") == "\\x9b31m");                           // A lone 8-bit CSI.
  BOOST_TEST(TerminalSafe("\xc0\xaf") == "\\xc0\\xaf");                    // Overlong '/'.
  BOOST_TEST(TerminalSafe("\xe0\x80\x9b") == "\\xe0\\x80\\x9b");           // Overlong CSI.
  BOOST_TEST(TerminalSafe("\xed\xa0\x80") == "\\xed\\xa0\\x80");           // A surrogate.
  BOOST_TEST(TerminalSafe("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");  // Past U+10FFFF.
  BOOST_TEST(TerminalSafe("ab\xe2\x82") == "ab\\xe2\\x82");                // Cut off at the end.
  BOOST_TEST(TerminalSafe("\xe2\x82z") == "\\xe2\\x82z");                  // Cut off mid-text.
}

}  // namespace
}  // namespace portal
