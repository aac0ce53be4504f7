#pragma once

#include <simdjson.h>

#include <string>

namespace portal {

// A prescription's instructions for reading: each dosageInstruction's text, else its dose,
// timing and as-needed rendered as words ("1 tablet, 2 times a day, as needed"); several
// instructions joined by "; ". "" if there are none.
std::string DosageWords(simdjson::dom::element medication);

}  // namespace portal
