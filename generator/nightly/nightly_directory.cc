#include "generator/nightly/nightly_directory.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "core/json_view.h"
#include "core/patient_directory.h"
#include "core/patient_eligibility.h"
#include "core/record_store.h"

namespace portal {

namespace {

// Why the directory is written again this run; nullptr when it is up to date.
const char* WhyRebuild(const std::filesystem::path& path, int64_t last_run,
                       const std::string& local_date, bool full, DirectoryStamp* old) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return "not built yet";
  std::unique_ptr<PatientDirectory> dir;
  if (!PatientDirectory::Open(path, &dir).ok() || !dir->Stamp(old).ok()) {
    *old = DirectoryStamp();
    return "unreadable";
  }
  if (old->ingest_run != last_run) return "new ingest run";
  if (old->as_of_date != local_date) return "new day";
  if (full) return "--full";
  return nullptr;
}

// One patient's entry, with the rule enrolment applies (CheckPatient in portal-staff): the
// standing of their Patient resource at `as_of`, none for a patient without one. False when the
// stored resource cannot be read.
bool EntryOf(const PortalConfig& config, const RecordStore::IndexedPatient& p, int64_t as_of,
             DirectoryEntry* out) {
  out->mrn = p.mrn;
  out->patient_id = p.id;
  out->birth_date.clear();
  out->email_hashes.clear();
  out->standing = Eligibility::kNoPatient;
  if (p.json.empty()) return true;
  nlohmann::json doc;
  PatientFacts facts;
  facts.mrn = p.mrn;
  if (!ParseJson(p.json, &doc) ||
      !ReadPatientFacts(p.json, config.release.emancipated_extension_url, &facts).ok()) {
    return false;
  }
  out->birth_date = JsonView(doc)["birthDate"].Str();
  out->standing = DecideEligibility(config.release, config.site.zone, facts, as_of, nullptr);
  std::set<std::string> hashes;
  for (const auto& address : PatientEmails(p.json, as_of)) hashes.insert(EmailHash(address));
  out->email_hashes.assign(hashes.begin(), hashes.end());
  return true;
}

// Every patient with an MRN that names only them; the others are counted in *left_out (the
// daemon then knows nothing of the MRN, as staff tools refuse it until the EHR merges them).
Status ReadEntries(const PortalConfig& config, RecordStore* store, int64_t as_of,
                   std::vector<DirectoryEntry>* entries, size_t* left_out) {
  std::map<std::string, std::string> ids;
  std::set<std::string> ambiguous;
  PORTAL_RETURN_IF_ERROR(store->PatientsByMrn(&ids, &ambiguous));
  entries->reserve(ids.size());
  return store->ForEachPatientWithMrn([&](const RecordStore::IndexedPatient& p) {
    DirectoryEntry e;
    if (ambiguous.count(p.mrn) || !EntryOf(config, p, as_of, &e)) {
      ++*left_out;
    } else {
      entries->push_back(std::move(e));
    }
    return Status::Ok();
  });
}

}  // namespace

Status UpdatePatientDirectory(const PortalConfig& config, const StateLayout& layout, int64_t as_of,
                              bool full, const Clock& clock, NightlySink* sink,
                              NightlyReport* report) {
  std::unique_ptr<RecordStore> store;
  PORTAL_RETURN_IF_ERROR(RecordStore::Open(layout.records_db, &store));
  DirectoryStamp stamp;
  PORTAL_RETURN_IF_ERROR(store->LastRun(&stamp.ingest_run));
  stamp.as_of_date = config.site.zone.LocalDate(as_of);
  DirectoryStamp old;
  const char* why = WhyRebuild(layout.directory_db, stamp.ingest_run, stamp.as_of_date, full, &old);
  if (why == nullptr) {
    report->clock.Mark("directory");
    sink->Phase("directory", "up to date (ingest run " + std::to_string(old.ingest_run) + ", " +
                                 old.as_of_date + ")");
    return Status::Ok();
  }
  std::vector<DirectoryEntry> entries;
  PORTAL_RETURN_IF_ERROR(
      ReadEntries(config, store.get(), as_of, &entries, &report->directory_left_out));
  store.reset();
  stamp.built_at = clock.Now();
  stamp.last_nightly_at = old.last_nightly_at;  // This run has not finished yet.
  PORTAL_RETURN_IF_ERROR(WritePatientDirectory(layout.directory_db, entries, stamp));
  report->directory_rebuilt = true;
  report->directory_patients = entries.size();
  report->directory_with_email = static_cast<size_t>(std::count_if(
      entries.begin(), entries.end(), [](const auto& e) { return !e.email_hashes.empty(); }));
  report->clock.Mark("directory");
  std::string line = std::string("rebuilt (") + why +
                     "): " + std::to_string(report->directory_patients) + " patients, " +
                     std::to_string(report->directory_with_email) + " with an e-mail address";
  if (report->directory_left_out > 0) {
    line += ", " + std::to_string(report->directory_left_out) +
            " left out (MRN on several patients, or Patient unreadable)";
  }
  sink->Phase("directory", line);
  return Status::Ok();
}

Status MarkNightlyFinished(const StateLayout& layout, const Clock& clock) {
  return TouchPatientDirectory(layout.directory_db, clock.Now());
}

}  // namespace portal
