// portal-staff reply: a reply to a patient's message, signed with the portal's key and encrypted
// to the patient's pinned keys into their reply folder (core/reply_dropbox.h); the next nightly
// run publishes it beside their summary. A staff copy is kept (reply_copies.h), so that
// `reply --resend` can re-seal the replies to a message for the keys pinned now.
#include <filesystem>
#include <memory>
#include <sstream>
#include <vector>

#include "core/command_output.h"
#include "core/file_util.h"
#include "core/gpg.h"
#include "core/html_escape.h"
#include "core/reply_dropbox.h"
#include "core/sha256.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/reply_copies.h"
#include "mailbox/staff/work_session.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxReplyBytes = 64 * 1024;

struct ReplyOptions {
  WorkOptions work;        // work.receipt: the message replied to.
  std::string reply_file;  // The reply's text (UTF-8).
  std::string resend;      // --resend: the message whose replies are sealed again.
};

Status ReadReplyText(const std::string& path, std::string* text) {
  if (!ReadFile(path, text).ok()) {
    return Status::IoError("cannot read the reply file given with --file");
  }
  if (text->empty() || text->size() > kMaxReplyBytes) {
    return Status::InvalidInput("the reply must be 1 byte to 64 KiB of text");
  }
  return Status::Ok();
}

// The patient's enrolment and the files of their keys usable at `now`.
Status PatientKeys(Work* w, const ParsedDocument& doc, int64_t now, Enrollment* e,
                   std::vector<fs::path>* key_files) {
  bool found = false;
  PORTAL_RETURN_IF_ERROR(w->s.registry->Find(doc.patient.mrn, e, &found));
  if (!found) {
    return Status::InvalidInput("the patient is no longer enrolled; no reply can reach them");
  }
  for (const auto& k : e->keys) {
    if (k.expires == 0 || k.expires > now)
      key_files->push_back(w->s.registry->KeyFile(k.fingerprint));
  }
  if (key_files->empty()) {
    return Status::InvalidInput("the patient has no usable key; enrol a new one");
  }
  return Status::Ok();
}

// The reply as a small HTML page: every line of `text` a paragraph, everything escaped.
std::string ReplyPage(const PortalConfig& config, const QueuedItem& item, const ParsedDocument& doc,
                      const std::string& text) {
  std::string provider_name = item.provider;
  for (const auto& p : config.providers) {
    if (p.id == item.provider) provider_name = p.name;
  }
  std::string paragraphs;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) paragraphs += "<p>" + HtmlEscape(line) + "</p>\n";
  return "<!doctype html>\n<html lang=\"" + HtmlEscape(config.site.language) +
         "\">\n<head><meta charset=\"utf-8\"><title>Reply from " + HtmlEscape(provider_name) +
         "</title></head>\n<body>\n<h1>Reply from " + HtmlEscape(provider_name) +
         "</h1>\n<p>To your message “" + HtmlEscape(doc.subject) + "” sent " +
         HtmlEscape(doc.sent.substr(0, 10)) + ".</p>\n" + paragraphs + "<p>" +
         HtmlEscape(config.hospital.name) + "</p>\n</body>\n</html>\n";
}

// Signs with the portal's key and encrypts to `key_files`.
Status Seal(const Work& w, const std::string& page, const std::vector<fs::path>& key_files,
            std::string* sealed) {
  std::string signing;
  PORTAL_RETURN_IF_ERROR(CheckStateDir(*w.s.layout, &signing));
  std::unique_ptr<GpgContext> gpg;
  PORTAL_RETURN_IF_ERROR(GpgContext::Open(w.s.layout->signing_home, /*armor=*/false, &gpg));
  PORTAL_RETURN_IF_ERROR(gpg->SetSigner(signing));
  return gpg->SignAndEncryptToKeyFiles(page, key_files, sealed);
}

Status RunReply(Work* w, const ReplyOptions& o, const Clock& clock) {
  const std::string& receipt = o.work.receipt;
  QueuedItem item;
  ParsedDocument doc;
  PORTAL_RETURN_IF_ERROR(LoadItem(w, receipt, &item, &doc));
  if (item.kind != ItemKind::kMessage) return Status::InvalidInput("only messages are replied to");
  std::string text;
  PORTAL_RETURN_IF_ERROR(ReadReplyText(o.reply_file, &text));
  const int64_t now = clock.Now();
  Enrollment e;
  std::vector<fs::path> key_files, staff_files;
  PORTAL_RETURN_IF_ERROR(PatientKeys(w, doc, now, &e, &key_files));
  PORTAL_RETURN_IF_ERROR(UsableStaffKeyFiles(w->s, now, &staff_files));
  const std::string page = ReplyPage(w->s.config, item, doc, text);
  std::string sealed, copy;
  PORTAL_RETURN_IF_ERROR(Seal(*w, page, key_files, &sealed));
  PORTAL_RETURN_IF_ERROR(Seal(*w, page, staff_files, &copy));
  const std::string name = NewReplyFileName(now, RandomHex(8));
  // The copy first: a reply the patient has can always be sealed again.
  const fs::path copy_path = ReplyCopyFolder(w->s.layout->reply_copies_dir, receipt) / name;
  PORTAL_RETURN_IF_ERROR(WriteFileAtomically(copy_path, copy, 0700));
  const Status written =
      WriteFileAtomically(ReplyFolder(w->s.layout->replies_dir, e.token) / name, sealed, 0700);
  if (!written.ok()) {
    // Best effort: the reply failed, so its copy must never be resent.
    (void)RemoveFileDurably(copy_path);
    return written;
  }
  PORTAL_RETURN_IF_ERROR(Audit(w, "reply", receipt, "provider: " + item.provider));
  QueueNotice(w, doc, Notice::kReplyWaiting);
  PrintResult(o.work.json, {{"receipt", receipt}, {"reply", name}},
              "reply " + receipt + " sealed for the patient; the next nightly run publishes it (" +
                  name + ")");
  return Status::Ok();
}

// Each kept reply to `receipt` opened with the staff member's key, sealed again for the
// patient's keys pinned now and put in place of the patient's file (same name, atomically):
// the next nightly run publishes the changed files.
Status RunResend(Work* w, const std::string& receipt, bool json, const Clock& clock) {
  PORTAL_RETURN_IF_ERROR(CheckReceipt(receipt));
  std::vector<fs::path> copies;
  PORTAL_RETURN_IF_ERROR(ListReplyCopies(w->s.layout->reply_copies_dir, receipt, &copies));
  if (copies.empty()) {
    return Status::InvalidInput("no staff copy of a reply to " + receipt +
                                " (replies written before copies were kept have none; purge "
                                "removes them with their item)");
  }
  QueuedItem item;
  ParsedDocument doc;
  PORTAL_RETURN_IF_ERROR(LoadItem(w, receipt, &item, &doc));  // Whose: the MRN inside.
  Enrollment e;
  std::vector<fs::path> key_files;
  PORTAL_RETURN_IF_ERROR(PatientKeys(w, doc, clock.Now(), &e, &key_files));
  // Everything sealed before anything is replaced: a failure leaves every file as it was.
  std::vector<std::pair<std::string, std::string>> resealed;  // (file name, sealed bytes)
  for (const auto& c : copies) {
    std::string copy, page, sealed;
    PORTAL_RETURN_IF_ERROR(ReadFile(c, &copy));
    PORTAL_RETURN_IF_ERROR(OpenReplyCopy(w->s, &w->who, copy, &page));
    PORTAL_RETURN_IF_ERROR(Seal(*w, page, key_files, &sealed));
    resealed.emplace_back(c.filename().string(), std::move(sealed));
  }
  nlohmann::ordered_json names = nlohmann::ordered_json::array();
  for (const auto& [name, sealed] : resealed) {
    PORTAL_RETURN_IF_ERROR(
        WriteFileAtomically(ReplyFolder(w->s.layout->replies_dir, e.token) / name, sealed, 0700));
    names.push_back(name);
  }
  const std::string count = std::to_string(resealed.size());
  PORTAL_RETURN_IF_ERROR(Audit(w, "reply-resend", receipt, "replies: " + count));
  PrintResult(json, {{"receipt", receipt}, {"replies", names}},
              count + " reply file(s) to " + receipt +
                  " sealed again for the keys pinned now; the next nightly run publishes them");
  return Status::Ok();
}

Status Run(const std::string& config_path, const ReplyOptions& o, const Clock& clock) {
  const bool resend = !o.resend.empty();
  if (resend == !o.work.receipt.empty()) {
    return Status::Usage("reply: give RECEIPT --file TEXT_FILE, or --resend RECEIPT");
  }
  if (!resend && o.reply_file.empty()) return Status::Usage("reply: --file is required");
  Work w;
  PORTAL_RETURN_IF_ERROR(OpenWork(config_path, o.work, true, clock, &w));
  return resend ? RunResend(&w, o.resend, o.work.json, clock) : RunReply(&w, o, clock);
}

}  // namespace

void RegisterReplyCommand(CommandTable* table, const Clock& clock) {
  auto o = std::make_shared<ReplyOptions>();
  CLI::App* cmd = table->Add(
      nullptr, "reply", "Answer a message; the next nightly run publishes it beside the summary",
      [table, o, &clock] { return Run(table->config_path(), *o, clock); });
  AddWorkOptions(table, cmd, false, &o->work);
  cmd->add_option("receipt", o->work.receipt, "The message's receipt id");
  CLI::Option* file = cmd->add_option("--file", o->reply_file, "The reply's text (UTF-8)");
  cmd->add_option("--resend", o->resend,
                  "Seal the replies to this message again for the patient's keys pinned now "
                  "(after a new key)")
      ->excludes(file);
}

}  // namespace portal
