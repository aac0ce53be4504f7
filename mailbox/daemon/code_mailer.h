#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/account_store.h"
#include "core/status.h"

namespace portal {

class MailboxContext;
class MailOutbox;

// What a registration or recovery asked, before anything was looked up.
struct CodeRequest {
  MailedPurpose purpose = MailedPurpose::kRegister;
  std::string mrn;
  std::string email;  // As typed.
};

// Works registrations and recoveries off the request threads, so every one gets the same 202 at
// the same cost whatever the records say: the handler only offers the request here. One thread
// looks the MRN up in the patient directory and the registry and queues the mail the rules call
// for (a code, a pointer to Forgot Password, "visit Medical Records", or nothing) in the outbox,
// which the notice pump sends. Bounded: a full queue refuses (503 for everybody alike).
class CodeMailer {
 public:
  static constexpr size_t kCapacity = 1000;
  explicit CodeMailer(MailboxContext* context);
  ~CodeMailer();  // Finishes what is queued, then stops.
  CodeMailer(const CodeMailer&) = delete;
  CodeMailer& operator=(const CodeMailer&) = delete;

  // False when the queue is full.
  bool Offer(CodeRequest request);
  // Waits until everything offered so far was worked (tests; the drain at shutdown).
  void Flush();

 private:
  void Run();
  void Work(const CodeRequest& request);
  // Work's steps; *failed names the stage an error came from (the log names nothing else).
  Status Answer(const CodeRequest& request, const char** failed);

  MailboxContext* context_;
  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<CodeRequest> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::unique_ptr<MailOutbox> outbox_;  // Opened on first use, by the mailer's thread only.
  std::thread thread_;                  // Last: started when everything else is ready.
};

}  // namespace portal
