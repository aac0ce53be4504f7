#include "mailbox/staff/fhir_text.h"

#include <utility>

#include "mailbox/common/fhir_systems.h"

namespace portal {

std::string JoinNonEmpty(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

std::string MaritalDisplay(const std::string& system, const std::string& code) {
  static const std::pair<std::string_view, const char*> kDisplays[] = {
      {"A", "Annulled"},          {"C", "Common Law"}, {"D", "Divorced"},   {"I", "Interlocutory"},
      {"L", "Legally Separated"}, {"M", "Married"},    {"P", "Polygamous"}, {"S", "Never Married"},
      {"T", "Domestic partner"},  {"U", "unmarried"},  {"W", "Widowed"}};
  if (system == fhir_systems::kNullFlavor) return code == "UNK" ? "unknown" : "";
  if (system != fhir_systems::kMaritalStatus) return "";
  for (const auto& [known, display] : kDisplays) {
    if (code == known) return display;
  }
  return "";
}

std::string MaritalText(JsonView codeable) {
  const JsonView coding = codeable["coding"][0];
  const std::string code = coding["code"].Str();
  if (code.empty()) return codeable["text"].Str();
  std::string display = coding["display"].Str();
  if (display.empty()) display = MaritalDisplay(coding["system"].Str(), code);
  return display.empty() ? code : display + " (" + code + ")";
}

std::string ConceptText(JsonView codeable) {
  const std::string text = codeable["text"].Str();
  if (!text.empty()) return text;
  std::vector<std::string> parts;
  for (JsonView coding : codeable["coding"]) {
    const std::string display = coding["display"].Str();
    parts.push_back(display.empty() ? coding["code"].Str() : display);
  }
  return JoinNonEmpty(parts, ", ");
}

std::string AddressLine(JsonView address) {
  std::vector<std::string> parts;
  for (JsonView line : address["line"]) parts.push_back(line.Str());
  parts.push_back(address["city"].Str());
  parts.push_back(JoinNonEmpty({address["state"].Str(), address["postalCode"].Str()}, " "));
  parts.push_back(address["country"].Str());
  const std::string line = JoinNonEmpty(parts, ", ");
  return line.empty() ? address["text"].Str() : line;
}

std::string PhoneText(JsonView point) {
  return JoinNonEmpty({point["use"].Str(), point["value"].Str()}, " ");
}

std::string NameText(JsonView name) {
  const std::string text = name["text"].Str();
  if (!text.empty()) return text;
  std::vector<std::string> parts;
  for (JsonView given : name["given"]) parts.push_back(given.Str());
  parts.push_back(name["family"].Str());
  return JoinNonEmpty(parts, " ");
}

std::string TelecomText(JsonView telecom, const std::string& system) {
  std::vector<std::string> parts;
  for (JsonView point : telecom) {
    if (point["system"].Str() != system) continue;
    parts.push_back(system == "phone" ? PhoneText(point) : point["value"].Str());
  }
  return JoinNonEmpty(parts, "; ");
}

}  // namespace portal
