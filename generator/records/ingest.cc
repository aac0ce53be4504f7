#include "generator/records/ingest.h"

#include <regex>

#include <nlohmann/json.hpp>

#include "core/record_store.h"
#include "core/record_store_writer.h"
#include "core/sha256.h"
#include "generator/records/extract_pipeline.h"

namespace portal {

namespace {

// Writes the extract straight into the store (each resource is written once); the store's
// writer keeps an undo log of what each write replaced, so that at the end every patient with
// a failed record is put back exactly as it was. All inside the run's one transaction.
class Writer : public ExtractSink {
 public:
  Writer(RecordStoreWriter* store, const std::regex& mrn_pattern, IngestReport* report)
      : store_(store), mrn_pattern_(mrn_pattern), report_(report) {}

  void Resource(FhirResource r, std::string mrn, const std::string& origin) override {
    ++report_->read;
    ++report_->types[r.type].read;
    if (!status_.ok()) return;
    // Extracts come in runs of new or of known resources: after a new one, try the insert first
    // (one statement when it is new); after a known one, look it up first.
    expect_new_ = expect_new_ ? InsertNew(r, origin) : !Known(r, origin);
    if (r.type == "Patient") PatientIndex(r, origin, mrn);
  }

  void SkippedType(const std::string& type, const std::string&) override {
    ++report_->read;
    ++report_->skipped_by_type;
    IngestTypeCounts& counts = report_->types[type];
    ++counts.read;
    ++counts.skipped_by_type;
  }

  void Deletion(const std::string& type, const std::string& id, const std::string&) override {
    ++report_->read;
    Keep(store_->AddDeletion(type, id));
  }

  void Error(const Status& problem, const FhirResource& partial,
             const std::string& origin) override {
    ++report_->read;
    const std::string& type = partial.type.empty() ? kUnreadableType : partial.type;
    ++report_->types[type].read;
    Fail(origin + ": " + problem.message(), type, partial.patient_id);
  }

  // The first database failure, if any: it stops the run.
  const Status& status() const { return status_; }

 private:
  static RecordStoreWriter::Row RowOf(const FhirResource& r) {
    return {r.type, r.id, r.patient_id, r.hash, r.json};
  }

  // Stores `r` if it is not in the store yet; false (nothing done) if it is.
  bool InsertNew(const FhirResource& r, const std::string& origin) {
    bool inserted = false;
    Keep(store_->InsertNew(RowOf(r), origin, &inserted));
    if (!inserted) {
      Known(r, origin);
      return false;
    }
    ++report_->inserted;
    ++report_->types[r.type].stored;
    Changed(r.patient_id);
    return true;
  }

  // Stores `r` after looking up the stored version; true if there was one.
  bool Known(const FhirResource& r, const std::string& origin) {
    RecordStoreWriter::Put put;
    Keep(store_->PutKnown(RowOf(r), origin, &put));
    if (put.duplicate) {
      Duplicate(r, origin);
      return put.exists;
    }
    ++report_->types[r.type].stored;
    if (put.same) {
      ++report_->unchanged;
    } else {
      ++(put.exists ? report_->updated : report_->inserted);
      Changed(r.patient_id);
      Changed(put.old_patient);
    }
    return put.exists;
  }

  void Keep(const Status& st) {
    if (status_.ok()) status_ = st;
  }

  // Notes that a patient's data changed. Extracts come grouped by patient, so remembering the
  // last one noted saves almost every statement.
  void Changed(const std::string& patient) {
    if (patient.empty() || patient == last_changed_) return;
    Keep(store_->MarkChanged(patient));
    last_changed_ = patient;
  }

  void PatientIndex(const FhirResource& r, const std::string& origin, const std::string& mrn) {
    const bool ok = !mrn.empty() && std::regex_match(mrn, mrn_pattern_);
    if (!ok) {
      ++report_->mrn_unmatched;
      report_->errors.push_back(origin + ": Patient/" + r.id + ": " +
                                (mrn.empty() ? "no MRN (identifier typed MR)"
                                             : "MRN does not match the configured pattern") +
                                " (stored; reported, not dropped)");
    }
    Keep(store_->PutPatient(r.id, mrn, ok));
  }

  void Fail(const std::string& message, const std::string& type, const std::string& patient) {
    ++report_->failed;
    ++report_->types[type].failed;
    report_->errors.push_back(message);
    if (patient.empty()) return;
    Keep(store_->MarkFailed(patient));
  }

  // The same (type, id) twice in one extract: which is right is unknown, so the patient (or
  // both patients) keep their previous state.
  void Duplicate(const FhirResource& r, const std::string& origin) {
    bool found = false;
    std::string first, other_patient;
    Keep(store_->FirstSeen(r.type, r.id, &found, &first, &other_patient));
    Fail(origin + ": " + r.type + "/" + r.id + ": duplicate id (first at " + first + ")", r.type,
         r.patient_id);
    if (!other_patient.empty()) Keep(store_->MarkFailed(other_patient));
  }

  RecordStoreWriter* store_;
  const std::regex& mrn_pattern_;
  IngestReport* report_;
  std::string last_changed_;
  bool expect_new_ = true;
  Status status_;
};

// Puts back failed patients, applies deletions and counts the patients whose data changed,
// taking back what the writer counted for the failed patients.
Status Finish(RecordStoreWriter* store, IngestReport* report) {
  RecordStoreWriter::Finished finished;
  PORTAL_RETURN_IF_ERROR(store->Finish(&finished));
  report->patients_kept = finished.patients_kept;
  report->skipped = finished.skipped;
  report->inserted -= finished.undone_inserts;
  report->updated -= finished.undone_updates;
  report->deleted = finished.deleted;
  report->patients_touched = finished.patients_touched;
  for (const auto& [type, undone] : finished.undone_by_type) {
    IngestTypeCounts& counts = report->types[type];
    counts.stored -= undone;
    counts.held_back += undone;
  }
  return Status::Ok();
}

}  // namespace

namespace {

// Each file's size and time as they were before reading: if the exporter is still writing one,
// the next nightly run sees it changed and reads it again.
Status StatFiles(const std::vector<std::filesystem::path>& paths,
                 std::vector<std::pair<std::string, RecordStore::ExtractFile>>* files) {
  for (const auto& path : paths) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) continue;
    RecordStore::ExtractFile file;
    PORTAL_RETURN_IF_ERROR(StatExtractFile(path, &file));
    const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
    if (ec) return Status::IoError(path.string() + ": cannot resolve: " + ec.message());
    files->emplace_back(absolute.lexically_normal().string(), file);
  }
  return Status::Ok();
}

}  // namespace

Status Ingest(const PortalConfig& config, const std::vector<std::filesystem::path>& paths,
              const Clock& clock, IngestReport* report) {
  *report = IngestReport();
  std::unique_ptr<RecordStore> store;
  PORTAL_RETURN_IF_ERROR(RecordStore::Open(RecordStore::PathIn(config.paths.state_dir), &store));
  std::vector<std::pair<std::string, RecordStore::ExtractFile>> files;
  PORTAL_RETURN_IF_ERROR(StatFiles(paths, &files));
  const std::regex mrn_pattern(config.mrn.pattern);
  std::unique_ptr<RecordStoreWriter> out;
  PORTAL_RETURN_IF_ERROR(RecordStoreWriter::Begin(store.get(), &out));
  Writer writer(out.get(), mrn_pattern, report);
  PORTAL_RETURN_IF_ERROR(ReadExtractsInBackground(paths, ExtractOptions::From(config), &writer));
  PORTAL_RETURN_IF_ERROR(writer.status());
  report->clock.Mark("read+store");
  PORTAL_RETURN_IF_ERROR(Finish(out.get(), report));
  PORTAL_RETURN_IF_ERROR(out->RecordRun(
      clock.Now(),
      IngestReportJson(*report).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      &report->run));
  for (const auto& [path, file] : files) {  // So the nightly run can skip them next time.
    PORTAL_RETURN_IF_ERROR(out->RecordExtractFile(path, file, report->run));
  }
  PORTAL_RETURN_IF_ERROR(out->DropWorkTables());
  report->clock.Mark("finish");
  PORTAL_RETURN_IF_ERROR(out->Commit());
  report->clock.Mark("commit");
  return Status::Ok();
}

}  // namespace portal
