#pragma once
// Written-out FHIR inputs for the release-rule tests, and the summary model they give.
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config.h"
#include "generator/summaries/release_policy.h"
#include "tests/test_util.h"

namespace portal::testing {

using nlohmann::json;
using Resources = std::vector<RecordStore::StoredResource>;
using Names = std::vector<std::string>;

// As-of instant for the hand-made cases: 2025-06-01T00:00:00Z.
inline constexpr int64_t kAsOf = 1748736000;
inline constexpr int64_t kHour = 3600;

inline const std::string kLoinc = "http://loinc.org";
inline const std::string kSnomed = "http://snomed.info/sct";
inline const std::string kV20074 = "http://terminology.hl7.org/CodeSystem/v2-0074";
inline const std::string kObsCat = "http://terminology.hl7.org/CodeSystem/observation-category";

inline PortalConfig ProjectConfig() {
  PortalConfig cfg;
  BOOST_REQUIRE(LoadConfig(SourceDir() / "content" / "portal.toml", &cfg).ok());
  return cfg;
}

inline json Coding(const std::string& system, const std::string& code,
                   const std::string& display = "") {
  json c = {{"system", system}, {"code", code}};
  if (!display.empty()) c["display"] = display;
  return {{"coding", json::array({c})}};
}

// One patient's stored resources: an adult, Ann Lee, MRN M123456, then what a test adds.
struct Records {
  Resources list;
  explicit Records(const std::string& birth = "1980-01-01") {
    Add({{"resourceType", "Patient"},
         {"id", "p"},
         {"birthDate", birth},
         {"name", json::array({{{"given", json::array({"Ann"})}, {"family", "Lee"}}})},
         {"identifier",
          json::array({{{"type", Coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MR")},
                        {"value", "M123456"}}})}});
  }
  void Add(json r) { list.push_back({r["resourceType"], r["id"], r.dump()}); }
  // A resource written out as JSON text, for numbers whose digits matter ("1.50").
  void AddText(const std::string& type, const std::string& id, const std::string& text) {
    list.push_back({type, id, text});
  }
  // Merges `changes` into resource `index` (or the last one).
  void Patch(json changes, size_t index = SIZE_MAX) {
    auto& r = index == SIZE_MAX ? list.back() : list[index];
    json j = json::parse(r.json);
    j.update(changes);
    r.json = j.dump();
  }
  // A final laboratory result named by text only, effective and issued at `issued`.
  void Lab(const std::string& id, const std::string& label, const std::string& issued) {
    Add({{"resourceType", "Observation"},
         {"id", id},
         {"status", "final"},
         {"category", json::array({Coding(kObsCat, "laboratory")})},
         {"code", {{"text", label}}},
         {"effectiveDateTime", issued},
         {"issued", issued}});
  }
  void Report(const std::string& id, const std::string& label, const std::string& date,
              json category) {
    Add({{"resourceType", "DiagnosticReport"},
         {"id", id},
         {"status", "final"},
         {"category", json::array({category})},
         {"code", {{"text", label}}},
         {"effectiveDateTime", date},
         {"issued", date}});
  }
};

inline SummaryModel Summary(const Records& r, int64_t as_of = kAsOf,
                            const PortalConfig& cfg = ProjectConfig(),
                            Audience audience = Audience::kPatient) {
  SummaryModel m;
  Status st = BuildSummary(cfg, r.list, as_of, audience, &m);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  return m;
}

// The section `id`, or nullptr if the model leaves it out.
inline const SummarySection* FindSection(const SummaryModel& m, const std::string& id) {
  for (const auto& s : m.sections) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

inline const SummarySection& Section(const SummaryModel& m, const std::string& id) {
  const SummarySection* s = FindSection(m, id);
  BOOST_REQUIRE_MESSAGE(s != nullptr, "no section " << id);
  return *s;
}

// A section's rows' labels, or for a results section its tests' labels, panel by panel.
inline Names Labels(const SummaryModel& m, const std::string& id) {
  Names out;
  const SummarySection& s = Section(m, id);
  for (const auto& e : s.entries) out.push_back(e.label);
  for (const auto& p : s.panels) {
    for (const auto& t : p.tests) out.push_back(t.label);
  }
  return out;
}

// Every label the model shows anywhere: rows, panels, tests, facts and values.
inline std::string AllText(const SummaryModel& m) {
  std::string out;
  for (const auto& s : m.sections) {
    for (const auto& e : s.entries) {
      out += e.label + "\n" + e.detail + "\n";
      for (const auto& f : e.facts) out += f.name + ": " + f.value + "\n";
    }
    for (const auto& p : s.panels) {
      out += p.label + "\n";
      for (const auto& t : p.tests) {
        out += t.label + "\n";
        for (const auto& pt : t.points) out += pt.value.Display() + "\n";
      }
    }
  }
  return out;
}

}  // namespace portal::testing
