#include "generator/records/fhir_resource.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/fhir_time.h"
#include "core/sha256.h"

namespace portal {

namespace {

// How a resource type relates to a patient.
enum class Scope {
  kPatient,              // The Patient itself.
  kCompartment,          // The field must reference the resource's Patient.
  kOptionalCompartment,  // Filed under the Patient the field references; else shared.
  kShared,               // Never a patient's.
};

struct TypeRule {
  Scope scope;
  const char* field;  // Dotted path to the patient reference; arrays on the way are walked.
};

// The resource types whose patient the portal knows: the FHIR R4 patient compartment
// (CompartmentDefinition/patient, version 4.0.1), by the element behind its patient search
// parameter. The clinical types the portal summarises must name their Patient (as before);
// the others are required when the element is 1..1 Reference(Patient), optional when it is
// 0..1 or may name something else. Types that are not here are shared unless their `patient`
// or `subject` references a Patient.
const std::map<std::string_view, TypeRule>& KnownTypes() {
  static const std::map<std::string_view, TypeRule> kTypes = {
      {"Patient", {Scope::kPatient, ""}},
      // Clinical.
      {"AllergyIntolerance", {Scope::kCompartment, "patient"}},
      {"BodyStructure", {Scope::kCompartment, "patient"}},
      {"CarePlan", {Scope::kCompartment, "subject"}},
      {"CareTeam", {Scope::kCompartment, "subject"}},
      {"ClinicalImpression", {Scope::kCompartment, "subject"}},
      {"Composition", {Scope::kCompartment, "subject"}},
      {"Condition", {Scope::kCompartment, "subject"}},
      {"DeviceUseStatement", {Scope::kCompartment, "subject"}},
      {"DiagnosticReport", {Scope::kCompartment, "subject"}},
      {"DocumentReference", {Scope::kCompartment, "subject"}},
      {"Encounter", {Scope::kCompartment, "subject"}},
      {"EpisodeOfCare", {Scope::kCompartment, "patient"}},
      {"FamilyMemberHistory", {Scope::kCompartment, "patient"}},
      {"Goal", {Scope::kCompartment, "subject"}},
      {"ImagingStudy", {Scope::kCompartment, "subject"}},
      {"Immunization", {Scope::kCompartment, "patient"}},
      {"ImmunizationEvaluation", {Scope::kCompartment, "patient"}},
      {"ImmunizationRecommendation", {Scope::kCompartment, "patient"}},
      {"Media", {Scope::kCompartment, "subject"}},
      {"MedicationAdministration", {Scope::kCompartment, "subject"}},
      {"MedicationDispense", {Scope::kCompartment, "subject"}},
      {"MedicationRequest", {Scope::kCompartment, "subject"}},
      {"MedicationStatement", {Scope::kCompartment, "subject"}},
      {"NutritionOrder", {Scope::kCompartment, "patient"}},
      {"Observation", {Scope::kCompartment, "subject"}},
      {"Procedure", {Scope::kCompartment, "subject"}},
      {"QuestionnaireResponse", {Scope::kCompartment, "subject"}},
      {"RelatedPerson", {Scope::kCompartment, "patient"}},
      {"ResearchSubject", {Scope::kCompartment, "individual"}},
      {"RiskAssessment", {Scope::kCompartment, "subject"}},
      {"ServiceRequest", {Scope::kCompartment, "subject"}},
      {"VisionPrescription", {Scope::kCompartment, "patient"}},
      // Financial.
      {"ChargeItem", {Scope::kCompartment, "subject"}},
      {"Claim", {Scope::kCompartment, "patient"}},
      {"ClaimResponse", {Scope::kCompartment, "patient"}},
      {"Coverage", {Scope::kCompartment, "beneficiary"}},
      {"CoverageEligibilityRequest", {Scope::kCompartment, "patient"}},
      {"CoverageEligibilityResponse", {Scope::kCompartment, "patient"}},
      {"ExplanationOfBenefit", {Scope::kCompartment, "patient"}},
      // About a patient only sometimes.
      {"Account", {Scope::kOptionalCompartment, "subject"}},
      {"AdverseEvent", {Scope::kOptionalCompartment, "subject"}},
      {"Appointment", {Scope::kOptionalCompartment, "participant.actor"}},
      {"AppointmentResponse", {Scope::kOptionalCompartment, "actor"}},
      {"Basic", {Scope::kOptionalCompartment, "subject"}},
      {"Communication", {Scope::kOptionalCompartment, "subject"}},
      {"CommunicationRequest", {Scope::kOptionalCompartment, "subject"}},
      {"Consent", {Scope::kOptionalCompartment, "patient"}},
      {"DetectedIssue", {Scope::kOptionalCompartment, "patient"}},
      {"Device", {Scope::kOptionalCompartment, "patient"}},
      {"DeviceRequest", {Scope::kOptionalCompartment, "subject"}},
      {"DocumentManifest", {Scope::kOptionalCompartment, "subject"}},
      {"EnrollmentRequest", {Scope::kOptionalCompartment, "candidate"}},
      {"Flag", {Scope::kOptionalCompartment, "subject"}},
      {"Invoice", {Scope::kOptionalCompartment, "subject"}},
      {"List", {Scope::kOptionalCompartment, "subject"}},
      {"MeasureReport", {Scope::kOptionalCompartment, "subject"}},
      {"MolecularSequence", {Scope::kOptionalCompartment, "patient"}},
      {"RequestGroup", {Scope::kOptionalCompartment, "subject"}},
      {"Schedule", {Scope::kOptionalCompartment, "actor"}},
      {"Specimen", {Scope::kOptionalCompartment, "subject"}},
      {"SupplyDelivery", {Scope::kOptionalCompartment, "patient"}},
      {"SupplyRequest", {Scope::kOptionalCompartment, "deliverTo"}},
      // Shared.
      {"Endpoint", {Scope::kShared, ""}},
      {"Location", {Scope::kShared, ""}},
      {"Medication", {Scope::kShared, ""}},
      {"Organization", {Scope::kShared, ""}},
      {"Practitioner", {Scope::kShared, ""}},
      {"PractitionerRole", {Scope::kShared, ""}},
      {"Provenance", {Scope::kShared, ""}},
  };
  return kTypes;
}

// The fields tried, in order, for a type the table does not know.
constexpr std::array<const char*, 2> kDefaultPatientFields = {"patient", "subject"};

// Date fields checked wherever they appear at the top level or in a period (the dates of the
// clinical, financial and workflow types real exports carry).
constexpr std::array<const char*, 15> kDateFields = {"birthDate",
                                                     "deceasedDateTime",
                                                     "effectiveDateTime",
                                                     "issued",
                                                     "recordedDate",
                                                     "onsetDateTime",
                                                     "abatementDateTime",
                                                     "authoredOn",
                                                     "occurrenceDateTime",
                                                     "date",
                                                     "effectiveInstant",
                                                     "created",
                                                     "performedDateTime",
                                                     "recorded",
                                                     "started"};
constexpr std::array<const char*, 4> kPeriodFields = {"period", "effectivePeriod", "billablePeriod",
                                                      "performedPeriod"};

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

bool IsLetter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// Exactly "Type/id" or "Type/id/_history/version".
bool ParseTypeAndId(std::string_view ref, std::string* type, std::string* id) {
  const size_t history = ref.find("/_history/");
  if (history != std::string_view::npos) {
    const std::string_view version = ref.substr(history + 10);
    if (!IsFhirId(version)) return false;
    ref = ref.substr(0, history);
  }
  const size_t slash = ref.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view t = ref.substr(0, slash), i = ref.substr(slash + 1);
  if (!IsFhirTypeName(t) || !IsFhirId(i)) return false;
  *type = std::string(t);
  *id = std::string(i);
  return true;
}

// The "Type/id" an absolute URL ends in (before any query, fragment or /_history/n).
bool ParseUrlTail(std::string_view url, std::string* type, std::string* id) {
  url = url.substr(0, url.find_first_of("?#"));
  const size_t history = url.find("/_history/");
  if (history != std::string_view::npos) url = url.substr(0, history);
  const size_t slash = url.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  const size_t before = url.rfind('/', slash - 1);
  if (before == std::string_view::npos) return false;
  return ParseTypeAndId(url.substr(before + 1), type, id);
}

// The reference strings at `path` under `at` (a dotted path; arrays on the way are walked).
void ReferencesAt(simdjson::dom::element at, std::string_view path,
                  std::vector<std::string_view>* out) {
  simdjson::dom::array array;
  if (at.get(array) == simdjson::SUCCESS) {
    for (simdjson::dom::element item : array) ReferencesAt(item, path, out);
    return;
  }
  if (path.empty()) {
    std::string_view reference;
    if (at["reference"].get(reference) == simdjson::SUCCESS) out->push_back(reference);
    return;
  }
  const size_t dot = path.find('.');
  simdjson::dom::element next;
  if (at[path.substr(0, dot)].get(next) != simdjson::SUCCESS) return;
  ReferencesAt(next, dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1),
               out);
}

// What the references at one field say about the resource's patient.
enum class Found { kNoReference, kNotAPatient, kPatient, kForeignPatient };

// The first reference at `field` that names a Patient decides.
Found FindPatient(simdjson::dom::element resource, std::string_view field,
                  const ReferenceResolver& references, std::string* patient) {
  std::vector<std::string_view> found;
  ReferencesAt(resource, field, &found);
  if (found.empty()) return Found::kNoReference;
  for (std::string_view reference : found) {
    ResolvedReference r = references.Resolve(reference);
    if (r.type != "Patient") continue;
    if (r.where == ResolvedReference::Where::kLocal) {
      *patient = std::move(r.id);
      return Found::kPatient;
    }
    if (r.where == ResolvedReference::Where::kForeign) return Found::kForeignPatient;
  }
  return Found::kNotAPatient;
}

Status ForeignPatient(const std::string& where, std::string_view field) {
  return Status::InvalidInput(where + ": " + std::string(field) +
                              " references another server's Patient");
}

// Sets out->patient_id as the type's rule says.
Status ReadPatient(simdjson::dom::element element, const ReferenceResolver& references,
                   const std::string& where, FhirResource* out) {
  const auto known = KnownTypes().find(out->type);
  if (known == KnownTypes().end()) {
    for (const char* field : kDefaultPatientFields) {
      const Found found = FindPatient(element, field, references, &out->patient_id);
      if (found == Found::kForeignPatient) return ForeignPatient(where, field);
      if (found == Found::kPatient) break;
    }
    return Status::Ok();
  }
  const auto [scope, field] = known->second;
  switch (scope) {
    case Scope::kPatient:
      out->patient_id = out->id;
      return Status::Ok();
    case Scope::kShared:
      return Status::Ok();
    case Scope::kOptionalCompartment: {
      const Found found = FindPatient(element, field, references, &out->patient_id);
      if (found == Found::kForeignPatient) return ForeignPatient(where, field);
      return Status::Ok();
    }
    case Scope::kCompartment:
      break;
  }
  switch (FindPatient(element, field, references, &out->patient_id)) {
    case Found::kNoReference:
      return Status::InvalidInput(where + ": no patient reference (" + field + ")");
    case Found::kNotAPatient:
      return Status::InvalidInput(where + ": " + field + " does not reference a Patient");
    case Found::kForeignPatient:
      return ForeignPatient(where, field);
    case Found::kPatient:
      break;
  }
  return Status::Ok();
}

}  // namespace

namespace {

bool IsElementName(std::string_view key) {
  if (key.empty() || key.size() > 64 || std::isdigit(static_cast<unsigned char>(key[0]))) {
    return false;
  }
  return std::all_of(key.begin(), key.end(),
                     [](char c) { return IsLetter(c) || c == '_' || (c >= '0' && c <= '9'); });
}

std::string KeySegment(std::string_view key) {
  return IsElementName(key) ? std::string(key) : std::string("?");
}

// True when two members of `obj` share a key (*key is it). Objects of a FHIR record have few
// members: up to 16 keys are read once into an array on the stack and compared pairwise; more
// are sorted in `scratch`.
bool SameKeyTwice(simdjson::dom::object obj, std::vector<std::string_view>* scratch,
                  std::string_view* key) {
  constexpr size_t kSmall = 16;
  const size_t n = obj.size();
  if (n < 2) return false;
  if (n <= kSmall) {
    std::array<std::string_view, kSmall> keys;
    size_t i = 0;
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      const std::string_view k = it.key();
      for (size_t j = 0; j < i; ++j) {
        if (keys[j] == k) {
          *key = k;
          return true;
        }
      }
      keys[i++] = k;
    }
    return false;
  }
  scratch->clear();
  for (auto it = obj.begin(); it != obj.end(); ++it) scratch->push_back(it.key());
  std::sort(scratch->begin(), scratch->end());
  const auto twice = std::adjacent_find(scratch->begin(), scratch->end());
  if (twice == scratch->end()) return false;
  *key = *twice;
  return true;
}

// Depth first; on a duplicate, *path is the way down to it (segments prepended on the way up).
// Only objects and arrays are visited: a scalar member costs its type tag.
bool FindDuplicateKey(simdjson::dom::element element, std::vector<std::string_view>* scratch,
                      std::string* path) {
  using Type = simdjson::dom::element_type;
  const auto nested = [](simdjson::dom::element e) {
    const Type t = e.type();
    return t == Type::OBJECT || t == Type::ARRAY;
  };
  const auto prepend = [path](std::string segment) {
    *path = segment + (path->starts_with('[') ? "" : ".") + *path;
  };
  if (element.type() == Type::OBJECT) {
    const simdjson::dom::object obj = element.get_object().value_unsafe();
    std::string_view key;
    if (SameKeyTwice(obj, scratch, &key)) {
      *path = KeySegment(key);
      return true;
    }
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (nested(it.value()) && FindDuplicateKey(it.value(), scratch, path)) {
        prepend(KeySegment(it.key()));
        return true;
      }
    }
  } else if (element.type() == Type::ARRAY) {
    const simdjson::dom::array array = element.get_array().value_unsafe();
    size_t i = 0;
    for (simdjson::dom::element item : array) {
      if (nested(item) && FindDuplicateKey(item, scratch, path)) {
        prepend("[" + std::to_string(i) + "]");
        return true;
      }
      ++i;
    }
  }
  return false;
}

}  // namespace

std::string DuplicateKeyPath(simdjson::dom::element element) {
  std::vector<std::string_view> scratch;
  std::string path;
  return FindDuplicateKey(element, &scratch, &path) ? path : std::string();
}

bool IsFhirTypeName(std::string_view type) {
  if (type.size() < 2 || type.size() > 64 || type[0] < 'A' || type[0] > 'Z') return false;
  for (char c : type) {
    if (!IsLetter(c)) return false;
  }
  return true;
}

bool IsFhirId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!IsLetter(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.') return false;
  }
  return true;
}

ResolvedReference ReferenceResolver::Resolve(std::string_view reference) const {
  ResolvedReference out;
  if (full_urls_ != nullptr) {
    const auto it = full_urls_->find(reference);
    if (it != full_urls_->end()) {
      out.where = ResolvedReference::Where::kLocal;
      out.type = it->second.first;
      out.id = it->second.second;
      return out;
    }
  }
  if (reference.find("://") == std::string_view::npos) {
    if (ParseTypeAndId(reference, &out.type, &out.id)) out.where = ResolvedReference::Where::kLocal;
    return out;
  }
  for (const std::string& base : local_base_urls_) {
    if (!reference.starts_with(base)) continue;
    if (ParseTypeAndId(reference.substr(base.size()), &out.type, &out.id)) {
      out.where = ResolvedReference::Where::kLocal;
    }
    return out;
  }
  out.where = ResolvedReference::Where::kForeign;
  if (!ParseUrlTail(reference, &out.type, &out.id)) {
    out.type.clear();
    out.id.clear();
  }
  return out;
}

Status ReadResourceIdentity(simdjson::dom::element element, FhirResource* out) {
  *out = FhirResource();
  simdjson::dom::object obj;
  if (element.get(obj) != simdjson::SUCCESS) {
    return Status::InvalidInput("not a JSON object");
  }
  std::string_view type, id;
  if (obj["resourceType"].get(type) != simdjson::SUCCESS) {
    return Status::InvalidInput("no resourceType");
  }
  if (!IsFhirTypeName(type)) {
    return Status::InvalidInput("resourceType is not a FHIR resource type name");
  }
  out->type = std::string(type);
  if (obj["id"].get(id) != simdjson::SUCCESS || id.empty()) {
    return Status::InvalidInput(out->type + " without an id");
  }
  if (!IsFhirId(id)) return Status::InvalidInput(out->type + ": id is not a valid FHIR id");
  out->id = std::string(id);
  return Status::Ok();
}

Status ReadResourceContent(simdjson::dom::element element, std::string_view text,
                           const ReferenceResolver& references, FhirResource* out) {
  const std::string where = out->type + "/" + out->id;
  simdjson::dom::object obj;
  if (element.get(obj) != simdjson::SUCCESS) return Status::InvalidInput("not a JSON object");
  PORTAL_RETURN_IF_ERROR(ReadPatient(element, references, where, out));
  // The patient is known from here on, so a failure below is charged to them.
  PORTAL_RETURN_IF_ERROR(CheckDates(obj, where));
  // The record's own tokens, without the whitespace between them: numbers keep their digits.
  out->json.resize(text.size());
  size_t length = 0;
  if (simdjson::minify(text.data(), text.size(), out->json.data(), length) != simdjson::SUCCESS) {
    return Status::InvalidInput(where + ": cannot be minified");
  }
  out->json.resize(length);
  out->hash = Sha256Hex(out->json);
  return Status::Ok();
}

Status ReadFhirResource(simdjson::dom::element element, std::string_view text,
                        const ReferenceResolver& references, FhirResource* out) {
  PORTAL_RETURN_IF_ERROR(ReadResourceIdentity(element, out));
  return ReadResourceContent(element, text, references, out);
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
