#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/enrollment_registry.h"
#include "core/status.h"

namespace portal {

// Patients' accounts (Logon ID, the client's password-derived verifier and encrypted key), the
// codes that open them, and sign-in failures. The tables live in the registry's file and use its
// connection (EnrollmentRegistry::db()), so an activation pins the key, creates the account and
// uses up its code in one transaction: a crash leaves all or none. Not thread-safe (callers hold
// the lock they hold for the registry). Times are seconds since the epoch, passed in.
//
// The password never reaches the server: from it the client derives (Argon2id + HKDF,
// docs/architecture.md "Patients' accounts") an auth key, which the server keeps only as
// AccountSecrets::AuthVerifier, and a key passphrase, which never leaves the client and unlocks
// the key blob.

// The client's password derivation (Argon2id): kept to hand back at prelogin.
struct KdfSettings {
  int64_t t = 3;          // Passes.
  int64_t m_kib = 65536;  // Memory in KiB.
  int64_t p = 4;          // Lanes.
  std::string salt;       // 16 raw bytes.
};

enum class RecordRole { kSelf, kProxy };
const char* ToString(RecordRole role);  // "self" | "proxy"

// One record an account may open.
struct AccountRecord {
  std::string mrn;
  RecordRole role = RecordRole::kSelf;
  std::string label;  // A proxy's link: the name staff gave (e.g. the key holder's); self: "".
};

struct Account {
  int64_t id = 0;
  std::string logon_id;     // Normalized (lower case); unique; never logged.
  std::string fingerprint;  // The account's key (upper-case hex), pinned on each of its records.
  KdfSettings kdf;
  std::string auth_verifier;  // AccountSecrets::AuthVerifier of the auth key: 32 raw bytes.
  std::string key_blob;       // Opaque to the server: the client's encrypted private key.
  int64_t created_at = 0;
  int64_t updated_at = 0;              // Last change of key, blob or verifier.
  int64_t last_sign_in_at = 0;         // 0 = never.
  bool locked = false;                 // By staff (portal-staff account lock).
  std::vector<AccountRecord> records;  // Self first, then proxy links by MRN.
};

// An activation code made by staff (stored hashed: ActivationCodeHash).
enum class CodeKind { kPatient, kProxy };
const char* ToString(CodeKind kind);  // "patient" | "proxy"
struct ActivationCode {
  std::string code_hash;
  std::string mrn;
  CodeKind kind = CodeKind::kPatient;
  std::string label;       // For a proxy code: the key holder's name as staff wrote it.
  std::string created_by;  // The staff key's fingerprint ("" if none).
  int64_t created_at = 0;
  int64_t expires_at = 0;
  int64_t used_at = 0;  // 0 = not used.
};

// An e-mailed code (stored as AccountSecrets::MailedCodeHash).
enum class MailedPurpose { kRegister, kRecover };
const char* ToString(MailedPurpose purpose);  // "register" | "recover"
struct MailedCode {
  std::string mrn;
  MailedPurpose purpose = MailedPurpose::kRegister;
  std::string code_hash;
  std::string email;  // The address it went to (the one on record), for the notice after use.
  int64_t created_at = 0;
  int64_t expires_at = 0;
  int64_t tries = 0;    // Wrong tries so far.
  int64_t used_at = 0;  // 0 = not used.
};

// What an activation asks for; the handler has checked the code, the birth date, the key and
// the signature before.
struct NewAccount {
  std::string logon_id;  // Normalized.
  KdfSettings kdf;
  std::string auth_verifier;
  std::string key_blob;
  EnrolledKey key;         // fingerprint and expires; role is set from the code's kind.
  std::string key_data;    // The public key as sent (armored).
  std::string mrn;         // The record the code opens.
  std::string patient_id;  // Its Patient resource (from the patient directory).
  RecordRole role = RecordRole::kSelf;
  std::string label;  // For a proxy link.
  // Exactly one of these says which code is used up in the same transaction.
  std::string activation_code_hash;  // A staff code ...
  MailedPurpose mailed_purpose = MailedPurpose::kRegister;
  std::string mailed_code_hash;  // ... or an e-mailed one (for `mrn`).
};

// The outcome of a write that can lose a race to another request.
enum class AccountOutcome {
  kDone,
  kCodeSpent,     // The code was used, expired or voided meanwhile: the generic 422.
  kLogonIdTaken,  // Another account has this Logon ID: 409.
  kHasAccount,    // The record already has a patient account (self): register → Forgot Password.
  kKeyInUse,      // The key is already some other account's.
};

// One line of an account's history, for staff (`account show`). Never a value.
struct AccountEvent {
  int64_t at = 0;
  std::string event;  // created, proxy-linked, key-reset, password-changed, locked, unlocked
};

class AccountStore {
 public:
  // On `registry`'s connection (which must outlive the store); creates the tables if needed.
  static Status Open(EnrollmentRegistry* registry, std::unique_ptr<AccountStore>* out);

  // --- accounts ---
  Status FindByLogonId(const std::string& logon_id, Account* out, bool* found);
  Status FindByFingerprint(const std::string& fingerprint, Account* out, bool* found);
  // The account that holds `mrn` as `role` (self: at most one; proxy: the first by id).
  Status FindByRecord(const std::string& mrn, RecordRole role, Account* out, bool* found);
  // Every account linked to `mrn` in any role, by id.
  Status AccountsOfRecord(const std::string& mrn, std::vector<Account>* out);
  Status LogonIdTaken(const std::string& logon_id, bool* taken);

  // In one transaction: re-checks the code (unused, unexpired at `now`, for a.mrn; an e-mailed
  // one also under its try limit `max_tries`) and uses it up; refuses a taken Logon ID, a record
  // that already has a self account (self) and a key another account holds; pins the key on
  // the record (self: EnrollmentRegistry::Enroll, replacing the patient key if the record was
  // enrolled without an account — unless staff pinned this very key; proxy: GrantProxy, the
  // link labelled a.label or else the code's label); creates the account and its record link;
  // logs "created". *token is the record's token. kKeyInUse also for a key pinned on the record
  // in the other role. An e-mailed code opens only a self record. Nothing is written unless
  // *outcome is kDone (a key file written before a rollback stays, unused: harmless).
  Status CreateAccount(const NewAccount& a, int64_t now, int64_t max_tries, AccountOutcome* outcome,
                       std::string* token);

  // Forgot Password, in one transaction: uses up the e-mailed recover code (as CreateAccount
  // checks it), pins `key` (+ `key_data`) instead of the account's old key on every record it
  // is pinned on (self: the patient key; proxy links: the proxy key; other people's proxies on
  // the patient's record stay), replaces kdf, verifier and blob, logs "key-reset". kCodeSpent
  // also when the account is not `mrn`'s self account; kKeyInUse when `key` is already pinned on
  // one of its records or is another account's. The store cannot name the Logon ID's failure
  // row (AccountSecrets::LogonKey is the caller's): after kDone the caller clears it
  // (ClearSignInFailures).
  Status ResetKey(int64_t account_id, const std::string& mrn, const std::string& mailed_code_hash,
                  const EnrolledKey& key, const std::string& key_data, const KdfSettings& kdf,
                  const std::string& auth_verifier, const std::string& key_blob, int64_t now,
                  int64_t max_tries, AccountOutcome* outcome);

  // Change of password: the same key, a new kdf, verifier and blob; logs "password-changed".
  Status ReplaceBlob(int64_t account_id, const KdfSettings& kdf, const std::string& auth_verifier,
                     const std::string& key_blob, int64_t now);

  // A proxy code used by an existing account, in one transaction: the code checked (kind proxy,
  // unused, unexpired) and used up, the account's key pinned as a proxy on the code's record,
  // the link added with the code's label; logs "proxy-linked". kHasAccount if the account
  // already opens that record.
  Status LinkProxy(int64_t account_id, const std::string& activation_code_hash, int64_t now,
                   AccountOutcome* outcome, std::string* mrn, std::string* token);

  Status NoteSignIn(int64_t account_id, int64_t now);
  // Staff: lock or unlock (logged "locked" / "unlocked").
  Status SetLocked(int64_t account_id, bool locked, int64_t now);
  // Staff: forgets the account and unpins its key everywhere: its self record is unenrolled
  // (EnrollmentRegistry::Unenroll; the patient may register again) and with it every proxy key
  // and other accounts' proxy links to it, its own proxy links revoked. Its history goes too
  // (the staff audit log keeps the removal). InvalidInput if there is no such account.
  Status RemoveAccount(int64_t account_id);
  Status EventsOf(int64_t account_id, std::vector<AccountEvent>* out);

  // --- sign-in failures, under AccountSecrets::LogonKey (known and unknown IDs alike) ---
  // *locked_until > now while the Logon ID must wait.
  Status SignInState(const std::string& logon_key, int64_t* failures, int64_t* locked_until);
  // One more failure at `now`: from the `threshold`-th on, the ID waits
  // min(max_seconds, initial_seconds * 2^(failures - threshold)); *locked_until is set.
  Status RecordSignInFailure(const std::string& logon_key, int64_t now, int64_t threshold,
                             int64_t initial_seconds, int64_t max_seconds, int64_t* locked_until);
  Status ClearSignInFailures(const std::string& logon_key);
  // Forgets failure rows not touched since `before` (pruning; call now and then).
  Status PruneSignInFailures(int64_t before);

  // --- staff-made activation codes ---
  // InvalidInput if the hash exists.
  Status AddActivationCode(const ActivationCode& code);
  Status FindActivationCode(const std::string& code_hash, ActivationCode* out, bool* found);
  // Codes for `mrn`, newest first (for account show).
  Status ActivationCodesOf(const std::string& mrn, std::vector<ActivationCode>* out);

  // --- e-mailed codes ---
  // Codes made for `mrn` (any purpose) at or after `since`.
  Status CountMailedCodes(const std::string& mrn, int64_t since, int64_t* count);
  // Adds `code`; earlier unused codes of the same MRN and purpose are voided (only the newest
  // counts).
  Status AddMailedCode(const MailedCode& code);
  // Checks `code_hash` against the newest unused, unexpired code of `mrn`/`purpose` under
  // `max_tries`: *good when it matches (compared in constant time; not used up: the write that
  // follows does that); a mismatch counts one try (the code is void at `max_tries`). *code is
  // the row (email for the notice). *good false also when there is no live code.
  Status CheckMailedCode(const std::string& mrn, MailedPurpose purpose,
                         const std::string& code_hash, int64_t now, int64_t max_tries, bool* good,
                         MailedCode* code);

 private:
  explicit AccountStore(EnrollmentRegistry* registry) : registry_(registry) {}
  Status LoadRecords(Account* a);
  // The account matching `where` (SQL with ?1 = value).
  Status FindWhere(const std::string& where, const std::string& value, Account* out, bool* found);
  Status AddEvent(int64_t account_id, int64_t now, const std::string& event);
  Status LinkRecord(int64_t account_id, const std::string& mrn, RecordRole role,
                    const std::string& label);
  Status SetCredentials(int64_t account_id, const KdfSettings& kdf,
                        const std::string& auth_verifier, const std::string& key_blob, int64_t now);
  // Uses up a staff code for `mrn` of `kind`; *spent when it is unknown, used, expired, for
  // another record or kind (or another request used it first).
  Status UseActivationCode(const std::string& code_hash, const std::string& mrn, CodeKind kind,
                           int64_t now, bool* spent, ActivationCode* code);
  // Uses up the newest live e-mailed code if it matches (a mismatch is not counted here: the
  // handler's CheckMailedCode counted it).
  Status UseMailedCode(const std::string& mrn, MailedPurpose purpose, const std::string& code_hash,
                       int64_t now, int64_t max_tries, bool* spent);

  EnrollmentRegistry* registry_;
};

}  // namespace portal
