// The FAQ's release rules (generator/summaries/release_policy.h) and the summary page over a
// fuzzed resource set: the input is read as an NDJSON extract (as the nightly run reads one),
// the first Patient's records kept (last version wins, as in the record store), and three
// records planted after them: a pathology report, its result, and a retracted result. Each
// carries a marker that no input can carry (the input's own copies are defused). Properties,
// for the patient's page and the proxy's: no crash; no marker is ever rendered (pathology
// never, also through its report; retracted results never); no value from the records reaches
// the HTML unescaped (no "<zq" tag, no <script>, no extra </style>).

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "core/templates/template_set.h"
#include "generator/records/extract_reader.h"
#include "generator/summaries/release_policy.h"
#include "generator/summaries/summary_page.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr int64_t kAsOf = 1748736000;  // 2025-06-01T00:00:00Z.
const char* const kMarkers[] = {"ZPATHZ", "ZRETRZ"};

// The resources of the extract by (type, id), the last read winning.
class Collector : public portal::ExtractSink {
 public:
  std::map<std::pair<std::string, std::string>, portal::FhirResource> resources;
  std::string first_patient;
  void Resource(portal::FhirResource r, std::string, const std::string&) override {
    if (r.type == "Patient" && first_patient.empty()) first_patient = r.id;
    const auto key = std::make_pair(r.type, r.id);
    resources[key] = std::move(r);
  }
  void SkippedType(const std::string&, const std::string&) override {}
  void Deletion(const std::string& type, const std::string& id, const std::string&) override {
    resources.erase({type, id});
  }
  void Error(const portal::Status&, const portal::FhirResource&, const std::string&) override {}
};

std::string Planted(const std::string& patient) {
  const std::string subject = "\"subject\":{\"reference\":\"Patient/" + patient + "\"}";
  const std::string lab =
      "\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
      "observation-category\",\"code\":\"laboratory\"}]}]";
  return "{\"resourceType\":\"DiagnosticReport\",\"id\":\"fz-path\",\"status\":\"final\","
         "\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
         "v2-0074\",\"code\":\"PAT\"}]}],\"code\":{\"text\":\"ZPATHZ report\"}," +
         subject +
         ",\"effectiveDateTime\":\"2025-01-02T10:00:00Z\",\"issued\":\"2025-01-03T10:00:00Z\","
         "\"result\":[{\"reference\":\"Observation/fz-path-result\"}],"
         "\"conclusion\":\"ZPATHZ conclusion\"}\n"
         "{\"resourceType\":\"Observation\",\"id\":\"fz-path-result\",\"status\":\"final\"," +
         lab + ",\"code\":{\"text\":\"ZPATHZ result\"}," + subject +
         ",\"effectiveDateTime\":\"2025-01-02T10:00:00Z\",\"issued\":\"2025-01-03T10:00:00Z\","
         "\"valueString\":\"ZPATHZ value\"}\n"
         "{\"resourceType\":\"Observation\",\"id\":\"fz-retracted\",\"status\":\"entered-in-"
         "error\"," +
         lab + ",\"code\":{\"text\":\"ZRETRZ result\"}," + subject +
         ",\"effectiveDateTime\":\"2025-01-02T10:00:00Z\",\"issued\":\"2025-01-03T10:00:00Z\","
         "\"valueQuantity\":{\"value\":7.25,\"unit\":\"mmol/L\",\"system\":\"http://"
         "unitsofmeasure.org\",\"code\":\"mmol/L\"}}\n";
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const portal::PortalConfig& config = portal::fuzz::ProjectConfig();
  static const portal::ExtractOptions options = portal::ExtractOptions::From(config);
  static const portal::TemplateSet* templates = [&] {
    auto* t = new portal::TemplateSet;
    if (!portal::TemplateSet::Load(config.paths.templates_dir, {"summary"}, t).ok()) {
      portal::fuzz::PropertyFailed("site_templates/summary.mustache does not load");
    }
    return t;
  }();
  static const size_t style_ends = [] {
    portal::SummaryModel empty;
    std::string html = portal::RenderSummaryPage(portal::fuzz::ProjectConfig(), *templates, empty);
    std::transform(html.begin(), html.end(), html.begin(), ::tolower);
    return Count(html, "</style");
  }();

  std::string text(portal::fuzz::AsText(data, size));
  for (const char* marker : kMarkers) {  // Only the planted records may carry a marker.
    for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at)) {
      text[at] = 'z';
    }
  }
  Collector records;
  portal::ReadExtractText(text, "extract.ndjson", options, &records);
  std::string patient = records.first_patient;
  if (patient.empty()) {
    patient = "fz-patient";
    portal::ReadExtractText(
        "{\"resourceType\":\"Patient\",\"id\":\"fz-patient\","
        "\"birthDate\":\"1970-01-01\"}",
        "patient.ndjson", options, &records);
  }
  portal::ReadExtractText(Planted(patient), "planted.ndjson", options, &records);
  std::vector<portal::RecordStore::StoredResource> mine;
  for (const auto& [key, r] : records.resources) {
    if (r.patient_id == patient) mine.push_back({r.type, r.id, r.json});
  }
  for (portal::Audience audience : {portal::Audience::kPatient, portal::Audience::kProxy}) {
    portal::SummaryModel model;
    if (!portal::BuildSummary(config, mine, kAsOf, audience, &model).ok()) continue;
    std::string html = portal::RenderSummaryPage(config, *templates, model);
    for (const char* marker : kMarkers) FUZZ_CHECK(html.find(marker) == std::string::npos);
    std::transform(html.begin(), html.end(), html.begin(), ::tolower);
    FUZZ_CHECK(html.find("<zq") == std::string::npos);
    FUZZ_CHECK(html.find("<script") == std::string::npos);
    FUZZ_CHECK(Count(html, "</style") == style_ends);
  }
  return 0;
}
