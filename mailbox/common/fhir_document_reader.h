#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_view.h"
#include "core/status.h"
#include "mailbox/common/queue_vocabulary.h"

namespace portal {

// The reader of the documents fhir_document.h writes: each part is found by its code or type
// the way the writer lays it out, never by its position, and nothing here throws.

// A reference to the patient (Communication.subject, Task.for and Task.focus).
struct DocumentPatient {
  std::string reference;      // "Patient/<id>" as written; "" when there is none.
  std::string mrn;            // The identifier's value; "" when there is none.
  nlohmann::json identifier;  // The identifier as written; null when there is none.

  // The <id> of "Patient/<id>"; "" without a reference.
  std::string PatientId() const;
};

// One proposed value of a change Task: an input coded in fhir_systems::kProfileField.
struct ProposedValue {
  size_t input = 0;        // Its index among the Task's inputs.
  std::string code;        // As coded: "address", "next_of_kin.phone".
  std::string field;       // The profile field id: "address", "next_of_kin".
  std::string part;        // "" for a whole field; "name", "address" or "phone" of a contact.
  std::string value_type;  // "valueAddress", "valueContactPoint", ...
  nlohmann::json value;    // The input's value[x]: a non-empty object.
};

// The proxy a document names as its sender (Communication) or requester (Task): a contained
// RelatedPerson identified by the proxy's key.
struct SendingProxy {
  bool present = false;     // False: the patient sent it themselves.
  std::string fingerprint;  // Its identifier in fhir_systems::kProxyKey.
  std::string label;        // Its first name's text; "" when it has none.
};

struct ParsedDocument {
  ItemKind kind = ItemKind::kMessage;
  nlohmann::json resource;  // The whole document.
  std::string receipt;      // The resource's id (the receipt the daemon gave it).
  DocumentPatient patient;  // Communication.subject, Task.for (empty when a Task has none).
  SendingProxy proxy;       // Communication.sender, Task.requester, when a proxy's.
  // The patient's request exactly as signed, and the detached signature over it; "" when the
  // document does not carry them.
  std::string signed_request;
  std::string request_signature;

  // A message (Communication).
  std::string subject;   // topic.text.
  std::string body;      // The payload's text.
  std::string sent;      // The FHIR instant the patient sent it, as written.
  std::string provider;  // The recipient's identifier in fhir_systems::kProvider.

  // A profile change (Task, code "change").
  DocumentPatient focus;
  std::vector<ProposedValue> proposed;  // In the Task's order.
};

// Reads a document of `kind` (kMessage: a Communication; kProfileChange: a change Task).
// InvalidInput naming the part ("change Task input 3 (address): no valueAddress") for anything
// malformed: not JSON, another resource, a required part missing, a part of the wrong type.
// A message requires its subject and its text; a change Task its code and a focus that names
// the patient; the request and its signature may be absent, but not malformed.
Status ReadDocument(ItemKind kind, std::string_view json_text, ParsedDocument* out);

// ReadDocument for the document of a queue row (`receipt`, `kind`, `provider`), first checking
// that the document is that row's: its resource type is the row's kind, its id and receipt
// identifier the row's receipt, a message's recipient the row's provider (a Task's row has
// none). The service key signs the document, not the row: a sealed document copied or moved
// into another row still verifies, and this refuses it with InvalidInput "the document in
// queue row <receipt> belongs to another row; it was moved or copied".
Status ReadRowDocument(std::string_view receipt, ItemKind kind, std::string_view provider,
                       std::string_view json_text, ParsedDocument* out);

// True for a change Task's input that carries the signed request or its signature.
bool IsTransportInput(JsonView input);

}  // namespace portal
