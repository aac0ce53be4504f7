// STUB (issue 13 contract): the helper that owns this file replaces it.
#include "core/patient_directory.h"

namespace portal {

std::string EmailHash(std::string_view) { return ""; }
std::vector<std::string> PatientEmails(std::string_view, int64_t) { return {}; }
Status WritePatientDirectory(const std::filesystem::path&, const std::vector<DirectoryEntry>&,
                             const DirectoryStamp&) {
  return Status::IoError("not built");
}
Status TouchPatientDirectory(const std::filesystem::path&, int64_t) {
  return Status::IoError("not built");
}
Status PatientDirectory::Open(const std::filesystem::path&, std::unique_ptr<PatientDirectory>*) {
  return Status::IoError("not built");
}
Status PatientDirectory::Find(const std::string&, DirectoryEntry*, bool*) {
  return Status::IoError("not built");
}
Status PatientDirectory::Stamp(DirectoryStamp*) { return Status::IoError("not built"); }

}  // namespace portal
