#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/gpg.h"
#include "core/status.h"

namespace portal {

// Signs a queued document with the mailbox's service key and encrypts it to the records staff's
// keys (gpg -f, one file per key). Keeps a pool of GPGME contexts, one per concurrent caller.
// Thread-safe.
class DocumentSealer {
 public:
  DocumentSealer(std::filesystem::path service_home, std::string service_fingerprint)
      : home_(std::move(service_home)), fingerprint_(std::move(service_fingerprint)) {}

  Status Seal(std::string_view document, const std::vector<std::filesystem::path>& staff_key_files,
              std::string* sealed);

 private:
  std::filesystem::path home_;
  std::string fingerprint_;
  std::mutex mu_;
  std::vector<std::unique_ptr<GpgContext>> idle_;
};

}  // namespace portal
