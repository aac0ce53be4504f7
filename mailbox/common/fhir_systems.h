#pragma once

// The code systems and identifier systems the mailbox's FHIR documents use, named once: the
// documents are written by fhir_document and read back by fhir_document_reader.
namespace portal::fhir_systems {

inline constexpr char kReceipt[] = "urn:portal:receipt";
inline constexpr char kProvider[] = "urn:portal:provider";
inline constexpr char kProfileField[] = "urn:portal:profile-field";
inline constexpr char kTaskInput[] = "urn:portal:task-input";
inline constexpr char kStaffKey[] = "urn:portal:staff-key";
// A proxy's pinned key (RelatedPerson.identifier): its primary fingerprint.
inline constexpr char kProxyKey[] = "urn:portal:proxy-key";
inline constexpr char kIdentifierType[] = "http://terminology.hl7.org/CodeSystem/v2-0203";
inline constexpr char kMaritalStatus[] = "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus";
inline constexpr char kNullFlavor[] = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor";
inline constexpr char kTaskCode[] = "http://hl7.org/fhir/CodeSystem/task-code";
inline constexpr char kProvenanceParticipant[] =
    "http://terminology.hl7.org/CodeSystem/provenance-participant-type";
inline constexpr char kContactRole[] = "http://terminology.hl7.org/CodeSystem/v2-0131";
inline constexpr char kRaceUrl[] = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race";
inline constexpr char kReligionUrl[] = "http://hl7.org/fhir/StructureDefinition/patient-religion";

}  // namespace portal::fhir_systems
