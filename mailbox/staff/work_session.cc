#include "mailbox/staff/work_session.h"

#include <regex>
#include <vector>

#include "core/fhir_time.h"
#include "core/file_util.h"
#include "core/record_store.h"
#include "mailbox/common/mail_outbox.h"
#include "mailbox/common/request_verifier.h"

namespace portal {

void AddWorkOptions(CommandTable* table, CLI::App* cmd, bool receipt, WorkOptions* o) {
  table->AddConfigOption(cmd);  // First, as the work commands have always listed it.
  cmd->add_option("--gnupg-home", o->gnupg_home,
                  "Your GnuPG home (default $GNUPGHOME, else ~/.gnupg)");
  cmd->add_option("--as", o->as, "Your staff key's fingerprint, if the home holds several");
  cmd->add_flag("--json", o->json, "JSON output");
  if (receipt) cmd->add_option("receipt", o->receipt, "The item's receipt id")->required();
}

Status OpenAuditTrail(const Session& s, std::unique_ptr<AuditLog>* out) {
  PORTAL_RETURN_IF_ERROR(AuditLog::Open(s.layout->audit_db, out));
  if (s.config.staff.audit_anchor.empty()) return Status::Ok();
  std::unique_ptr<AuditAnchor> anchor;
  PORTAL_RETURN_IF_ERROR(
      AuditAnchor::Open(s.config.staff.audit_anchor, s.config.paths.state_dir, &anchor));
  (*out)->AttachAnchor(std::move(anchor));
  return Status::Ok();
}

Status OpenWork(const std::string& config_path, const WorkOptions& o, bool need_identity,
                const Clock& clock, Work* w) {
  w->clock = &clock;
  PORTAL_RETURN_IF_ERROR(OpenSession(config_path, &w->s));
  w->who.user = OsUserName();
  w->who.os_user = ActingUser();
  PORTAL_RETURN_IF_ERROR(QueueStore::Open(w->s.layout->mailbox_db, &w->queue));
  w->claims = std::make_unique<QueueClaims>(w->queue.get());
  PORTAL_RETURN_IF_ERROR(OpenAuditTrail(w->s, &w->audit));
  if (need_identity) {
    PORTAL_RETURN_IF_ERROR(FindStaffIdentity(w->s, o.gnupg_home, o.as, clock.Now(), &w->who));
  }
  return Status::Ok();
}

Status Audit(Work* w, const std::string& action, const std::string& receipt,
             const std::string& detail) {
  AuditEntry e;
  e.at = w->clock->Now();
  e.staff_fingerprint = w->who.fingerprint;
  e.os_user = w->who.os_user;
  e.action = action;
  e.document = receipt;
  e.detail = detail;
  if (e.staff_fingerprint.empty()) return w->audit->Append(e, nullptr);
  // The trail keeps the public key it was signed with, so `audit verify` still checks this
  // entry after `staff remove` has deleted the key's file from keys/.
  std::string kept;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(w->audit->SignerKey(e.staff_fingerprint, &kept, &found));
  if (!found) {
    std::string key;
    PORTAL_RETURN_IF_ERROR(ReadFile(w->s.registry->KeyFile(e.staff_fingerprint), &key));
    PORTAL_RETURN_IF_ERROR(w->audit->KeepSignerKey(e.staff_fingerprint, key));
  }
  GpgContext* gpg = w->who.gpg.get();  // Its signer is the proven key (ProveStaffKey).
  return w->audit->Append(
      e,
      [gpg](std::string_view text, std::string* signature) {
        return gpg->SignDetached(text, signature).WithPrefix("signing the audit entry");
      },
      nullptr);
}

Status CheckReceipt(const std::string& receipt) {
  static const std::regex kReceipt("[0-9a-f]{32}");
  if (!std::regex_match(receipt, kReceipt)) {
    return Status::Usage("a receipt id is 32 hex digits (see portal-staff queue list)");
  }
  return Status::Ok();
}

Status LoadItem(Work* w, const std::string& receipt, QueuedItem* item, ParsedDocument* doc) {
  PORTAL_RETURN_IF_ERROR(CheckReceipt(receipt));
  std::string sealed;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(w->claims->Get(receipt, item, &sealed, &found));
  if (!found) return Status::InvalidInput("no item " + receipt + " in the queue");
  std::string plain;
  PORTAL_RETURN_IF_ERROR(OpenSealedDocument(w->s, &w->who, sealed, &plain));
  return ReadRowDocument(item->receipt, item->kind, item->provider, plain, doc);
}

Status RequireProfileChange(const QueuedItem& item) {
  if (item.kind == ItemKind::kProfileChange) return Status::Ok();
  return Status::InvalidInput(
      "messages are not accepted or rejected: they go to their provider's inbox (portal-staff "
      "inbox)");
}

Status CheckPatientSignature(Work* w, const ParsedDocument& doc, PatientSignature* out) {
  Enrollment e;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(w->s.registry->Find(doc.patient.mrn, &e, &found));
  if (!found) return Status::Ok();
  RequestVerifier verifier(w->s.layout->verify_dir);
  return verifier.Verify(*w->s.registry, e, doc.signed_request, doc.request_signature, &out->good,
                         &out->fingerprint);
}

std::string RecordedPatient(const Work& w, const ParsedDocument& doc) {
  const std::string patient_id = doc.patient.PatientId();
  if (patient_id.empty()) return "";
  std::unique_ptr<RecordStore> store;
  if (!RecordStore::Open(w.s.layout->records_db, &store).ok()) return "";
  std::vector<RecordStore::StoredResource> resources;
  if (!store->ResourcesOf(patient_id, &resources).ok()) return "";
  for (const auto& r : resources) {
    if (r.type == "Patient") return r.json;
  }
  return "";
}

void QueueNotice(Work* w, const ParsedDocument& doc, Notice kind) {
  if (w->s.config.notifications.smtp_url.empty()) return;
  Enrollment e;
  bool found = false;
  if (!w->s.registry->Find(doc.patient.mrn, &e, &found).ok() || !found || e.email.empty()) return;
  std::unique_ptr<MailOutbox> outbox;
  if (MailOutbox::Open(w->s.layout->outbox_db, &outbox).ok()) {
    // Best effort (see the header): the item is already decided and audited.
    (void)QueuePatientNotice(w->s.config, outbox.get(), e.email, kind, w->clock->Now());
  }
}

std::string When(int64_t t) { return t == 0 ? "-" : FormatInstant(t); }

}  // namespace portal
