#include "generator/records/ingest_report.h"

namespace portal {

void IngestTypeCounts::Add(const IngestTypeCounts& other) {
  read += other.read;
  stored += other.stored;
  skipped_by_type += other.skipped_by_type;
  held_back += other.held_back;
  failed += other.failed;
}

nlohmann::ordered_json TypeCountsJson(const std::map<std::string, IngestTypeCounts>& types) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& [type, c] : types) {
    out[type] = {{"read", c.read},
                 {"stored", c.stored},
                 {"skipped_by_type", c.skipped_by_type},
                 {"held_back", c.held_back},
                 {"failed", c.failed}};
  }
  return out;
}

std::string TypeCountsLine(const std::map<std::string, IngestTypeCounts>& types) {
  std::string line;
  for (const auto& [type, c] : types) {
    std::string not_stored;
    for (const auto& [count, what] :
         {std::pair<size_t, const char*>{c.skipped_by_type, "skipped by type"},
          {c.held_back, "held back"},
          {c.failed, "failed"}}) {
      if (count == 0) continue;
      not_stored += (not_stored.empty() ? "" : ", ") + std::to_string(count) + " " + what;
    }
    line += (line.empty() ? "" : ", ") + type + " " + std::to_string(c.read) +
            (not_stored.empty() ? "" : " (" + not_stored + ")");
  }
  return line.empty() ? "none" : line;
}

nlohmann::ordered_json IngestReportJson(const IngestReport& r) {
  nlohmann::ordered_json j;
  if (r.run != 0) j["run"] = r.run;
  j["read"] = r.read;
  j["inserted"] = r.inserted;
  j["updated"] = r.updated;
  j["unchanged"] = r.unchanged;
  j["deleted"] = r.deleted;
  j["failed"] = r.failed;
  j["skipped"] = r.skipped;
  j["skipped_by_type"] = r.skipped_by_type;
  j["patients_touched"] = r.patients_touched;
  j["patients_kept"] = r.patients_kept;
  j["mrn_unmatched"] = r.mrn_unmatched;
  j["types"] = TypeCountsJson(r.types);
  return j;
}

}  // namespace portal
