#pragma once

#include <string>

#include "core/status.h"

namespace portal {

// portal-staff staff add|list|remove and queue list.
struct StaffOptions {
  std::string config_path;
  std::string key_file;     // staff add: the staff member's OpenPGP public key.
  std::string user;         // staff add: their login name.
  std::string fingerprint;  // staff remove.
  std::string state;        // queue list: only this state ("" = all).
  std::string kind;         // queue list: "message", "profile-change" or "" for both.
  std::string provider;     // queue list: only messages to this provider.
  std::string older_than;   // queue list: only items waiting longer ("90m", "36h", "7d").
  bool json = false;        // Machine-readable output.
};

// Pins a records-staff key: every document the mailbox queues from now on is encrypted to it.
Status RunStaffAddCommand(const StaffOptions& options);
Status RunStaffListCommand(const StaffOptions& options);
Status RunStaffRemoveCommand(const StaffOptions& options);
// What is waiting in the mailbox queue: metadata only (nothing is decrypted).
Status RunQueueListCommand(const StaffOptions& options);

}  // namespace portal
