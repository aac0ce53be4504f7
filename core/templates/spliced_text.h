#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace portal {

// Keeps large generator-made HTML (answers, page bodies) out of mstch, which copies every value
// it touches several times: a template receives a short token for such a value, and the real
// text is spliced in after rendering. Tokens hold a per-process random nonce and a control
// character, so no content or config text can forge one. Token i is the same in every object,
// so text rendered once with tokens (a layout shell) can be assembled with each page's values.
class SplicedText {
 public:
  SplicedText();

  // Registers text made of `parts` (written one after another; they must outlive this object's
  // use) and returns the token to put into the template context in its place.
  std::string Add(std::vector<std::string_view> parts);

  // `rendered` with every token replaced by its parts, as a list of pieces that views into
  // `rendered` and the registered parts.
  std::vector<std::string_view> Assemble(std::string_view rendered) const;

 private:
  const std::string& prefix_;
  std::vector<std::vector<std::string_view>> parts_;
};

}  // namespace portal
