#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "mailbox/common/fhir_document_reader.h"
#include "mailbox/staff/work_session.h"

namespace portal {

// Who sent a queued item, as staff are told: the patient, or a proxy acting for them.
struct ItemSender {
  bool proxy = false;
  std::string
      fingerprint;    // The proxy's key (the document's RelatedPerson; else the verified key).
  std::string label;  // The proxy's label; "" when the document has none.
};

// The document's proxy when it names one; else, for documents written before proxies were
// recorded, a proxy when the key that verified is pinned as a proxy's now (label unknown).
ItemSender SenderOf(Work* w, const ParsedDocument& doc, const PatientSignature& signature);

// "sent by proxy Neighbour K. for MRN M100001" ("proxy key <fingerprint>" without a label);
// "" for the patient's own. Safe for a terminal (TerminalSafe).
std::string SentByText(const ItemSender& sender, const ParsedDocument& doc);

// For --json: {"role": "patient"} or {"role": "proxy", "fingerprint": …, "label": …}.
nlohmann::ordered_json SenderJson(const ItemSender& sender);

// "patient signature: good, key <fpr>" or "proxy signature: good, key <fpr>", or the NOT
// VERIFIED warning.
std::string SignatureLine(const ItemSender& sender, const PatientSignature& signature);

}  // namespace portal
