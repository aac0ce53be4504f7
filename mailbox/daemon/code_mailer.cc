// STUB (issue 13 contract): the helper that owns this file replaces it.
#include "mailbox/daemon/code_mailer.h"

#include "mailbox/daemon/mailbox_context.h"

namespace portal {

CodeMailer::CodeMailer(MailboxContext* context) : context_(context) {}
CodeMailer::~CodeMailer() = default;
bool CodeMailer::Offer(CodeRequest) { return false; }
void CodeMailer::Flush() {}
void CodeMailer::Run() {}
void CodeMailer::Work(const CodeRequest&) {}

}  // namespace portal
