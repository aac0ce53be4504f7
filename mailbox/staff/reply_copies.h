#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/status.h"
#include "mailbox/common/queue_store.h"
#include "mailbox/staff/staff_identity.h"
#include "mailbox/staff/staff_session.h"

namespace portal {

// The staff's copies of replies. A reply reaches the patient sealed to the keys pinned when it
// was written, so after Forgot Password (a new key) they cannot open it; `reply` therefore also
// keeps the same page signed by the portal's key and encrypted to the unexpired staff keys, as
// replies-staff/<receipt>/<reply file name> (StateLayout::reply_copies_dir, 0700 folders), and
// `reply --resend` re-seals it from there. `purge` removes them with their item.

// replies-staff/<receipt>/ under `copies_dir`.
std::filesystem::path ReplyCopyFolder(const std::filesystem::path& copies_dir,
                                      const std::string& receipt);

// The files of the staff keys usable at `now`; InvalidInput if there is none.
Status UsableStaffKeyFiles(const Session& s, int64_t now,
                           std::vector<std::filesystem::path>* files);

// The copies kept for `receipt` (reply file names only), sorted; none is not an error.
Status ListReplyCopies(const std::filesystem::path& copies_dir, const std::string& receipt,
                       std::vector<std::filesystem::path>* out);

// Decrypts a copy with the staff member's key and requires a good signature by the portal's
// signing key (imported into their home on first use). InvalidInput if either fails.
Status OpenReplyCopy(const Session& s, StaffIdentity* who, const std::string& sealed,
                     std::string* page);

// Removes the copy folders of receipts no longer in `queue` (purged), whatever crashed before;
// *removed counts them.
Status RemoveOrphanReplyCopies(const std::filesystem::path& copies_dir, QueueStore* queue,
                               int* removed);

}  // namespace portal
