#include "tests/portal_fixture.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

namespace portal::testing {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

json Coding(const std::string& system, const std::string& code) {
  return {{"coding", json::array({{{"system", system}, {"code", code}}})}};
}

}  // namespace

std::string PatientLine(const FakePatient& p) {
  json j = {{"resourceType", "Patient"},
            {"id", p.id},
            {"birthDate", p.birth_date},
            {"name", json::array({{{"given", json::array({p.given})}, {"family", p.family}}})},
            {"identifier",
             json::array({{{"type", Coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MR")},
                           {"system", "http://backushospital.org/mrn"},
                           {"value", p.mrn}}})}};
  if (p.deceased) j["deceasedBoolean"] = true;
  if (p.emancipated) {
    j["extension"] = json::array(
        {{{"url", "http://backushospital.org/fhir/StructureDefinition/emancipated-minor"},
          {"valueBoolean", true}}});
  }
  return j.dump();
}

std::string LabLine(const std::string& id, const std::string& patient_id, const std::string& label,
                    const std::string& issued) {
  return json({{"resourceType", "Observation"},
               {"id", id},
               {"status", "final"},
               {"subject", {{"reference", "Patient/" + patient_id}}},
               {"category", json::array({Coding("http://terminology.hl7.org/CodeSystem/"
                                                "observation-category",
                                                "laboratory")})},
               {"code", {{"text", label}}},
               {"effectiveDateTime", issued},
               {"issued", issued}})
      .dump();
}

std::string DeletionLine(const std::string& type, const std::string& id) {
  return json({{"resourceType", "Bundle"},
               {"type", "transaction"},
               {"entry",
                json::array({{{"request", {{"method", "DELETE"}, {"url", type + "/" + id}}}}})}})
      .dump();
}

PortalFixture::PortalFixture() {
  config = CopyProjectSite(dir_.path());
  // The copied config's relative paths land in the temp root: ../var, ../output/...
  var = dir_.path() / "var";
  extracts = var / "extracts";
  output = dir_.path() / "output";
  patients_out = output / "patients";
  fs::create_directories(extracts);
  // As `portal-staff init` makes them (0700): a wider var/ is fixed, with a line, by every program
  // (state_permissions_test and state_modes_test cover that).
  for (const fs::path& dir : {var, extracts}) {
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  }
}

CommandResult PortalFixture::Staff(std::vector<std::string> args) const {
  args.insert(args.begin(), (BinaryDir() / "bin" / "portal-staff").string());
  args.insert(args.end(), {"--config", config.string()});
  return RunCommand(args);
}

CommandResult PortalFixture::Gen(std::vector<std::string> args) const {
  args.insert(args.begin(), (BinaryDir() / "bin" / "portal-gen").string());
  args.insert(args.end(), {"--config", config.string()});
  return RunCommand(args);
}

void PortalFixture::WriteExtract(const std::string& file,
                                 const std::vector<std::string>& lines) const {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  Spit(extracts / file, text);
}

PortalFixture::Person PortalFixture::NewPerson(const std::string& name) {
  Person p;
  p.home = keys.Home(name);
  p.fingerprint = keys.GenerateEncryptionKey(p.home, name + " <" + name + "@test.invalid>");
  p.key_file = keys.Export(p.home, p.fingerprint, name + ".asc");
  return p;
}

std::string PortalFixture::PortalFingerprint() const {
  auto r = RunCommand({"/usr/bin/gpg", "--batch", "--with-colons", "--show-keys",
                       (var / "portal-signing-key.asc").string()});
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("fpr:")) return line.substr(12, line.find(':', 12) - 12);
  }
  BOOST_FAIL("no portal signing key: " << r.out);
  return "";
}

void PortalFixture::Init() const {
  auto r = Staff({"init"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
}

void PortalFixture::Enroll(const std::string& mrn, const Person& who) const {
  auto r = Staff({"enroll", "--mrn", mrn, "--key", who.key_file.string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
}

CommandResult PortalFixture::Open(const Person& who, const fs::path& file, std::string* plaintext) {
  keys.Import(who.home, var / "portal-signing-key.asc");
  return keys.Decrypt(who.home, file, plaintext);
}

}  // namespace portal::testing
