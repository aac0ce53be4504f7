#include "generator/summaries/release_policy.h"

#include <simdjson.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/fhir_time.h"
#include "core/parse_number.h"
#include "core/patient_eligibility.h"
#include "generator/records/fhir_resource.h"
#include "generator/summaries/entry_builders.h"
#include "generator/summaries/fhir_fields.h"
#include "generator/summaries/fhir_values.h"
#include "generator/summaries/record_status.h"
#include "generator/summaries/result_panels.h"

namespace portal {

namespace {

using simdjson::dom::element;

// What a resource is, for the sections' selectors.
struct Coded {
  std::string type;
  std::vector<std::string> codes;  // "system|code" of its category, type and code.
  std::vector<std::string> tags;   // Semantic tags of its SNOMED CT code displays.
};

bool Selected(const std::string& selector, const Coded& r) {
  const size_t colon = selector.find(':');
  if (selector.compare(0, colon, r.type) != 0) return false;
  if (colon == std::string::npos) return selector == r.type;
  const std::string what = selector.substr(colon + 1);
  if (what.front() == '(') {
    const std::string tag = what.substr(1, what.size() - 2);
    return std::find(r.tags.begin(), r.tags.end(), tag) != r.tags.end();
  }
  return std::find(r.codes.begin(), r.codes.end(), what) != r.codes.end();
}

// The index of the first section that selects `r` (a resource belongs to that one only), or
// sections.size().
size_t SectionOf(const std::vector<PortalConfig::ReleaseSection>& sections, const Coded& r) {
  for (size_t i = 0; i < sections.size(); ++i) {
    for (const auto& m : sections[i].match) {
      if (Selected(m, r)) return i;
    }
  }
  return sections.size();
}

Coded Classify(element r, const std::string& type) { return {type, Codes(r), SnomedTags(r)}; }

bool Pathology(const PortalConfig::Release& release, const Coded& r) {
  for (const auto& code : r.codes) {
    if (std::find(release.pathology_codes.begin(), release.pathology_codes.end(), code) !=
        release.pathology_codes.end()) {
      return true;
    }
  }
  return false;
}

std::string StatusCode(element r) {
  for (element concept_el : Items(r, "clinicalStatus")) {
    for (element c : Items(concept_el, "coding")) return Str(c, "code");
  }
  return Str(r, "status");
}

// When a result or report was issued: `issued`, else its clinical date.
bool IssuedTime(element r, int64_t clinical, bool dated, int64_t* out) {
  std::string_view v;
  if (r["issued"].get(v) == simdjson::SUCCESS && ParseFhirInstant(v, out)) return true;
  *out = clinical;
  return dated;
}

std::string PatientName(element patient) {
  for (element n : Items(patient, "name")) {
    std::string text = Str(n, "text");
    if (!text.empty()) return text;
    std::string given;
    for (element g : Items(n, "given")) {
      std::string_view v;
      if (g.get(v) == simdjson::SUCCESS) given += (given.empty() ? "" : " ") + std::string(v);
    }
    const std::string family = Str(n, "family");
    return given.empty() ? family : family.empty() ? given : given + " " + family;
  }
  return std::string();
}

std::string Window(const PortalConfig::ReleaseSection& s) {
  if (s.since_year != 0) return "since " + std::to_string(s.since_year);
  if (s.max_age_years != 0) return "less than " + std::to_string(s.max_age_years) + " years old";
  return "current";
}

// Newest first, ties by label; rows of one kind stay together in the order below.
int KindRank(const std::string& kind) {
  static const char* const kOrder[] = {"no-known-allergy", "allergy", "condition"};
  for (int i = 0; i < 3; ++i) {
    if (kind == kOrder[i]) return i;
  }
  return 3;
}

bool EntryBefore(const SummaryEntry& a, const SummaryEntry& b) {
  if (KindRank(a.kind) != KindRank(b.kind)) return KindRank(a.kind) < KindRank(b.kind);
  if (a.date.when != b.date.when) return a.date.when > b.date.when;
  return std::tie(a.label, a.kind, a.detail) < std::tie(b.label, b.kind, b.detail);
}

class Policy {
 public:
  Policy(const PortalConfig& config, Audience audience, int64_t as_of, SummaryModel* out)
      : release_(config.release),
        zone_(config.site.zone),
        mrn_system_(config.mrn.identifier_system),
        as_of_(as_of),
        out_(out) {
    for (const auto& s : release_.sections) {
      const bool present = s.shown && !(audience == Audience::kProxy && s.audience == "patient");
      slots_.push_back(present ? out_->sections.size() : kAbsent);
      if (!present) continue;
      SummarySection section;
      section.id = s.id;
      section.title = s.title;
      section.window = Window(s);
      section.note = s.note;
      section.layout = s.layout;
      section.patient_only = s.audience == "patient";
      section.lists_allergies =
          std::find(s.match.begin(), s.match.end(), "AllergyIntolerance") != s.match.end() ||
          std::any_of(s.match.begin(), s.match.end(),
                      [](const std::string& m) { return m.starts_with("AllergyIntolerance:"); });
      out_->sections.push_back(std::move(section));
    }
    panels_.resize(out_->sections.size());
  }

  Status Patient(element p, std::string_view json) {
    out_->patient_id = Str(p, "id");
    out_->name = PatientName(p);
    out_->birth_date = Str(p, "birthDate");
    out_->mrn = PatientMrn(p, mrn_system_);
    PatientFacts facts;
    facts.mrn = out_->mrn;
    PORTAL_RETURN_IF_ERROR(ReadPatientFacts(json, release_.emancipated_extension_url, &facts));
    int64_t becomes_adult = 0;
    out_->eligibility = DecideEligibility(release_, zone_, facts, as_of_, &becomes_adult);
    if (becomes_adult != 0) Until(becomes_adult);
    return Status::Ok();
  }

  // First pass, before anything is grouped: the results of pathology reports are pathology;
  // the results of the reports a "results" section holds are grouped under them.
  void Report(element r) {
    const Coded coded = Classify(r, "DiagnosticReport");
    std::vector<std::string> members;
    for (element result : Items(r, "result")) {
      const std::string id = ReferencedId(Str(result, "reference"), "Observation");
      if (!id.empty()) members.push_back(id);
    }
    if (Pathology(release_, coded)) {
      pathology_results_.insert(members.begin(), members.end());
      return;
    }
    const size_t section = SectionOf(release_.sections, coded);
    if (RetractedOrUnfinished(r, "DiagnosticReport") || section == release_.sections.size() ||
        release_.sections[section].layout != "results") {
      return;
    }
    Membership m;
    m.section = section;
    m.report = ReportOf(r);
    SummaryDate date;
    m.when = ClinicalDate(r, zone_, &date) ? date.when : 0;
    for (const auto& id : members) {
      auto [it, added] = member_of_.emplace(id, m);
      // In two reports: the newest one, ties by report id.
      if (!added &&
          std::tie(m.when, it->second.report.id) > std::tie(it->second.when, m.report.id)) {
        it->second = m;
      }
    }
  }

  Status Resource(element r, const std::string& type, const std::string& json) {
    if (RetractedOrUnfinished(r, type)) return Status::Ok();
    const Coded coded = Classify(r, type);
    if (Pathology(release_, coded)) return Status::Ok();
    const std::string id = Str(r, "id");
    if (type == "Observation" && pathology_results_.count(id) != 0) return Status::Ok();
    const size_t index = SectionOf(release_.sections, coded);
    if (index == release_.sections.size() || slots_[index] == kAbsent) return Status::Ok();
    const auto& s = release_.sections[index];
    SummaryDate date;
    const bool dated = ClinicalDate(r, zone_, &date);
    if (!Shown(s, r, dated, date)) return Status::Ok();
    const size_t slot = slots_[index];
    if (s.layout == "results" && type == "Observation")
      return AddResult(index, slot, r, json, date);
    if (s.layout == "results" && type == "DiagnosticReport") {
      const std::string conclusion = Str(r, "conclusion");
      if (conclusion.empty()) return Status::Ok();  // A heading over its results only.
      ResultPoint point;
      point.date = date;
      point.value.text = conclusion;
      panels_[slot].AddConclusion(ReportOf(r), std::move(point));
      return Status::Ok();
    }
    return AddEntry(slot, r, type, json, date);
  }

  void Finish() {
    for (size_t i = 0; i < out_->sections.size(); ++i) {
      SummarySection& s = out_->sections[i];
      s.panels = panels_[i].Build();
      for (auto& e : s.entries) {
        std::sort(e.history.begin(), e.history.end(),
                  [](const SummaryDate& a, const SummaryDate& b) {
                    return std::tie(a.when, a.text) > std::tie(b.when, b.text);
                  });
      }
      std::sort(s.entries.begin(), s.entries.end(), EntryBefore);
    }
  }

 private:
  static constexpr size_t kAbsent = static_cast<size_t>(-1);

  struct Membership {
    size_t section = 0;
    ResultPanels::Report report;
    int64_t when = 0;
  };

  ResultPanels::Report ReportOf(element r) const {
    ResultPanels::Report report;
    report.id = Str(r, "id");
    report.key = FieldKey(r, "code", kLoincSystem);
    report.label = FieldText(r, "code");
    if (report.key.empty()) report.key = "DiagnosticReport|" + report.id;
    if (report.label.empty()) report.label = "Report";
    return report;
  }

  bool Shown(const PortalConfig::ReleaseSection& s, element r, bool dated,
             const SummaryDate& date) {
    const int64_t when = date.when;
    if (s.current_only) {
      const std::string status = StatusCode(r);
      if (std::find(s.current_statuses.begin(), s.current_statuses.end(), status) ==
          s.current_statuses.end()) {
        return false;
      }
    }
    if (s.since_year != 0) {
      // "Since 2003" as the patient reads the date: a result at 22:00 on 2002-12-31 in the
      // hospital's zone (03:00 UTC on New Year's Day) is from 2002, and is not shown.
      int year = 0;
      if (!dated || date.text.size() < 4 || !ParseInt(date.text.substr(0, 4), &year) ||
          year < s.since_year) {
        return false;
      }
    }
    if (s.after_delay) {
      int64_t issued = 0;
      if (!IssuedTime(r, when, dated, &issued)) return false;
      const int64_t release = issued + release_.delay_hours * 3600;
      if (release > as_of_) {
        Until(release);
        return false;
      }
    }
    if (s.max_age_years != 0) {
      if (!dated) return false;
      const int64_t expires = AddYears(when, static_cast<int>(s.max_age_years));
      if (expires <= as_of_) return false;
      Until(expires);
    }
    return true;
  }

  Status AddResult(size_t index, size_t slot, element r, const std::string& json,
                   const SummaryDate& date) {
    RecordedNumbers numbers;
    PORTAL_RETURN_IF_ERROR(ReadRecordedNumbers(&numbers_parser_, json, &numbers));
    if (r["hasMember"].error() == simdjson::SUCCESS &&
        ObservationValue(r, numbers).Display().empty()) {
      return Status::Ok();  // A grouping of other results, shown through them.
    }
    ResultPoint point;
    point.date = date;
    point.value = ObservationValue(r, numbers);
    point.range = RangeText(r, numbers, point.value);
    point.flag = ResultFlag(r, point.value, numbers);
    const std::string key = FieldKey(r, "code", kLoincSystem);
    const std::string label = FieldText(r, "code");
    ResultPanels::Report report;  // None: "Other results".
    if (auto it = member_of_.find(Str(r, "id"));
        it != member_of_.end() && it->second.section == index) {
      report = it->second.report;
    }
    panels_[slot].AddPoint(report, key.empty() ? "text|" + label : key,
                           label.empty() ? "Result" : label, std::move(point));
    return Status::Ok();
  }

  Status AddEntry(size_t slot, element r, const std::string& type, const std::string& json,
                  const SummaryDate& date) {
    SummaryEntry e = BuildEntry(r, type, date, zone_);
    if (type == "Observation") {
      RecordedNumbers numbers;
      PORTAL_RETURN_IF_ERROR(ReadRecordedNumbers(&numbers_parser_, json, &numbers));
      e.detail = ObservationValue(r, numbers).Display();
    }
    auto& entries = out_->sections[slot].entries;
    if (type == "Immunization") {  // One row per vaccine: the latest, with every date.
      auto [it, added] = vaccine_rows_.emplace(std::make_pair(slot, VaccineKey(r)), entries.size());
      if (!added) {
        SummaryEntry& row = entries[it->second];
        row.history.push_back(date);
        if (std::tie(date.when, e.label) > std::tie(row.date.when, row.label)) {
          row.date = date;
          row.label = e.label;
        }
        return Status::Ok();
      }
    }
    entries.push_back(std::move(e));
    return Status::Ok();
  }

  void Until(int64_t t) {
    if (t > as_of_ && (out_->valid_until == 0 || t < out_->valid_until)) out_->valid_until = t;
  }

  const PortalConfig::Release& release_;
  const TimeZone& zone_;
  const std::string& mrn_system_;
  int64_t as_of_;
  SummaryModel* out_;
  std::vector<size_t> slots_;                    // Config section -> model section, or kAbsent.
  std::vector<ResultPanels> panels_;             // By model section.
  std::set<std::string> pathology_results_;      // Observation ids.
  std::map<std::string, Membership> member_of_;  // Observation id -> its report.
  std::map<std::pair<size_t, std::string>, size_t> vaccine_rows_;  // -> row index.
  simdjson::ondemand::parser numbers_parser_;
};

}  // namespace

Status BuildSummary(const PortalConfig& config,
                    const std::vector<RecordStore::StoredResource>& resources, int64_t as_of,
                    Audience audience, SummaryModel* out) {
  SummaryModel model;
  model.as_of = as_of;
  model.audience = audience;
  Policy policy(config, audience, as_of, &model);
  simdjson::dom::parser parser;
  auto parse = [&](const RecordStore::StoredResource& r, element* doc) {
    if (parser.parse(r.json).get(*doc) == simdjson::SUCCESS) return Status::Ok();
    return Status::InvalidInput(r.type + "/" + r.id + ": stored JSON does not parse");
  };
  // The Patient first: eligibility decides whether the rest matters.
  for (const auto& r : resources) {
    if (r.type != "Patient") continue;
    element doc;
    PORTAL_RETURN_IF_ERROR(parse(r, &doc));
    PORTAL_RETURN_IF_ERROR(policy.Patient(doc, r.json).WithPrefix("Patient/" + r.id));
  }
  if (model.eligibility != Eligibility::kEligible) {
    model.sections.clear();
    *out = std::move(model);
    return Status::Ok();
  }
  // Reports before everything else: which results are pathology, and which panel holds them.
  for (const auto& r : resources) {
    if (r.type != "DiagnosticReport") continue;
    element doc;
    PORTAL_RETURN_IF_ERROR(parse(r, &doc));
    policy.Report(doc);
  }
  for (const auto& r : resources) {
    if (r.type == "Patient") continue;
    element doc;
    PORTAL_RETURN_IF_ERROR(parse(r, &doc));
    PORTAL_RETURN_IF_ERROR(policy.Resource(doc, r.type, r.json).WithPrefix(r.type + "/" + r.id));
  }
  policy.Finish();
  *out = std::move(model);
  return Status::Ok();
}

}  // namespace portal
