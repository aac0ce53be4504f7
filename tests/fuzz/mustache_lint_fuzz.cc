// The Mustache linter (core/templates/mustache_lint.h) that checks staff-written templates and
// content before mstch, which accepts malformed ones silently. Properties: no crash; an error
// names the file and a line; an accepted text's partials and unescaped tags have names and
// lines inside the text, and mstch renders it (with no data and no partials) without failing.

#include <mstch/mstch.hpp>

#include <algorithm>
#include <string>

#include "core/templates/mustache_lint.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = portal::fuzz::AsText(data, size);
  const std::string file = "site_templates/fuzz.mustache";
  portal::MustacheLintResult lint;
  const portal::Status st = portal::LintMustache(text, file, 0, &lint);
  if (!st.ok()) {
    FUZZ_CHECK(portal::fuzz::NamesFileAndLine(st.message(), file));
    return 0;
  }
  const int lines = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  for (const auto* refs : {&lint.partials, &lint.unescaped}) {
    for (const auto& ref : *refs) {
      FUZZ_CHECK(!ref.name.empty());
      FUZZ_CHECK(ref.line >= 1 && ref.line <= lines);
    }
  }
  try {
    (void)mstch::render(std::string(text), mstch::map{});
  } catch (const std::exception&) {
    portal::fuzz::PropertyFailed("mstch refused a template the linter accepted");
  }
  return 0;
}
