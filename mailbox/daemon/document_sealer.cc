#include "mailbox/daemon/document_sealer.h"

namespace portal {

Status DocumentSealer::Seal(std::string_view document,
                            const std::vector<std::filesystem::path>& staff_key_files,
                            std::string* sealed) {
  std::unique_ptr<GpgContext> gpg;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      gpg = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!gpg) {
    PORTAL_RETURN_IF_ERROR(GpgContext::Open(home_, /*armor=*/false, &gpg));
    PORTAL_RETURN_IF_ERROR(gpg->SetSigner(fingerprint_));
  }
  const Status st = gpg->SignAndEncryptToKeyFiles(document, staff_key_files, sealed);
  if (st.ok()) {  // A context that failed is not reused.
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(gpg));
  }
  return st;
}

}  // namespace portal
