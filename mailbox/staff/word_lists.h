#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace portal {

// A vocabulary's words for help texts and errors (queue_vocabulary.h's *Names()).
// "a, b, c".
std::string ListWords(const std::vector<std::string_view>& words);
// "a, b or c".
std::string ListWordsOr(const std::vector<std::string_view>& words);

}  // namespace portal
