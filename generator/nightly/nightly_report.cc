#include "generator/nightly/nightly_report.h"

#include <nlohmann/json.hpp>

namespace portal {

size_t NightlyReport::Skipped() const {
  size_t n = 0;
  for (const auto& [reason, count] : skipped) n += count;
  return n;
}

std::string NightlyReport::ToJson() const {
  nlohmann::ordered_json j;
  j["started"] = started;
  j["as_of"] = as_of;
  j["shard"] = std::to_string(shard) + "/" + std::to_string(shard_count);
  j["jobs"] = jobs;
  j["full"] = full;
  if (pulled) {
    j["pull"] = nlohmann::ordered_json::parse(pull.ToJson());
    j["pull"]["error"] = pull_error;
  }
  j["ingest"] = {
      {"files_read", extract_files_read},     {"files_already_read", extract_files_known},
      {"records_read", records_read},         {"records_failed", records_failed},
      {"patients_touched", patients_touched}, {"types", TypeCountsJson(record_types)}};
  j["site"] = {{"files", site_files}};
  j["directory"] = {{"rebuilt", directory_rebuilt}};
  if (directory_rebuilt) {
    j["directory"]["patients"] = directory_patients;
    j["directory"]["with_email"] = directory_with_email;
    j["directory"]["left_out"] = directory_left_out;
  }
  nlohmann::ordered_json skip = nlohmann::ordered_json::object();
  for (const auto& [reason, count] : skipped) skip[reason] = count;
  j["summaries"] = {{"enrolled", enrolled},      {"examined", examined}, {"rendered", rendered},
                    {"unchanged", unchanged},    {"removed", removed},   {"skipped", Skipped()},
                    {"skipped_by_reason", skip}, {"failed", failed},     {"failures", failures}};
  j["summaries"]["proxy_pages"] = {
      {"rendered", rendered_proxy}, {"unchanged", unchanged_proxy}, {"removed", removed_proxy}};
  nlohmann::ordered_json phases = nlohmann::ordered_json::object();
  for (const auto& [name, seconds] : clock.phases()) phases[name] = seconds;
  j["phases_seconds"] = phases;
  j["peak_rss_mib"] = peak_rss_mib;
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string NightlyReport::HumanSummary() const {
  std::string skip;
  for (const auto& [reason, count] : skipped) {
    skip += (skip.empty() ? "" : ", ") + std::to_string(count) + " " + reason;
  }
  std::string out =
      "nightly: " + std::to_string(enrolled) + " enrolled: pages " + std::to_string(rendered) +
      " rendered, " + std::to_string(unchanged) + " unchanged, " + std::to_string(removed) +
      " removed (proxies' pages among them: " + std::to_string(rendered_proxy) + ", " +
      std::to_string(unchanged_proxy) + ", " + std::to_string(removed_proxy) + "); patients " +
      std::to_string(Skipped()) + " skipped" + (skip.empty() ? "" : " (" + skip + ")") + ", " +
      std::to_string(failed) + " failed\n";
  if (pulled) {
    out += "nightly: pull: " + (pull_error.empty() ? pull.Line() : "failed: " + pull_error) + "\n";
  }
  out += "nightly: extracts: " + std::to_string(extract_files_read) + " files read (" +
         std::to_string(extract_files_known) + " already read), " + std::to_string(records_read) +
         " records, " + std::to_string(records_failed) + " failed, " +
         std::to_string(patients_touched) + " patients changed\n";
  out += "nightly: records read by type: " + TypeCountsLine(record_types) + "\n";
  out += "nightly: phases: " + clock.Summary() + "\n";
  return out;
}

}  // namespace portal
