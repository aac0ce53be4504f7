#include "generator/records/fhir_resource.h"

#include <array>
#include <map>

#include "core/fhir_time.h"
#include "core/sha256.h"

namespace portal {

namespace {

// How a resource type relates to a patient.
enum class Scope { kPatient, kCompartment, kOptionalCompartment, kShared };

// The resource types the portal stores, and the field that names their patient.
const std::map<std::string_view, std::pair<Scope, const char*>>& KnownTypes() {
  static const std::map<std::string_view, std::pair<Scope, const char*>> kTypes = {
      {"Patient", {Scope::kPatient, ""}},
      {"AllergyIntolerance", {Scope::kCompartment, "patient"}},
      {"Immunization", {Scope::kCompartment, "patient"}},
      {"RelatedPerson", {Scope::kCompartment, "patient"}},
      {"Coverage", {Scope::kCompartment, "beneficiary"}},
      {"Device", {Scope::kOptionalCompartment, "patient"}},
      {"Observation", {Scope::kCompartment, "subject"}},
      {"Condition", {Scope::kCompartment, "subject"}},
      {"DiagnosticReport", {Scope::kCompartment, "subject"}},
      {"DocumentReference", {Scope::kCompartment, "subject"}},
      {"Encounter", {Scope::kCompartment, "subject"}},
      {"Procedure", {Scope::kCompartment, "subject"}},
      {"MedicationRequest", {Scope::kCompartment, "subject"}},
      {"MedicationStatement", {Scope::kCompartment, "subject"}},
      {"MedicationDispense", {Scope::kCompartment, "subject"}},
      {"CarePlan", {Scope::kCompartment, "subject"}},
      {"CareTeam", {Scope::kCompartment, "subject"}},
      {"Goal", {Scope::kCompartment, "subject"}},
      {"ServiceRequest", {Scope::kCompartment, "subject"}},
      {"QuestionnaireResponse", {Scope::kCompartment, "subject"}},
      {"Media", {Scope::kCompartment, "subject"}},
      {"Specimen", {Scope::kOptionalCompartment, "subject"}},
      {"Composition", {Scope::kCompartment, "subject"}},
      {"Organization", {Scope::kShared, ""}},
      {"Practitioner", {Scope::kShared, ""}},
      {"PractitionerRole", {Scope::kShared, ""}},
      {"Location", {Scope::kShared, ""}},
      {"Medication", {Scope::kShared, ""}},
      {"Endpoint", {Scope::kShared, ""}},
      {"Provenance", {Scope::kShared, ""}},
  };
  return kTypes;
}

// Date fields checked wherever they appear at the top level or in a period.
constexpr std::array<const char*, 11> kDateFields = {"birthDate",          "deceasedDateTime",
                                                     "effectiveDateTime",  "issued",
                                                     "recordedDate",       "onsetDateTime",
                                                     "abatementDateTime",  "authoredOn",
                                                     "occurrenceDateTime", "date",
                                                     "effectiveInstant"};
constexpr std::array<const char*, 2> kPeriodFields = {"period", "effectivePeriod"};

bool IsValidDate(std::string_view text) {
  int64_t unused = 0;
  return ParseFhirInstant(text, &unused);
}

Status CheckDates(simdjson::dom::object obj, const std::string& where) {
  for (const char* field : kDateFields) {
    std::string_view value;
    auto v = obj[field];
    if (v.error()) continue;
    if (v.get(value) != simdjson::SUCCESS || !IsValidDate(value)) {
      return Status::InvalidInput(where + ": " + field + " is not a valid FHIR date");
    }
  }
  for (const char* field : kPeriodFields) {
    simdjson::dom::object period;
    if (obj[field].get(period) != simdjson::SUCCESS) continue;
    for (const char* end : {"start", "end"}) {
      std::string_view value;
      auto v = period[end];
      if (v.error()) continue;
      if (v.get(value) != simdjson::SUCCESS || !IsValidDate(value)) {
        return Status::InvalidInput(where + ": " + field + "." + end + " is not a valid FHIR date");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

bool ResolvePlainReference(std::string_view reference, std::string* type, std::string* id) {
  const size_t hist = reference.find("/_history/");
  if (hist != std::string_view::npos) reference = reference.substr(0, hist);
  const size_t slash = reference.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == reference.size()) return false;
  const size_t before = reference.rfind('/', slash - 1);
  *type =
      std::string(reference.substr(before == std::string_view::npos ? 0 : before + 1,
                                   slash - (before == std::string_view::npos ? 0 : before + 1)));
  *id = std::string(reference.substr(slash + 1));
  return !type->empty() && (*type)[0] >= 'A' && (*type)[0] <= 'Z';
}

Status ReadFhirResource(simdjson::dom::element element, const ReferenceResolver& resolve,
                        FhirResource* out) {
  *out = FhirResource();
  simdjson::dom::object obj;
  if (element.get(obj) != simdjson::SUCCESS) {
    return Status::InvalidInput("not a JSON object");
  }
  std::string_view type, id;
  if (obj["resourceType"].get(type) != simdjson::SUCCESS) {
    return Status::InvalidInput("no resourceType");
  }
  const auto known = KnownTypes().find(type);
  if (known == KnownTypes().end()) {
    return Status::InvalidInput("unknown resource type '" + std::string(type) + "'");
  }
  if (obj["id"].get(id) != simdjson::SUCCESS || id.empty()) {
    return Status::InvalidInput(std::string(type) + " without an id");
  }
  out->type = std::string(type);
  out->id = std::string(id);
  const std::string where = out->type + "/" + out->id;
  const auto [scope, field] = known->second;
  if (scope == Scope::kPatient) {
    out->patient_id = out->id;
  } else if (scope != Scope::kShared) {
    std::string_view reference;
    const bool has = obj[field]["reference"].get(reference) == simdjson::SUCCESS;
    std::string ref_type, ref_id;
    if (!has && scope == Scope::kOptionalCompartment) {
      // Not about one patient: stored as shared.
    } else if (!has) {
      return Status::InvalidInput(where + ": no patient reference (" + field + ")");
    } else if (!resolve(reference, &ref_type, &ref_id) || ref_type != "Patient") {
      return Status::InvalidInput(where + ": " + field + " does not reference a Patient");
    } else {
      out->patient_id = ref_id;
    }
  }
  // The patient is known from here on, so a failure below is charged to them.
  PORTAL_RETURN_IF_ERROR(CheckDates(obj, where));
  out->json = simdjson::minify(element);
  out->hash = Sha256Hex(out->json);
  return Status::Ok();
}

std::string PatientMrn(simdjson::dom::element patient, const std::string& system) {
  simdjson::dom::array identifiers;
  if (patient["identifier"].get(identifiers) != simdjson::SUCCESS) return std::string();
  for (simdjson::dom::element ident : identifiers) {
    std::string_view ident_system, value;
    if (!system.empty() &&
        (ident["system"].get(ident_system) != simdjson::SUCCESS || ident_system != system)) {
      continue;
    }
    simdjson::dom::array codings;
    if (ident["type"]["coding"].get(codings) != simdjson::SUCCESS) continue;
    for (simdjson::dom::element coding : codings) {
      std::string_view coding_system, code;
      if (coding["system"].get(coding_system) == simdjson::SUCCESS &&
          coding_system == "http://terminology.hl7.org/CodeSystem/v2-0203" &&
          coding["code"].get(code) == simdjson::SUCCESS && code == "MR" &&
          ident["value"].get(value) == simdjson::SUCCESS) {
        return std::string(value);
      }
    }
  }
  return std::string();
}

}  // namespace portal
