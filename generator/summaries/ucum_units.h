#pragma once

#include <string>
#include <string_view>

namespace portal {

// A UCUM unit code as a patient reads it: "10*3/uL" is "10³/µL", "mm[Hg]" is "mmHg", "Cel" is
// "°C", "{copies}/mL" is "copies/mL", "kg/m2" is "kg/m²". A few whole codes come from a table;
// the rest follow the generic rules (10*N and 10^N, the micro prefix u, exponents, [..] and
// {..}). Pure text: the result must still be HTML-escaped.
std::string ReadableUnit(std::string_view ucum);

}  // namespace portal
