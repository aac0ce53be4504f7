#pragma once

#include <simdjson.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace portal {

// One FHIR resource as the record store keeps it.
struct FhirResource {
  std::string type;
  std::string id;
  std::string patient_id;  // The Patient it belongs to; its own id for a Patient; "" if shared.
  std::string json;        // The record's own text, minified (numbers keep their digits).
  std::string hash;        // SHA-256 of json, hex.
};

// What a reference points at.
struct ResolvedReference {
  enum class Where {
    kLocal,       // A resource of this hospital's: type and id.
    kForeign,     // Another server's; type and id are set when its URL ends in Type/id.
    kUnreadable,  // Not a reference this extract can follow.
  };
  Where where = Where::kUnreadable;
  std::string type;
  std::string id;
};

// Resolves the references of one extract: a relative "Type/id" (optionally "/_history/n") is
// local; an absolute URL is local only under one of `local_base_urls` (then "Type/id" after
// the base), else another server's; a Bundle's full URLs ("urn:uuid:...", or an entry's
// absolute fullUrl) name that entry's resource. Both arguments must outlive the resolver.
class ReferenceResolver {
 public:
  // Full URL -> (type, id) of the entry it names.
  using FullUrls = std::map<std::string, std::pair<std::string, std::string>, std::less<>>;

  explicit ReferenceResolver(const std::vector<std::string>& local_base_urls,
                             const FullUrls* full_urls = nullptr)
      : local_base_urls_(local_base_urls), full_urls_(full_urls) {}

  ResolvedReference Resolve(std::string_view reference) const;

 private:
  const std::vector<std::string>& local_base_urls_;
  const FullUrls* full_urls_;
};

// FHIR's syntax for a resource type name ([A-Z][A-Za-z]{1,63}) and a logical id
// ([A-Za-z0-9-.]{1,64}).
bool IsFhirTypeName(std::string_view type);
bool IsFhirId(std::string_view id);

// The first key named twice in one object of `element`, at any depth, as its path from
// `element` ("code.coding[0].system"); "" when every object's keys differ. simdjson keeps both
// members and finds the first, nlohmann the last: such a record means two things, so it is bad
// input. A key that is not a FHIR element name ([A-Za-z_][A-Za-z0-9_]{0,63}) is written "?".
std::string DuplicateKeyPath(simdjson::dom::element element);

// Reads what every resource has: a JSON object with a valid resourceType and id (sets out->type
// and out->id). Errors never repeat an invalid type or id.
Status ReadResourceIdentity(simdjson::dom::element element, FhirResource* out);

// Reads the rest, after ReadResourceIdentity succeeded on `out`: which patient the resource
// belongs to (the FHIR R4 patient compartment's field for the types the portal knows; else the
// Patient its `patient` or `subject` references, or none), its dates (valid FHIR dates), and
// its stored text: `text` (the record's own JSON, which `element` was parsed from) minified.
// Errors name the resource and the field, never a value from the record. On an error, `out`
// keeps what was learnt (type, id, patient_id) so the failure can be charged to the right
// patient.
Status ReadResourceContent(simdjson::dom::element element, std::string_view text,
                           const ReferenceResolver& references, FhirResource* out);

// Both of the above.
Status ReadFhirResource(simdjson::dom::element element, std::string_view text,
                        const ReferenceResolver& references, FhirResource* out);

// The patient's medical record number: the value of the first identifier typed v2-0203 "MR"
// (and, if `system` is not empty, with that system); "" if none.
std::string PatientMrn(simdjson::dom::element patient, const std::string& system);

}  // namespace portal
