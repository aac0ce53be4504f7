// STUB (issue 13 contract): the helper that owns this file replaces it.
#include "core/account_store.h"

namespace portal {

const char* ToString(RecordRole role) { return role == RecordRole::kSelf ? "self" : "proxy"; }
const char* ToString(CodeKind kind) { return kind == CodeKind::kPatient ? "patient" : "proxy"; }
const char* ToString(MailedPurpose p) {
  return p == MailedPurpose::kRegister ? "register" : "recover";
}

Status AccountStore::Open(EnrollmentRegistry* registry, std::unique_ptr<AccountStore>* out) {
  out->reset(new AccountStore(registry));
  return Status::Ok();
}
Status AccountStore::FindByLogonId(const std::string&, Account*, bool*) {
  return Status::IoError("not built");
}
Status AccountStore::FindByFingerprint(const std::string&, Account*, bool*) {
  return Status::IoError("not built");
}
Status AccountStore::FindByRecord(const std::string&, RecordRole, Account*, bool*) {
  return Status::IoError("not built");
}
Status AccountStore::AccountsOfRecord(const std::string&, std::vector<Account>*) {
  return Status::IoError("not built");
}
Status AccountStore::LogonIdTaken(const std::string&, bool*) {
  return Status::IoError("not built");
}
Status AccountStore::CreateAccount(const NewAccount&, int64_t, int64_t, AccountOutcome*,
                                   std::string*) {
  return Status::IoError("not built");
}
Status AccountStore::ResetKey(int64_t, const std::string&, const std::string&, const EnrolledKey&,
                              const std::string&, const KdfSettings&, const std::string&,
                              const std::string&, int64_t, int64_t, AccountOutcome*) {
  return Status::IoError("not built");
}
Status AccountStore::ReplaceBlob(int64_t, const KdfSettings&, const std::string&,
                                 const std::string&, int64_t) {
  return Status::IoError("not built");
}
Status AccountStore::LinkProxy(int64_t, const std::string&, int64_t, AccountOutcome*, std::string*,
                               std::string*) {
  return Status::IoError("not built");
}
Status AccountStore::NoteSignIn(int64_t, int64_t) { return Status::IoError("not built"); }
Status AccountStore::SetLocked(int64_t, bool, int64_t) { return Status::IoError("not built"); }
Status AccountStore::RemoveAccount(int64_t) { return Status::IoError("not built"); }
Status AccountStore::EventsOf(int64_t, std::vector<AccountEvent>*) {
  return Status::IoError("not built");
}
Status AccountStore::SignInState(const std::string&, int64_t*, int64_t*) {
  return Status::IoError("not built");
}
Status AccountStore::RecordSignInFailure(const std::string&, int64_t, int64_t, int64_t, int64_t,
                                         int64_t*) {
  return Status::IoError("not built");
}
Status AccountStore::ClearSignInFailures(const std::string&) {
  return Status::IoError("not built");
}
Status AccountStore::PruneSignInFailures(int64_t) { return Status::IoError("not built"); }
Status AccountStore::AddActivationCode(const ActivationCode&) {
  return Status::IoError("not built");
}
Status AccountStore::FindActivationCode(const std::string&, ActivationCode*, bool*) {
  return Status::IoError("not built");
}
Status AccountStore::ActivationCodesOf(const std::string&, std::vector<ActivationCode>*) {
  return Status::IoError("not built");
}
Status AccountStore::CountMailedCodes(const std::string&, int64_t, int64_t*) {
  return Status::IoError("not built");
}
Status AccountStore::AddMailedCode(const MailedCode&) { return Status::IoError("not built"); }
Status AccountStore::CheckMailedCode(const std::string&, MailedPurpose, const std::string&, int64_t,
                                     int64_t, bool*, MailedCode*) {
  return Status::IoError("not built");
}

}  // namespace portal
