#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/json_view.h"

namespace portal {

// FHIR datatypes as short readable text for staff ("12 Main St, Norwich, CT 06360"). Anything
// missing or of the wrong type reads as "".

// The parts that are not empty, `separator` between them.
std::string JoinNonEmpty(const std::vector<std::string>& parts, std::string_view separator);

// The display of FHIR R4's marital-status value set (HL7 v3 MaritalStatus and NullFlavor UNK);
// "" for a code outside it.
std::string MaritalDisplay(const std::string& system, const std::string& code);
// "Married (M)"; the codeable's text when it has no coded value.
std::string MaritalText(JsonView codeable);
// The text, else the codings' displays (else codes).
std::string ConceptText(JsonView codeable);
// "12 Main St, Apt 3, Norwich, CT 06360, USA"; the address's text when it has no parts.
std::string AddressLine(JsonView address);
// "mobile 860 555 0199"; the bare number when it has no use.
std::string PhoneText(JsonView point);
// The name's text, else its given names and family name.
std::string NameText(JsonView name);
// Phones "home 860 555 0100; mobile …" (system "phone") or e-mail addresses "a@example.org; …".
std::string TelecomText(JsonView telecom, const std::string& system);

}  // namespace portal
