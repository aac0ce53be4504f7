#include "generator/nightly/nightly_ingest.h"

#include <map>
#include <vector>

#include "core/record_store.h"
#include "generator/records/extract_reader.h"
#include "generator/records/ingest.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

// The extract files no earlier run read as they are now (by size and modification time).
Status FreshExtracts(const PortalConfig& config, const StateLayout& layout,
                     std::vector<fs::path>* fresh, NightlyReport* report) {
  std::error_code ec;
  if (!fs::is_directory(config.paths.extracts_dir, ec)) {
    return Status::InvalidInput(config.paths.extracts_dir.string() +
                                ": extract folder (paths.extracts_dir) does not exist");
  }
  std::vector<fs::path> files;
  PORTAL_RETURN_IF_ERROR(ListExtractFiles(config.paths.extracts_dir, &files));
  std::map<std::string, RecordStore::ExtractFile> known;
  {
    std::unique_ptr<RecordStore> store;
    PORTAL_RETURN_IF_ERROR(RecordStore::Open(layout.records_db, &store));
    PORTAL_RETURN_IF_ERROR(store->ExtractFiles(&known));
  }
  for (const auto& f : files) {
    RecordStore::ExtractFile now;
    PORTAL_RETURN_IF_ERROR(StatExtractFile(f, &now));
    const fs::path absolute = fs::absolute(f, ec);
    if (ec) return Status::IoError(f.string() + ": cannot resolve: " + ec.message());
    auto it = known.find(absolute.lexically_normal().string());
    if (it != known.end() && it->second.size == now.size && it->second.mtime_ns == now.mtime_ns) {
      ++report->extract_files_known;
    } else {
      fresh->push_back(f);
    }
  }
  report->extract_files_read = fresh->size();
  return Status::Ok();
}

}  // namespace

Status IngestNewExtracts(const PortalConfig& config, const StateLayout& layout, const Clock& clock,
                         NightlySink* sink, NightlyReport* report) {
  std::vector<fs::path> fresh;
  PORTAL_RETURN_IF_ERROR(FreshExtracts(config, layout, &fresh, report));
  // One ingest run per file, in name order: the EHR's deltas apply in sequence (two files that
  // both update a resource are not one extract with a duplicate id), and a file with a bad
  // record holds back only its own patients' changes.
  size_t printed = 0;
  for (const auto& file : fresh) {
    IngestReport ingest;
    PORTAL_RETURN_IF_ERROR(Ingest(config, {file}, clock, &ingest));
    for (size_t i = 0; i < ingest.errors.size() && printed < 200; ++i, ++printed) {
      sink->Problem(ingest.errors[i]);
    }
    report->records_read += ingest.read;
    report->records_failed += ingest.failed;
    report->patients_touched += ingest.patients_touched;
    for (const auto& [type, counts] : ingest.types) report->record_types[type].Add(counts);
  }
  report->clock.Mark("ingest");
  sink->Phase("ingest", std::to_string(report->extract_files_read) +
                            " new or changed extract files (" +
                            std::to_string(report->extract_files_known) + " already read), " +
                            std::to_string(report->records_read) + " records, " +
                            std::to_string(report->records_failed) + " failed");
  return Status::Ok();
}

}  // namespace portal
