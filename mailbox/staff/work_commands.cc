#include "mailbox/staff/work_commands.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "core/base64.h"
#include "core/fhir_time.h"
#include "core/file_util.h"
#include "core/html_escape.h"
#include "core/record_store.h"
#include "core/sha256.h"
#include "mailbox/common/mail_outbox.h"
#include "mailbox/common/notice_pump.h"
#include "mailbox/common/notifier.h"
#include "mailbox/common/queue_store.h"
#include "mailbox/common/request_verifier.h"
#include "mailbox/staff/audit_log.h"
#include "mailbox/staff/change_export.h"
#include "mailbox/staff/profile_compare.h"
#include "mailbox/staff/staff_identity.h"

namespace portal {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

constexpr const char* kReasons[] = {"duplicate", "unverifiable", "invalid-value", "not-allowed",
                                    "withdrawn", "other",        nullptr};

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

// Everything a work command needs: the session, the queue, the audit trail, who is working.
struct Work {
  Session s;
  std::unique_ptr<QueueStore> queue;
  std::unique_ptr<AuditLog> audit;
  StaffIdentity who;
};

Status OpenWork(const WorkOptions& o, bool need_identity, Work* w) {
  PORTAL_RETURN_IF_ERROR(OpenSession(o.config_path, &w->s));
  w->who.user = OsUserName();
  PORTAL_RETURN_IF_ERROR(QueueStore::Open(w->s.layout->mailbox_db, &w->queue));
  PORTAL_RETURN_IF_ERROR(AuditLog::Open(w->s.layout->audit_db, &w->audit));
  if (need_identity) PORTAL_RETURN_IF_ERROR(FindStaffIdentity(w->s, o.gnupg_home, o.as, &w->who));
  return Status::Ok();
}

Status Audit(Work* w, const std::string& action, const std::string& receipt,
             const std::string& detail = "") {
  AuditEntry e;
  e.at = Now();
  e.staff_fingerprint = w->who.fingerprint;
  e.os_user = w->who.user;
  e.action = action;
  e.document = receipt;
  e.detail = detail;
  return w->audit->Append(e, nullptr);
}

Status CheckReceipt(const std::string& receipt) {
  static const std::regex kReceipt("[0-9a-f]{32}");
  if (!std::regex_match(receipt, kReceipt)) {
    return Status::Usage("a receipt id is 32 hex digits (see portal-staff queue list)");
  }
  return Status::Ok();
}

// The item and its document, opened (service signature checked) by the staff member's key.
Status LoadItem(Work* w, const std::string& receipt, QueuedItem* item, json* document) {
  PORTAL_RETURN_IF_ERROR(CheckReceipt(receipt));
  std::string sealed;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(w->queue->Get(receipt, item, &sealed, &found));
  if (!found) return Status::InvalidInput("no item " + receipt + " in the queue");
  std::string plain;
  PORTAL_RETURN_IF_ERROR(OpenSealedDocument(w->s, &w->who, sealed, &plain));
  *document = json::parse(plain, nullptr, /*allow_exceptions=*/false);
  if (!document->is_object()) return Status::InvalidInput("the document is not FHIR JSON");
  return Status::Ok();
}

std::string MrnOf(const json& doc) {
  const json& subject = doc.contains("subject") ? doc["subject"] : doc.value("for", json::object());
  if (!subject.is_object() || !subject.contains("identifier")) return "";
  return subject["identifier"].value("value", "");
}

// The attachment titled by `type` ("signed-request", "request-signature") of a Communication's
// payload or a Task's inputs, decoded.
std::string Attachment(const json& doc, const std::string& which) {
  std::string out;
  if (doc.value("resourceType", "") == "Communication" && doc.contains("payload")) {
    const size_t index = which == "signed-request" ? 1 : 2;
    if (doc["payload"].size() > index) {
      Base64Decode(doc["payload"][index]["contentAttachment"].value("data", ""), &out);
    }
    return out;
  }
  for (const auto& in : doc.value("input", json::array())) {
    if (in["type"]["coding"][0].value("code", "") == which) {
      Base64Decode(in["valueAttachment"].value("data", ""), &out);
    }
  }
  return out;
}

struct PatientSignature {
  bool good = false;
  std::string fingerprint;
};

// Re-checks the patient's own signature inside the document against the keys pinned now.
Status CheckPatientSignature(Work* w, const json& doc, PatientSignature* out) {
  Enrollment e;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(w->s.registry->Find(MrnOf(doc), &e, &found));
  if (!found) return Status::Ok();
  RequestVerifier verifier(w->s.layout->verify_dir);
  return verifier.Verify(*w->s.registry, e, Attachment(doc, "signed-request"),
                         Attachment(doc, "request-signature"), &out->good, &out->fingerprint);
}

std::string PatientJson(Work* w, const json& doc) {
  const std::string reference = doc.contains("for") ? doc["for"].value("reference", "") : "";
  if (!reference.starts_with("Patient/")) return "";
  std::unique_ptr<RecordStore> store;
  if (!RecordStore::Open(w->s.layout->records_db, &store).ok()) return "";
  std::vector<RecordStore::StoredResource> resources;
  if (!store->ResourcesOf(reference.substr(8), &resources).ok()) return "";
  for (const auto& r : resources) {
    if (r.type == "Patient") return r.json;
  }
  return "";
}

// Queues the patient's plain notice, if they gave an address and mail is configured.
void QueueNotice(Work* w, const json& doc, Notice kind) {
  if (w->s.config.notifications.smtp_url.empty()) return;
  Enrollment e;
  bool found = false;
  if (!w->s.registry->Find(MrnOf(doc), &e, &found).ok() || !found || e.email.empty()) return;
  std::unique_ptr<MailOutbox> outbox;
  if (MailOutbox::Open(w->s.layout->outbox_db, &outbox).ok()) {
    (void)QueuePatientNotice(w->s.config, outbox.get(), e.email, kind, Now());
  }
}

Status RequireProfileChange(const QueuedItem& item) {
  if (item.kind == ItemKind::kProfileChange) return Status::Ok();
  return Status::InvalidInput(
      "messages are not accepted or rejected: they go to their provider's inbox (portal-staff "
      "inbox)");
}

std::string When(int64_t t) { return t == 0 ? "-" : FormatInstant(t); }

std::set<std::string> SplitFields(const std::string& csv) {
  std::set<std::string> out;
  std::stringstream in(csv);
  for (std::string f; std::getline(in, f, ',');) {
    if (!f.empty()) out.insert(f);
  }
  return out;
}

std::string JoinFields(const std::set<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "" : ",") + f;
  return out;
}

}  // namespace

const char* const* RejectionReasons() { return kReasons; }

Status RunClaimCommand(const WorkOptions& o) {
  Work w;
  PORTAL_RETURN_IF_ERROR(CheckReceipt(o.receipt));
  PORTAL_RETURN_IF_ERROR(OpenWork(o, true, &w));
  QueueStore::Claim outcome;
  QueuedItem item;
  const int64_t now = Now();
  PORTAL_RETURN_IF_ERROR(w.queue->TakeClaim(o.receipt, w.who.fingerprint, w.who.user, now,
                                            w.s.config.staff.lease_minutes * 60, &outcome, &item));
  switch (outcome) {
    case QueueStore::Claim::kNotFound:
      return Status::InvalidInput("no item " + o.receipt + " in the queue");
    case QueueStore::Claim::kClosed:
      return Status::InvalidInput("the item is completed; there is nothing left to do");
    case QueueStore::Claim::kHeldByOther:
      return Status::InvalidInput("claimed by " + item.claimed_user + " until " +
                                  When(item.lease_until) + "; try again after that");
    case QueueStore::Claim::kClaimed:
      break;
  }
  PORTAL_RETURN_IF_ERROR(Audit(&w, "claim", o.receipt));
  if (o.json) {
    std::printf("%s\n", ojson{{"receipt", o.receipt},
                              {"claimed_by", w.who.fingerprint},
                              {"user", w.who.user},
                              {"lease_until", When(item.lease_until)}}
                            .dump(2)
                            .c_str());
  } else {
    std::printf("claimed %s until %s\n", o.receipt.c_str(), When(item.lease_until).c_str());
  }
  return Status::Ok();
}

Status RunReleaseCommand(const WorkOptions& o) {
  Work w;
  PORTAL_RETURN_IF_ERROR(CheckReceipt(o.receipt));
  PORTAL_RETURN_IF_ERROR(OpenWork(o, true, &w));
  PORTAL_RETURN_IF_ERROR(w.queue->ReleaseClaim(o.receipt, w.who.fingerprint, Now()));
  PORTAL_RETURN_IF_ERROR(Audit(&w, "release", o.receipt));
  std::printf(o.json ? "{\"receipt\": \"%s\", \"released\": true}\n" : "released %s\n",
              o.receipt.c_str());
  return Status::Ok();
}

Status RunShowCommand(const WorkOptions& o) {
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(o, true, &w));
  QueuedItem item;
  json doc;
  PORTAL_RETURN_IF_ERROR(LoadItem(&w, o.receipt, &item, &doc));
  PatientSignature patient;
  PORTAL_RETURN_IF_ERROR(CheckPatientSignature(&w, doc, &patient));
  std::vector<ProfileRow> rows;
  if (item.kind == ItemKind::kProfileChange) {
    PORTAL_RETURN_IF_ERROR(CompareProfile(w.s.config, PatientJson(&w, doc), doc.dump(), &rows));
  }
  PORTAL_RETURN_IF_ERROR(Audit(&w, "view", o.receipt));
  if (o.json) {
    ojson out = {
        {"receipt", item.receipt},
        {"kind", std::string(ToString(item.kind))},
        {"state", std::string(ToString(item.state))},
        {"received_at", When(item.received_at)},
        {"claimed_by", item.claimed_user},
        {"service_signature", "good"},
        {"patient_signature", {{"good", patient.good}, {"fingerprint", patient.fingerprint}}},
        {"mrn", MrnOf(doc)}};
    ojson fields = ojson::array();
    for (const auto& r : rows) {
      fields.push_back({{"field", r.field},
                        {"label", r.label},
                        {"current", r.current},
                        {"proposed", r.proposed}});
    }
    if (item.kind == ItemKind::kProfileChange) out["fields"] = fields;
    if (item.kind == ItemKind::kMessage) {
      out["to"] = item.provider;
      out["subject"] = doc["topic"].value("text", "");
      out["body"] = doc["payload"][0].value("contentString", "");
    }
    out["document"] = doc;
    std::printf("%s\n", out.dump(2).c_str());
    return Status::Ok();
  }
  std::printf("%s  %s  %s  received %s\n", item.receipt.c_str(),
              std::string(ToString(item.kind)).c_str(), std::string(ToString(item.state)).c_str(),
              When(item.received_at).c_str());
  std::printf("mailbox signature: good\n");
  std::printf("patient signature: %s\n",
              patient.good ? ("good, key " + patient.fingerprint).c_str()
                           : "NOT VERIFIED against the keys pinned now (key replaced or revoked "
                             "since?) — check before acting");
  std::printf("MRN: %s\n", MrnOf(doc).c_str());
  if (item.kind == ItemKind::kMessage) {
    std::printf("to: %s\nsubject: %s\n\n%s\n", item.provider.c_str(),
                doc["topic"].value("text", "").c_str(),
                doc["payload"][0].value("contentString", "").c_str());
    return Status::Ok();
  }
  size_t w1 = 5, w2 = 9;
  for (const auto& r : rows) {
    w1 = std::max(w1, r.field.size());
    w2 = std::max(w2, r.current.size());
  }
  std::printf("\n%-*s  %-*s  %s\n", static_cast<int>(w1), "FIELD", static_cast<int>(w2),
              "ON RECORD", "PROPOSED");
  for (const auto& r : rows) {
    std::printf("%-*s  %-*s  %s\n", static_cast<int>(w1), r.field.c_str(), static_cast<int>(w2),
                r.current.c_str(), r.proposed.c_str());
  }
  return Status::Ok();
}

Status RunAcceptCommand(const WorkOptions& o) {
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(o, true, &w));
  QueuedItem item;
  json doc;
  PORTAL_RETURN_IF_ERROR(LoadItem(&w, o.receipt, &item, &doc));
  PORTAL_RETURN_IF_ERROR(RequireProfileChange(item));
  std::vector<ProfileRow> rows;
  PORTAL_RETURN_IF_ERROR(CompareProfile(w.s.config, "", doc.dump(), &rows));
  std::set<std::string> proposed;
  for (const auto& r : rows) proposed.insert(r.field);
  // An item accepted by this key whose export or completion did not happen (the disk was full,
  // the terminal closed) is finished by running accept again, with the fields decided then.
  const bool resuming = item.state == ItemState::kAccepted && item.claimed_by == w.who.fingerprint;
  std::set<std::string> accepted = resuming           ? SplitFields(item.accepted_fields)
                                   : o.fields.empty() ? proposed
                                                      : SplitFields(o.fields);
  for (const auto& f : accepted) {
    if (!proposed.count(f)) {
      return Status::Usage("--fields: " + f + " is not proposed by this request (it proposes " +
                           JoinFields(proposed) + ")");
    }
  }
  const int64_t now = Now();
  std::string ndjson;
  PORTAL_RETURN_IF_ERROR(
      BuildChangeExport(w.s.config, doc.dump(), accepted, w.who.fingerprint, now, &ndjson));
  std::set<std::string> rejected;
  std::set_difference(proposed.begin(), proposed.end(), accepted.begin(), accepted.end(),
                      std::inserter(rejected, rejected.begin()));
  if (!resuming) {
    PORTAL_RETURN_IF_ERROR(w.queue->Decide(o.receipt, w.who.fingerprint, now, ItemState::kAccepted,
                                           JoinFields(accepted), ""));
    PORTAL_RETURN_IF_ERROR(
        Audit(&w, "accept", o.receipt,
              "fields: " + JoinFields(accepted) +
                  (rejected.empty() ? "" : "; rejected: " + JoinFields(rejected))));
  }
  // The export holds PHI: a private folder, a file only the service user reads.
  const fs::path file = w.s.config.staff.exports_dir / (o.receipt + ".ndjson");
  PORTAL_RETURN_IF_ERROR(WriteFileAtomically(file, ndjson, 0700));
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  PORTAL_RETURN_IF_ERROR(Audit(&w, "export", o.receipt, "ndjson"));
  PORTAL_RETURN_IF_ERROR(w.queue->Complete(o.receipt, now));
  PORTAL_RETURN_IF_ERROR(Audit(&w, "complete", o.receipt));
  QueueNotice(&w, doc, Notice::kProcessed);
  if (o.json) {
    std::printf("%s\n", ojson{{"receipt", o.receipt},
                              {"state", "completed"},
                              {"accepted", accepted},
                              {"rejected", rejected},
                              {"export", file.string()}}
                            .dump(2)
                            .c_str());
  } else {
    std::printf("accepted: %s\n", JoinFields(accepted).c_str());
    if (!rejected.empty()) std::printf("rejected: %s\n", JoinFields(rejected).c_str());
    std::printf("exported for the EHR: %s\n", file.c_str());
  }
  return Status::Ok();
}

Status RunRejectCommand(const WorkOptions& o) {
  bool known = false;
  std::string codes;
  for (const char* const* r = kReasons; *r != nullptr; ++r) {
    known = known || o.reason == *r;
    codes += (codes.empty() ? "" : ", ") + std::string(*r);
  }
  if (!known) return Status::Usage("--reason must be one of: " + codes);
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(o, true, &w));
  QueuedItem item;
  json doc;
  PORTAL_RETURN_IF_ERROR(LoadItem(&w, o.receipt, &item, &doc));
  PORTAL_RETURN_IF_ERROR(RequireProfileChange(item));
  const int64_t now = Now();
  PORTAL_RETURN_IF_ERROR(
      w.queue->Decide(o.receipt, w.who.fingerprint, now, ItemState::kRejected, "", o.reason));
  PORTAL_RETURN_IF_ERROR(Audit(&w, "reject", o.receipt, "reason: " + o.reason));
  PORTAL_RETURN_IF_ERROR(w.queue->Complete(o.receipt, now));
  PORTAL_RETURN_IF_ERROR(Audit(&w, "complete", o.receipt));
  QueueNotice(&w, doc, Notice::kProcessed);
  std::printf(o.json ? "{\"receipt\": \"%s\", \"state\": \"completed\", \"rejected\": true}\n"
                     : "rejected %s\n",
              o.receipt.c_str());
  return Status::Ok();
}

Status RunInboxCommand(const WorkOptions& o) {
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(o, true, &w));
  bool known = false;
  for (const auto& p : w.s.config.providers) known = known || p.id == o.provider;
  if (!known) return Status::Usage("not a participating provider of the config: " + o.provider);
  if (o.receipt.empty()) {
    std::vector<QueuedItem> items;
    PORTAL_RETURN_IF_ERROR(w.queue->List(ItemState::kReceived, &items));
    std::erase_if(items, [&](const QueuedItem& i) {
      return i.kind != ItemKind::kMessage || i.provider != o.provider;
    });
    if (o.json) {
      ojson out = ojson::array();
      for (const auto& i : items) {
        out.push_back({{"receipt", i.receipt}, {"received_at", When(i.received_at)}});
      }
      std::printf("%s\n", out.dump(2).c_str());
    } else if (items.empty()) {
      std::printf("no unread messages for %s\n", o.provider.c_str());
    } else {
      for (const auto& i : items) {
        std::printf("%s  received %s\n", i.receipt.c_str(), When(i.received_at).c_str());
      }
      std::printf("%zu unread (read one with --read RECEIPT)\n", items.size());
    }
    return Status::Ok();
  }
  QueuedItem item;
  json doc;
  PORTAL_RETURN_IF_ERROR(LoadItem(&w, o.receipt, &item, &doc));
  if (item.kind != ItemKind::kMessage || item.provider != o.provider) {
    return Status::InvalidInput("no message " + o.receipt + " in " + o.provider + "'s inbox");
  }
  PatientSignature patient;
  PORTAL_RETURN_IF_ERROR(CheckPatientSignature(&w, doc, &patient));
  PORTAL_RETURN_IF_ERROR(Audit(&w, "inbox-read", o.receipt, "provider: " + o.provider));
  if (item.state == ItemState::kReceived) {
    PORTAL_RETURN_IF_ERROR(w.queue->Complete(o.receipt, Now()));
    PORTAL_RETURN_IF_ERROR(Audit(&w, "complete", o.receipt));
  }
  const std::string subject = doc["topic"].value("text", "");
  const std::string body = doc["payload"][0].value("contentString", "");
  if (o.json) {
    std::printf("%s\n", ojson{{"receipt", o.receipt},
                              {"mrn", MrnOf(doc)},
                              {"sent", doc.value("sent", "")},
                              {"subject", subject},
                              {"body", body},
                              {"patient_signature", patient.good}}
                            .dump(2)
                            .c_str());
  } else {
    std::printf("from MRN %s, sent %s (patient signature %s)\nsubject: %s\n\n%s\n",
                MrnOf(doc).c_str(), doc.value("sent", "").c_str(),
                patient.good ? "good" : "NOT VERIFIED", subject.c_str(), body.c_str());
  }
  return Status::Ok();
}

Status RunReplyCommand(const WorkOptions& o) {
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(o, true, &w));
  QueuedItem item;
  json doc;
  PORTAL_RETURN_IF_ERROR(LoadItem(&w, o.receipt, &item, &doc));
  if (item.kind != ItemKind::kMessage) return Status::InvalidInput("only messages are replied to");
  std::string text;
  if (!ReadFile(o.reply_file, &text).ok()) {
    return Status::IoError("cannot read the reply file given with --file");
  }
  if (text.empty() || text.size() > 64 * 1024) {
    return Status::InvalidInput("the reply must be 1 byte to 64 KiB of text");
  }
  Enrollment e;
  bool found = false;
  PORTAL_RETURN_IF_ERROR(w.s.registry->Find(MrnOf(doc), &e, &found));
  if (!found)
    return Status::InvalidInput("the patient is no longer enrolled; no reply can reach them");
  std::vector<fs::path> key_files;
  const int64_t now = Now();
  for (const auto& k : e.keys) {
    if (k.expires == 0 || k.expires > now)
      key_files.push_back(w.s.registry->KeyFile(k.fingerprint));
  }
  if (key_files.empty())
    return Status::InvalidInput("the patient has no usable key; enrol a new one");
  std::string provider_name = item.provider;
  for (const auto& p : w.s.config.providers) {
    if (p.id == item.provider) provider_name = p.name;
  }
  std::string paragraphs;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) paragraphs += "<p>" + HtmlEscape(line) + "</p>\n";
  const std::string page =
      "<!doctype html>\n<html lang=\"" + HtmlEscape(w.s.config.site.language) +
      "\">\n<head><meta charset=\"utf-8\"><title>Reply from " + HtmlEscape(provider_name) +
      "</title></head>\n<body>\n<h1>Reply from " + HtmlEscape(provider_name) +
      "</h1>\n<p>To your message “" + HtmlEscape(doc["topic"].value("text", "")) + "” sent " +
      HtmlEscape(doc.value("sent", "").substr(0, 10)) + ".</p>\n" + paragraphs + "<p>" +
      HtmlEscape(w.s.config.hospital.name) + "</p>\n</body>\n</html>\n";
  std::string signing;
  PORTAL_RETURN_IF_ERROR(CheckStateDir(*w.s.layout, &signing));
  std::unique_ptr<GpgContext> gpg;
  PORTAL_RETURN_IF_ERROR(GpgContext::Open(w.s.layout->signing_home, /*armor=*/false, &gpg));
  PORTAL_RETURN_IF_ERROR(gpg->SetSigner(signing));
  std::string sealed;
  PORTAL_RETURN_IF_ERROR(gpg->SignAndEncryptToKeyFiles(page, key_files, &sealed));
  const std::string reply_id = FormatInstant(now).substr(0, 10) + "-" + RandomHex(8);
  const fs::path file = w.s.layout->replies_dir / e.token / ("reply-" + reply_id + ".html.pgp");
  PORTAL_RETURN_IF_ERROR(WriteFileAtomically(file, sealed, 0700));
  PORTAL_RETURN_IF_ERROR(Audit(&w, "reply", o.receipt, "provider: " + item.provider));
  QueueNotice(&w, doc, Notice::kReplyWaiting);
  std::printf(o.json ? "{\"receipt\": \"%s\", \"reply\": \"%s\"}\n"
                     : "reply %s sealed for the patient; the next nightly run publishes it (%s)\n",
              o.receipt.c_str(), file.filename().c_str());
  return Status::Ok();
}

Status RunAuditVerifyCommand(const WorkOptions& o) {
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(o, false, &w));
  VerifyReport r;
  PORTAL_RETURN_IF_ERROR(w.audit->Verify(&r));
  if (o.json) {
    std::printf(
        "%s\n",
        ojson{{"ok", r.ok}, {"entries", r.count}, {"first_bad", r.seq}, {"reason", r.reason}}
            .dump(2)
            .c_str());
  } else if (r.ok) {
    std::printf("audit trail intact: %lld entries\n", static_cast<long long>(r.count));
  }
  if (!r.ok) return Status::InvalidInput("audit trail broken: " + r.reason);
  return Status::Ok();
}

Status RunAuditListCommand(const WorkOptions& o) {
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(o, false, &w));
  AuditFilter filter;
  filter.document = o.receipt;
  std::vector<AuditEntry> entries;
  PORTAL_RETURN_IF_ERROR(w.audit->List(filter, &entries));
  if (o.json) {
    ojson out = ojson::array();
    for (const auto& e : entries) {
      out.push_back({{"seq", e.seq},
                     {"at", When(e.at)},
                     {"staff_fingerprint", e.staff_fingerprint},
                     {"os_user", e.os_user},
                     {"action", e.action},
                     {"document", e.document},
                     {"detail", e.detail},
                     {"hash", e.hash}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return Status::Ok();
  }
  for (const auto& e : entries) {
    std::printf("%6lld  %s  %-10s  %-11s  %-32s  %s\n", static_cast<long long>(e.seq),
                When(e.at).c_str(), e.os_user.c_str(), e.action.c_str(),
                e.document.empty() ? "-" : e.document.c_str(), e.detail.c_str());
  }
  return Status::Ok();
}

Status RunPurgeCommand(const WorkOptions& o) {
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(o, false, &w));
  w.who.user = OsUserName();  // Purging needs no key: a timer may run it.
  const int64_t before = Now() - w.s.config.staff.retention_days * 86400;
  std::vector<std::string> purged;
  PORTAL_RETURN_IF_ERROR(w.queue->PurgeCompleted(before, &purged));
  for (const auto& r : purged) PORTAL_RETURN_IF_ERROR(Audit(&w, "purge", r));
  std::printf(o.json ? "{\"purged\": %zu}\n" : "purged %zu completed item(s)\n", purged.size());
  return Status::Ok();
}

Status RunNotifySendCommand(const WorkOptions& o) {
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(o.config_path, &s));
  if (s.config.notifications.smtp_url.empty()) {
    std::printf("no notifications.smtp_url in the config: nothing is sent\n");
    return Status::Ok();
  }
  DeliveryReport report;
  const Status st = NoticeRound(s.config, *s.layout, Now(), &report);
  std::printf(o.json ? "{\"sent\": %d, \"failed\": %d, \"pending\": %lld}\n"
                     : "sent %d, failed %d, pending %lld\n",
              report.sent, report.failed, static_cast<long long>(report.pending));
  return st;
}

}  // namespace portal
