#define BOOST_TEST_MODULE ucum_units_test
#include "generator/summaries/ucum_units.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

namespace portal {
namespace {

BOOST_AUTO_TEST_CASE(ucum_codes_read_as_patients_write_them) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"10*3/uL", "10³/µL"},
      {"10*6/uL", "10⁶/µL"},
      {"10^9/L", "10⁹/L"},
      {"10*-3", "10⁻³"},
      {"ug/dL", "µg/dL"},
      {"umol/L", "µmol/L"},
      {"u[IU]/mL", "µIU/mL"},
      {"uIU/mL", "µIU/mL"},
      {"mm[Hg]", "mmHg"},
      {"kg/m2", "kg/m²"},
      {"cm3", "cm³"},
      {"Cel", "°C"},
      {"[degF]", "°F"},
      {"{copies}/mL", "copies/mL"},
      {"mL/min/{1.73_m2}", "mL/min/1.73 m²"},
      {"%{HemoglobinA1C}", "%"},
      {"/min", "/min"},
      {"[in_i]", "in"},
      {"[lb_av]", "lb"},
      {"[IU]/L", "IU/L"},
      {"mg/dL", "mg/dL"},
      {"mmol/L", "mmol/L"},
      {"%", "%"},
      {"fL", "fL"},
      {"U/L", "U/L"},
      {"kg", "kg"},
      {"1", ""},
      {"a", "years"},
      {"g.m-2", "g·m⁻²"},
      {"{", "{"},  // Not UCUM: as written.
  };
  for (const auto& [code, reading] : cases) BOOST_TEST(ReadableUnit(code) == reading, code);
}

}  // namespace
}  // namespace portal
