#include "generator/summaries/release_policy.h"

#include <simdjson.h>

#include <algorithm>

#include "core/fhir_time.h"
#include "core/patient_eligibility.h"
#include "generator/records/fhir_resource.h"

namespace portal {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

std::string Str(element e, const char* key) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

// Every "system|code" in the resource's category, type and code (CodeableConcepts or arrays
// of them).
std::vector<std::string> Codes(element resource) {
  std::vector<std::string> out;
  auto add_concept = [&](element concept_el) {
    array codings;
    if (concept_el["coding"].get(codings) != simdjson::SUCCESS) return;
    for (element c : codings) out.push_back(Str(c, "system") + "|" + Str(c, "code"));
  };
  for (const char* field : {"category", "type", "code"}) {
    element v;
    if (resource[field].get(v) != simdjson::SUCCESS) continue;
    array list;
    if (v.get(list) == simdjson::SUCCESS) {
      for (element item : list) add_concept(item);
    } else {
      add_concept(v);
    }
  }
  return out;
}

// The clinically relevant date of a resource, if it has one.
bool ClinicalTime(element r, int64_t* out) {
  for (const char* field : {"effectiveDateTime", "occurrenceDateTime", "onsetDateTime",
                            "recordedDate", "authoredOn", "date", "issued"}) {
    std::string_view v;
    if (r[field].get(v) == simdjson::SUCCESS && ParseFhirInstant(v, out)) return true;
  }
  for (const char* period : {"effectivePeriod", "period"}) {
    std::string_view v;
    if (r[period]["start"].get(v) == simdjson::SUCCESS && ParseFhirInstant(v, out)) return true;
  }
  return false;
}

// When a result or report was issued: `issued`, else its clinical date.
bool IssuedTime(element r, int64_t* out) {
  std::string_view v;
  if (r["issued"].get(v) == simdjson::SUCCESS && ParseFhirInstant(v, out)) return true;
  return ClinicalTime(r, out);
}

std::string StatusCode(element r) {
  array codings;
  if (r["clinicalStatus"]["coding"].get(codings) == simdjson::SUCCESS) {
    for (element c : codings) return Str(c, "code");
  }
  return Str(r, "status");
}

std::string ConceptText(element concept_el) {
  std::string text = Str(concept_el, "text");
  if (!text.empty()) return text;
  array codings;
  if (concept_el["coding"].get(codings) == simdjson::SUCCESS) {
    for (element c : codings) {
      text = Str(c, "display");
      if (!text.empty()) return text;
    }
  }
  return text;
}

std::string Label(element r) {
  for (const char* field : {"code", "vaccineCode", "medicationCodeableConcept", "type"}) {
    element v;
    if (r[field].get(v) != simdjson::SUCCESS) continue;
    array list;
    std::string text;
    if (v.get(list) == simdjson::SUCCESS) {
      for (element item : list) {
        text = ConceptText(item);
        if (!text.empty()) break;
      }
    } else {
      text = ConceptText(v);
    }
    if (!text.empty()) return text;
  }
  const std::string description = Str(r, "description");
  return description.empty() ? Str(r, "resourceType") : description;
}

std::string Detail(element r) {
  double number = 0;
  if (r["valueQuantity"]["value"].get(number) == simdjson::SUCCESS) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", number);
    const std::string unit = Str(r["valueQuantity"], "unit");
    return unit.empty() ? buf : std::string(buf) + " " + unit;
  }
  std::string text = Str(r, "valueString");
  if (!text.empty()) return text;
  element concept_el;
  if (r["valueCodeableConcept"].get(concept_el) == simdjson::SUCCESS)
    return ConceptText(concept_el);
  return Str(r, "conclusion");
}

std::string PatientName(element patient) {
  array names;
  if (patient["name"].get(names) != simdjson::SUCCESS) return std::string();
  for (element n : names) {
    std::string text = Str(n, "text");
    if (!text.empty()) return text;
    std::string given;
    array givens;
    if (n["given"].get(givens) == simdjson::SUCCESS) {
      for (element g : givens) {
        std::string_view v;
        if (g.get(v) == simdjson::SUCCESS) given += (given.empty() ? "" : " ") + std::string(v);
      }
    }
    const std::string family = Str(n, "family");
    return given.empty() ? family : family.empty() ? given : given + " " + family;
  }
  return std::string();
}

bool Selected(const std::string& selector, const std::string& type,
              const std::vector<std::string>& codes) {
  const size_t colon = selector.find(':');
  if (selector.compare(0, colon, type) != 0 || (colon == std::string::npos && selector != type)) {
    return false;
  }
  if (colon == std::string::npos) return true;
  return std::find(codes.begin(), codes.end(), selector.substr(colon + 1)) != codes.end();
}

class Policy {
 public:
  Policy(const PortalConfig& config, int64_t as_of, SummaryModel* out)
      : release_(config.release),
        zone_(config.site.zone),
        mrn_system_(config.mrn.identifier_system),
        as_of_(as_of),
        out_(out) {}

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

  void Resource(element r, const std::string& type) {
    const std::vector<std::string> codes = Codes(r);
    for (const auto& code : codes) {
      if (std::find(release_.pathology_codes.begin(), release_.pathology_codes.end(), code) !=
          release_.pathology_codes.end()) {
        return;  // Pathology: never shown, whatever else it is tagged as.
      }
    }
    for (size_t i = 0; i < release_.sections.size(); ++i) {
      const auto& s = release_.sections[i];
      if (std::none_of(s.match.begin(), s.match.end(),
                       [&](const std::string& m) { return Selected(m, type, codes); })) {
        continue;
      }
      int64_t when = 0;  // The clinical date, found once for the rules and the entry.
      const bool dated = ClinicalTime(r, &when);
      if (Shown(s, r, dated, when)) Add(i, r, dated, when);
      return;  // A resource belongs to the first section that selects it.
    }
  }

 private:
  bool Shown(const PortalConfig::ReleaseSection& s, element r, bool dated, int64_t when) {
    if (s.current_only) {
      const std::string status = StatusCode(r);
      if (std::find(s.current_statuses.begin(), s.current_statuses.end(), status) ==
          s.current_statuses.end()) {
        return false;
      }
    }
    if (s.since_year != 0) {
      int64_t since = 0;
      ParseFhirInstant(std::to_string(s.since_year), &since);
      if (!dated || when < since) return false;
    }
    if (s.after_delay) {
      int64_t issued = 0;
      if (!IssuedTime(r, &issued)) return false;
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

  void Add(size_t section, element r, bool dated, int64_t when) {
    SummaryEntry e;
    e.label = Label(r);
    e.detail = Detail(r);
    e.kind = "other";
    if (dated) {
      e.date.when = when;
      e.date.text = FormatInstant(when).substr(0, 10);
    }
    out_->sections[section].entries.push_back(std::move(e));
  }

  void Until(int64_t t) {
    if (t > as_of_ && (out_->valid_until == 0 || t < out_->valid_until)) out_->valid_until = t;
  }

  const PortalConfig::Release& release_;
  const TimeZone& zone_;
  const std::string& mrn_system_;
  int64_t as_of_;
  SummaryModel* out_;
};

std::string Window(const PortalConfig::ReleaseSection& s) {
  if (s.since_year != 0) return "since " + std::to_string(s.since_year);
  if (s.max_age_years != 0) return "less than " + std::to_string(s.max_age_years) + " years old";
  return "current";
}

}  // namespace

Status BuildSummary(const PortalConfig& config,
                    const std::vector<RecordStore::StoredResource>& resources, int64_t as_of,
                    SummaryModel* out) {
  SummaryModel model;
  model.as_of = as_of;
  for (const auto& s : config.release.sections) {
    SummarySection section;
    section.id = s.id;
    section.title = s.title;
    section.window = Window(s);
    section.note = s.note;
    section.layout = s.layout;
    section.patient_only = s.audience == "patient";
    model.sections.push_back(std::move(section));
  }
  Policy policy(config, as_of, &model);
  simdjson::dom::parser parser;
  // The Patient first: eligibility decides whether the rest matters.
  for (const auto& r : resources) {
    if (r.type != "Patient") continue;
    element doc;
    if (parser.parse(r.json).get(doc) != simdjson::SUCCESS) {
      return Status::InvalidInput("Patient/" + r.id + ": stored JSON does not parse");
    }
    PORTAL_RETURN_IF_ERROR(policy.Patient(doc, r.json).WithPrefix("Patient/" + r.id));
  }
  if (model.eligibility != Eligibility::kEligible) {
    model.sections.clear();
    *out = std::move(model);
    return Status::Ok();
  }
  for (const auto& r : resources) {
    if (r.type == "Patient") continue;
    element doc;
    if (parser.parse(r.json).get(doc) != simdjson::SUCCESS) {
      return Status::InvalidInput(r.type + "/" + r.id + ": stored JSON does not parse");
    }
    policy.Resource(doc, r.type);
  }
  for (auto& s : model.sections) {
    std::stable_sort(s.entries.begin(), s.entries.end(),
                     [](const SummaryEntry& a, const SummaryEntry& b) {
                       if (a.date.when != b.date.when) return a.date.when > b.date.when;
                       return a.label < b.label;
                     });
  }
  *out = std::move(model);
  return Status::Ok();
}

}  // namespace portal
