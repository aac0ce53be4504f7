#include "generator/summaries/record_status.h"

#include <initializer_list>

#include "generator/summaries/fhir_fields.h"

namespace portal {

namespace {

bool OneOf(std::string_view value, std::initializer_list<std::string_view> list) {
  for (std::string_view v : list) {
    if (value == v) return true;
  }
  return false;
}

}  // namespace

bool RetractedOrUnfinished(simdjson::dom::element r, std::string_view type) {
  const std::string status = Str(r, "status");
  if (status == "entered-in-error") return true;
  if (type == "Observation" || type == "DiagnosticReport") {
    return !OneOf(status, {"final", "amended", "corrected", "appended"});
  }
  if (type == "Condition" || type == "AllergyIntolerance") {
    for (simdjson::dom::element verification : Items(r, "verificationStatus")) {
      for (simdjson::dom::element c : Items(verification, "coding")) {
        if (OneOf(Str(c, "code"), {"entered-in-error", "refuted"})) return true;
      }
    }
    return false;
  }
  if (type == "MedicationRequest" || type == "Encounter") return status == "cancelled";
  if (type == "Immunization") return status == "not-done";
  if (type == "DocumentReference") {
    return status == "superseded" ||
           OneOf(Str(r, "docStatus"), {"entered-in-error", "preliminary"});
  }
  return false;
}

}  // namespace portal
