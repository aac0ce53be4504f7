#include "mailbox/staff/sender_text.h"

#include "core/terminal_text.h"

namespace portal {

ItemSender SenderOf(Work* w, const ParsedDocument& doc, const PatientSignature& signature) {
  ItemSender out;
  if (doc.proxy.present) {
    out.proxy = true;
    out.fingerprint = doc.proxy.fingerprint;
    out.label = doc.proxy.label;
    return out;
  }
  if (!signature.good) return out;
  Enrollment e;
  bool found = false;
  if (!w->s.registry->Find(doc.patient.mrn, &e, &found).ok() || !found) return out;
  for (const auto& key : e.keys) {
    if (key.fingerprint == signature.fingerprint && key.role == EnrolledKey::Role::kProxy) {
      out.proxy = true;
      out.fingerprint = key.fingerprint;
    }
  }
  return out;
}

std::string SentByText(const ItemSender& sender, const ParsedDocument& doc) {
  if (!sender.proxy) return "";
  const std::string who = sender.label.empty() ? "key " + sender.fingerprint : sender.label;
  return TerminalSafe("sent by proxy " + who + " for MRN " + doc.patient.mrn);
}

nlohmann::ordered_json SenderJson(const ItemSender& sender) {
  if (!sender.proxy) return {{"role", "patient"}};
  return {{"role", "proxy"}, {"fingerprint", sender.fingerprint}, {"label", sender.label}};
}

std::string SignatureLine(const ItemSender& sender, const PatientSignature& signature) {
  const std::string whose = sender.proxy ? "proxy" : "patient";
  if (!signature.good) {
    return whose +
           " signature: NOT VERIFIED against the keys pinned now (key replaced or revoked "
           "since?) — check before acting";
  }
  return whose + " signature: good, key " + TerminalSafe(signature.fingerprint);
}

}  // namespace portal
