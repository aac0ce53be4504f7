// portal-staff inbox: a provider's unread messages; with --read RECEIPT, that message shown and
// marked read (completed).
#include <cstdio>
#include <memory>
#include <vector>

#include "core/command_output.h"
#include "core/terminal_text.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/sender_text.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace {

using ojson = nlohmann::ordered_json;

struct InboxOptions {
  WorkOptions work;      // work.receipt: --read, "" to list.
  std::string provider;  // A provider id of the config.
};

Status ListInbox(Work* w, const InboxOptions& o) {
  std::vector<QueuedItem> items;
  PORTAL_RETURN_IF_ERROR(w->queue->List(ItemState::kReceived, &items));
  std::erase_if(items, [&](const QueuedItem& i) {
    return i.kind != ItemKind::kMessage || i.provider != o.provider;
  });
  if (o.work.json) {
    ojson out = ojson::array();
    for (const auto& i : items) {
      out.push_back({{"receipt", i.receipt}, {"received_at", When(i.received_at)}});
    }
    PrintJson(out);
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

Status ReadMessage(Work* w, const InboxOptions& o) {
  const std::string& receipt = o.work.receipt;
  QueuedItem item;
  ParsedDocument doc;
  PORTAL_RETURN_IF_ERROR(LoadItem(w, receipt, &item, &doc));
  if (item.kind != ItemKind::kMessage || item.provider != o.provider) {
    return Status::InvalidInput("no message " + receipt + " in " + o.provider + "'s inbox");
  }
  PatientSignature patient;
  PORTAL_RETURN_IF_ERROR(CheckPatientSignature(w, doc, &patient));
  PORTAL_RETURN_IF_ERROR(Audit(w, "inbox-read", receipt, "provider: " + o.provider));
  if (item.state == ItemState::kReceived) {
    PORTAL_RETURN_IF_ERROR(w->claims->Complete(receipt, w->clock->Now()));
    PORTAL_RETURN_IF_ERROR(Audit(w, "complete", receipt));
  }
  const ItemSender sender = SenderOf(w, doc, patient);
  // The patient's own: "from MRN …"; a proxy's: "sent by proxy … for MRN …".
  const std::string from =
      sender.proxy ? SentByText(sender, doc) : "from MRN " + TerminalSafe(doc.patient.mrn);
  const std::string signature =
      sender.proxy
          ? "proxy signature " +
                std::string(patient.good ? "good, key " + patient.fingerprint : "NOT VERIFIED")
          : "patient signature " + std::string(patient.good ? "good" : "NOT VERIFIED");
  PrintResult(o.work.json,
              {{"receipt", receipt},
               {"mrn", doc.patient.mrn},
               {"sent", doc.sent},
               {"subject", doc.subject},
               {"body", doc.body},
               {"patient_signature", patient.good},
               {"sender", SenderJson(sender)}},
              from + ", sent " + TerminalSafe(doc.sent) + " (" + signature +
                  ")\nsubject: " + TerminalSafe(doc.subject) + "\n\n" + TerminalSafe(doc.body));
  return Status::Ok();
}

Status RunInbox(const std::string& config_path, const InboxOptions& o, const Clock& clock) {
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(config_path, o.work, true, clock, &w));
  bool known = false;
  for (const auto& p : w.s.config.providers) known = known || p.id == o.provider;
  if (!known) return Status::Usage("not a participating provider of the config: " + o.provider);
  return o.work.receipt.empty() ? ListInbox(&w, o) : ReadMessage(&w, o);
}

}  // namespace

void RegisterInboxCommand(CommandTable* table, const Clock& clock) {
  auto o = std::make_shared<InboxOptions>();
  CLI::App* cmd = table->Add(
      nullptr, "inbox", "A provider's unread messages; --read RECEIPT shows one and marks it read",
      [table, o, &clock] { return RunInbox(table->config_path(), *o, clock); });
  AddWorkOptions(table, cmd, false, &o->work);
  cmd->add_option("provider", o->provider, "A provider id of the config")->required();
  cmd->add_option("--read", o->work.receipt, "The message to read");
}

}  // namespace portal
