#pragma once

#include <simdjson.h>

#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace portal {

// One FHIR resource as the record store keeps it.
struct FhirResource {
  std::string type;
  std::string id;
  std::string patient_id;  // The Patient it belongs to; its own id for a Patient; "" if shared.
  std::string json;        // Minified.
  std::string hash;        // SHA-256 of json, hex.
};

// Finds what a reference points at: "Patient/x", "https://host/fhir/Patient/x", or a bundle's
// "urn:uuid:..." full URL. Sets *type and *id; false if it cannot be resolved.
using ReferenceResolver =
    std::function<bool(std::string_view reference, std::string* type, std::string* id)>;

// Resolves the plain forms ("Type/id", ".../Type/id"); bundles add their full URLs.
bool ResolvePlainReference(std::string_view reference, std::string* type, std::string* id);

// Reads one resource: its type must be one the portal knows, it must have an id, a
// patient-compartment resource must reference its Patient, and its dates must be valid FHIR
// dates. Errors name the resource type and the field, never a value from the record. On an
// error, `out` keeps what was learnt (type, id, patient_id) so the failure can be charged to
// the right patient.
Status ReadFhirResource(simdjson::dom::element element, const ReferenceResolver& resolve,
                        FhirResource* out);

// The patient's medical record number: the value of the first identifier typed v2-0203 "MR"
// (and, if `system` is not empty, with that system); "" if none.
std::string PatientMrn(simdjson::dom::element patient, const std::string& system);

}  // namespace portal
