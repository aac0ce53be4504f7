#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tests/test_keys.h"
#include "tests/test_util.h"

namespace portal::testing {

// An invented patient for tests (nobody real).
struct FakePatient {
  std::string id;
  std::string mrn;
  std::string given;
  std::string family;
  std::string birth_date;  // YYYY-MM-DD.
  bool deceased = false;
  bool emancipated = false;  // The config's emancipated-minor extension, true.
};

// Bulk Data NDJSON lines, built here with nlohmann (not by the code under test).
std::string PatientLine(const FakePatient& p);
// A laboratory Observation issued (and effective) at `issued`.
std::string LabLine(const std::string& id, const std::string& patient_id, const std::string& label,
                    const std::string& issued);
// A Bundle of one deletion, as Bulk Data exports carry them.
std::string DeletionLine(const std::string& type, const std::string& id);

// A whole portal in a temp folder, driven through its command lines: a copy of the project's
// content/ and site_templates/, its state in root/var, extracts in root/var/extracts, output in
// root/output (site/ and patients/). People's keys come from `keys`, generated at run time.
class PortalFixture {
 public:
  PortalFixture();

  const std::filesystem::path& root() const { return dir_.path(); }
  std::filesystem::path config;
  std::filesystem::path var;
  std::filesystem::path extracts;
  std::filesystem::path output;
  std::filesystem::path patients_out;  // output/patients
  TestKeys keys;

  // Runs portal-staff / portal-gen with `args` and --config.
  CommandResult Staff(std::vector<std::string> args) const;
  CommandResult Gen(std::vector<std::string> args) const;

  // Writes one extract file (NDJSON) into the extract folder.
  void WriteExtract(const std::string& file, const std::vector<std::string>& lines) const;

  struct Person {
    std::filesystem::path home;
    std::string fingerprint;
    std::filesystem::path key_file;  // The exported public key.
  };
  // A person with a sign+encrypt key in their own home; `name` names the home (no PHI).
  Person NewPerson(const std::string& name);

  // The portal's signing-key fingerprint, read from the exported public key with gpg.
  std::string PortalFingerprint() const;

  // portal-staff init; enroll `p` with `key`; both must succeed.
  void Init() const;
  void Enroll(const std::string& mrn, const Person& who) const;

  // Decrypts `file` in `who`'s home (with the portal's public key imported there): the status
  // lines, and the plaintext in *plaintext ("" if it did not open).
  CommandResult Open(const Person& who, const std::filesystem::path& file, std::string* plaintext);

 private:
  TempDir dir_;
};

}  // namespace portal::testing
