#include "generator/nightly/nightly.h"

#include <algorithm>
#include <mutex>

#include "core/enrollment_registry.h"
#include "core/file_lock.h"
#include "core/file_util.h"
#include "core/gpg_worker.h"
#include "core/parallel.h"
#include "core/record_store.h"
#include "core/sha256.h"
#include "core/state_layout.h"
#include "core/templates/template_set.h"
#include "core/version.h"
#include "generator/nightly/nightly_plan.h"
#include "generator/nightly/nightly_sink.h"
#include "generator/nightly/nightly_state.h"
#include "generator/nightly/summary_publisher.h"
#include "generator/records/extract_reader.h"
#include "generator/records/ingest.h"
#include "generator/site/site_builder.h"
#include "generator/summaries/release_policy.h"
#include "generator/summaries/summary_page.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

// Ingests the extract folder's .ndjson/.json files that no earlier run read as they are now.
Status IngestNewExtracts(const PortalConfig& config, const StateLayout& layout, const Clock& clock,
                         NightlySink* sink, NightlyReport* report) {
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
  std::vector<fs::path> fresh;
  for (const auto& f : files) {
    RecordStore::ExtractFile now;
    PORTAL_RETURN_IF_ERROR(StatExtractFile(f, &now));
    auto it = known.find(fs::absolute(f).lexically_normal().string());
    if (it != known.end() && it->second.size == now.size && it->second.mtime_ns == now.mtime_ns) {
      ++report->extract_files_known;
    } else {
      fresh.push_back(f);
    }
  }
  report->extract_files_read = fresh.size();
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
  }
  return Status::Ok();
}

// Templates, config, program version and signing key: a change to any of them changes pages.
Status BuildHash(const PortalConfig& config, const std::string& signing_fpr, std::string* out) {
  std::string all = std::string(kVersion) + "\n" + signing_fpr + "\n";
  std::string text;
  PORTAL_RETURN_IF_ERROR(ReadFile(config.config_path, &text));
  all += Sha256Hex(text);
  PORTAL_RETURN_IF_ERROR(ReadFile(config.paths.templates_dir / "summary.mustache", &text));
  all += Sha256Hex(text);
  std::vector<fs::path> partials;
  PORTAL_RETURN_IF_ERROR(
      ListFiles(config.paths.templates_dir / "partials", ".mustache", &partials));
  for (const auto& p : partials) {
    PORTAL_RETURN_IF_ERROR(ReadFile(p, &text));
    all += p.filename().string() + Sha256Hex(text);
  }
  *out = Sha256Hex(all);
  return Status::Ok();
}

// Finished patients are saved in batches, each after one syncfs: small enough that a killed
// run redoes little, large enough that the sync costs little per file.
constexpr size_t kSaveBatch = 32;

class SummaryRun {
 public:
  SummaryRun(const PortalConfig& config, const NightlyOptions& options, const StateLayout& layout,
             NightlyState* state, SummaryPublisher* publisher, NightlySink* sink,
             NightlyReport* report)
      : config_(config),
        options_(options),
        layout_(layout),
        state_(state),
        publisher_(publisher),
        sink_(sink),
        report_(report) {}

  Status Prepare(const std::string& signing_fpr, const std::string& build_hash) {
    signing_fpr_ = signing_fpr;
    build_hash_ = build_hash;
    return TemplateSet::Load(config_.paths.templates_dir, {"summary"}, &templates_);
  }

  // The plan's patients are looked at; `full`: make every summary again.
  void Take(NightlyPlan plan) {
    full_ = plan.full();
    jobs_ = std::move(plan.examine);
  }

  size_t pending() const { return jobs_.size(); }

  Status Run() {
    const int workers = std::max(1, std::min<int>(options_.jobs, static_cast<int>(jobs_.size())));
    std::vector<std::unique_ptr<GpgWorkerClient>> gpg(workers);
    std::vector<std::unique_ptr<RecordStore>> stores(workers);
    for (int w = 0; w < workers && !jobs_.empty(); ++w) {
      PORTAL_RETURN_IF_ERROR(GpgWorkerClient::Start(
          options_.gpg_worker.empty() ? GpgWorkerProgram() : options_.gpg_worker,
          layout_.signing_home, signing_fpr_, &gpg[w]));
      // One patient at a time needs a small page cache; the OS caches the file.
      PORTAL_RETURN_IF_ERROR(RecordStore::Open(layout_.records_db, &stores[w], /*cache_mib=*/1));
    }
    sink_->ProgressStart("summaries", jobs_.size());
    ParallelFor(jobs_.size(), workers, [&](size_t i, int w) {
      Outcome outcome;
      const Status st = One(jobs_[i], gpg[w].get(), stores[w].get(), &outcome);
      if (!st.ok()) {
        outcome = Outcome();
        outcome.failure = st.message();
      }
      Record(jobs_[i], std::move(outcome));
      sink_->ProgressAdd(1);
    });
    sink_->ProgressFinish();
    std::lock_guard<std::mutex> flushing(flush_mu_);
    std::lock_guard<std::mutex> lock(mu_);
    PORTAL_RETURN_IF_ERROR(flush_status_);
    return Save(rows_, forget_);
  }

 private:
  struct Outcome {
    SummaryState state;
    bool keep_state = true;   // false: forget the row so the next run looks again.
    std::string skip_reason;  // Set: no summary for this patient now.
    bool rendered = false;
    bool unchanged = false;
    bool removed = false;
    std::string failure;
  };

  // Everything one patient needs; runs on a worker thread with that worker's contexts.
  Status One(const PlannedPatient& job, GpgWorkerClient* gpg, RecordStore* store, Outcome* out) {
    const std::string& token = job.enrollment->token;
    out->state.token = token;
    out->state.patient_id = job.patient_id;
    out->state.keyset_hash = job.keyset_hash;
    out->state.build_hash = build_hash_;
    if (!job.skip_reason.empty()) return Withdraw(job, job.skip_reason, 0, out);
    std::vector<RecordStore::StoredResource> resources;
    // Failure messages go to the run report: fixed sentences, never a record's ids or values,
    // nor the whole token (GPGME's own messages name no patient).
    if (!store->ResourcesOf(job.patient_id, &resources).ok()) {
      return Status::IoError("the stored records could not be read");
    }
    SummaryModel model;
    if (!BuildSummary(config_, resources, options_.as_of, &model).ok()) {
      return Status::InvalidInput("a stored resource could not be read by the release rules");
    }
    if (model.eligibility != Eligibility::kEligible) {
      return Withdraw(job, EligibilityTag(model.eligibility), model.valid_until, out);
    }
    out->state.summary_hash = model.Hash();
    out->state.valid_until = EarliestOf(model.valid_until, job.keys_valid_until);
    out->state.published = true;
    const SummaryState* p = job.previous;
    if (!full_ && p != nullptr && p->published && p->summary_hash == out->state.summary_hash &&
        p->keyset_hash == job.keyset_hash && p->build_hash == build_hash_ &&
        p->patient_id == job.patient_id && publisher_->Exists(token)) {
      out->unchanged = true;  // Records changed, but not what the page shows.
      return Status::Ok();
    }
    const std::string page = RenderSummaryPage(config_, templates_, model);
    std::string message;
    PORTAL_RETURN_IF_ERROR(gpg->SignAndEncryptToKeyFiles(page, job.key_files, &message));
    if (!publisher_->Publish(token, message).ok()) {
      return Status::IoError("the summary could not be written to the output folder");
    }
    out->rendered = true;
    return Status::Ok();
  }

  Status Withdraw(const PlannedPatient& job, const std::string& reason, int64_t valid_until,
                  Outcome* out) {
    out->skip_reason = reason;
    out->state.skip_reason = reason;
    out->state.published = false;
    out->state.valid_until = valid_until;
    if (publisher_->Exists(job.enrollment->token)) {
      if (!publisher_->Remove(job.enrollment->token).ok()) {
        return Status::IoError("the published summary could not be removed");
      }
      out->removed = true;
    }
    return Status::Ok();
  }

  void Record(const PlannedPatient& job, Outcome outcome) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!outcome.failure.empty()) {
      ++report_->failed;
      report_->failures.push_back("patient " + job.enrollment->token.substr(0, 8) + ": " +
                                  outcome.failure);
      sink_->Failure(report_->failures.back());
      forget_.push_back(job.enrollment->token);  // Looked at again next run.
    } else {
      if (outcome.rendered) ++report_->rendered;
      if (outcome.unchanged) ++report_->unchanged;
      if (outcome.removed) ++report_->removed;
      if (!outcome.skip_reason.empty()) ++report_->skipped[outcome.skip_reason];
      rows_.push_back(std::move(outcome.state));
    }
    if (rows_.size() + forget_.size() < kSaveBatch) return;
    // Saved outside mu_ (workers keep recording meanwhile), one batch at a time.
    std::vector<SummaryState> rows = std::move(rows_);
    std::vector<std::string> forget = std::move(forget_);
    rows_.clear();
    forget_.clear();
    lock.unlock();
    std::lock_guard<std::mutex> flushing(flush_mu_);
    const Status st = Save(rows, forget);
    lock.lock();
    if (flush_status_.ok()) flush_status_ = st;
  }

  // Saves finished rows: a killed run redoes only what it had not saved. The files they
  // describe are made durable first, with one sync for the batch.
  Status Save(const std::vector<SummaryState>& rows, const std::vector<std::string>& forget) {
    PORTAL_RETURN_IF_ERROR(publisher_->Sync());
    return state_->Save(rows, forget);
  }

  const PortalConfig& config_;
  const NightlyOptions& options_;
  const StateLayout& layout_;
  NightlyState* state_;
  SummaryPublisher* publisher_;
  NightlySink* sink_;
  NightlyReport* report_;
  std::string signing_fpr_;
  std::string build_hash_;
  bool full_ = false;
  TemplateSet templates_;
  std::vector<PlannedPatient> jobs_;

  std::mutex flush_mu_;  // Held while a batch is saved; taken before mu_.
  std::mutex mu_;
  std::vector<SummaryState> rows_;   // Guarded by mu_.
  std::vector<std::string> forget_;  // Guarded by mu_.
  Status flush_status_;              // Guarded by mu_.
};

}  // namespace

Status RunNightly(const PortalConfig& config, const NightlyOptions& options, const Clock& clock,
                  NightlySink* sink, NightlyReport* report) {
  const StateLayout layout(config.paths.state_dir);
  std::string signing_fpr;
  PORTAL_RETURN_IF_ERROR(CheckStateDir(layout, &signing_fpr));
  FileLock lock;
  PORTAL_RETURN_IF_ERROR(
      lock.Acquire(layout.nightly_lock, 0600,
                   "another portal-gen nightly is running on this state directory (" +
                       layout.nightly_lock.string() + "); this run did nothing"));
  InstallMstchEscape();

  PORTAL_RETURN_IF_ERROR(IngestNewExtracts(config, layout, clock, sink, report));
  report->clock.Mark("ingest");
  sink->Phase("ingest", std::to_string(report->extract_files_read) +
                            " new or changed extract files (" +
                            std::to_string(report->extract_files_known) + " already read), " +
                            std::to_string(report->records_read) + " records, " +
                            std::to_string(report->records_failed) + " failed");

  if (options.shard == 0) {
    SiteReport site;
    PORTAL_RETURN_IF_ERROR(BuildSite(config, options.site_dir, options.jobs, &site));
    report->site_files = site.files;
    sink->Phase("site", std::to_string(site.questions) + " questions, " +
                            std::to_string(site.files) + " files");
  }
  report->clock.Mark("site");

  std::unique_ptr<NightlyState> state;
  PORTAL_RETURN_IF_ERROR(NightlyState::Open(layout.nightly_db, &state));
  NightlyPlanInputs in;
  in.as_of = options.as_of;
  in.full = options.full;
  in.shard = options.shard;
  in.shard_count = options.shard_count;
  in.keys_dir = layout.keys_dir;
  std::unique_ptr<EnrollmentRegistry> registry;
  PORTAL_RETURN_IF_ERROR(EnrollmentRegistry::Open(layout.registry_db, layout.keys_dir, &registry));
  PORTAL_RETURN_IF_ERROR(registry->All(&in.enrollments));
  const std::string shard_name =
      std::to_string(options.shard) + "/" + std::to_string(options.shard_count);
  PORTAL_RETURN_IF_ERROR(state->GetSeenRun(shard_name, &in.seen_run));
  PORTAL_RETURN_IF_ERROR(state->GetLastAsOf(&in.last_as_of));
  PORTAL_RETURN_IF_ERROR(state->GetOutputId(shard_name, &in.last_output));
  in.output_id = static_cast<int64_t>(std::stoull(
      Sha256Hex(fs::absolute(options.summaries_dir).lexically_normal().string()).substr(0, 15),
      nullptr, 16));
  {
    std::unique_ptr<RecordStore> store;
    PORTAL_RETURN_IF_ERROR(RecordStore::Open(layout.records_db, &store));
    PORTAL_RETURN_IF_ERROR(store->PatientsByMrn(&in.patient_by_mrn, &in.ambiguous_mrns));
    PORTAL_RETURN_IF_ERROR(store->LastRun(&in.last_run));
    PORTAL_RETURN_IF_ERROR(store->PatientsTouchedAfter(in.seen_run, &in.touched));
  }
  PORTAL_RETURN_IF_ERROR(state->Load(&in.previous));

  SummaryPublisher publisher(options.summaries_dir, options.shard, options.shard_count);
  PORTAL_RETURN_IF_ERROR(publisher.Open());
  // Folders of tokens no longer enrolled (unenrolled, re-enrolled under a new token) go first.
  std::set<std::string> enrolled_tokens, published;
  for (const auto& e : in.enrollments) enrolled_tokens.insert(e.token);
  PORTAL_RETURN_IF_ERROR(publisher.ListTokens(&published));
  std::vector<std::string> gone;
  for (const auto& token : published) {
    if (enrolled_tokens.count(token)) continue;
    PORTAL_RETURN_IF_ERROR(publisher.Remove(token));
    ++report->removed;
  }
  for (const auto& [token, row] : in.previous) {
    if (!enrolled_tokens.count(token) &&
        ShardOfToken(token, options.shard_count) == options.shard) {
      gone.push_back(token);
    }
  }
  PORTAL_RETURN_IF_ERROR(state->Save({}, gone));
  report->clock.Mark("stale");

  const Everyone everyone = WhyEveryone(in);
  if (everyone != Everyone::kNo && everyone != Everyone::kFullFlag) {
    sink->Phase("plan", std::string("looking at every patient (") + EveryoneReason(everyone) + ")");
  }
  SummaryRun run(config, options, layout, state.get(), &publisher, sink, report);
  PORTAL_RETURN_IF_ERROR(BuildHash(config, signing_fpr, &in.build_hash));
  PORTAL_RETURN_IF_ERROR(run.Prepare(signing_fpr, in.build_hash));
  for (const auto& token : enrolled_tokens) {
    if (ShardOfToken(token, options.shard_count) == options.shard && IsTokenName(token) &&
        publisher.Exists(token)) {
      in.published.insert(token);
    }
  }
  NightlyPlan plan = PlanNightly(in);
  report->enrolled += plan.enrolled;
  report->unchanged += plan.unchanged;
  for (const auto& [reason, n] : plan.skipped) report->skipped[reason] += n;
  for (const auto& failure : plan.failures) {
    ++report->failed;
    report->failures.push_back(failure);
    sink->Failure(failure);
  }
  run.Take(std::move(plan));
  report->clock.Mark("plan");
  report->examined = run.pending();
  sink->Phase("plan", std::to_string(report->enrolled) + " enrolled in this shard, " +
                          std::to_string(run.pending()) + " to look at, " +
                          std::to_string(report->unchanged) + " unchanged, " +
                          std::to_string(report->removed) + " removed as no longer enrolled");
  PORTAL_RETURN_IF_ERROR(run.Run());
  // Staff's replies (sealed by portal-staff reply) go beside each enrolled patient's summary.
  int replies = 0;
  for (const auto& token : enrolled_tokens) {
    if (ShardOfToken(token, options.shard_count) != options.shard) continue;
    const fs::path source = layout.replies_dir / token;
    std::error_code ec;
    if (!fs::is_directory(source, ec) &&
        !fs::is_directory(publisher.FileOf(token).parent_path() / "replies", ec)) {
      continue;
    }
    int n = 0;
    PORTAL_RETURN_IF_ERROR(publisher.SyncReplies(token, source, &n));
    replies += n;
  }
  if (replies > 0) {
    PORTAL_RETURN_IF_ERROR(publisher.Sync());
    sink->Phase("replies", std::to_string(replies) + " published");
  }
  if (options.shard == 0) {
    std::string public_key;
    PORTAL_RETURN_IF_ERROR(ReadFile(layout.signing_public_key, &public_key));
    PORTAL_RETURN_IF_ERROR(publisher.PublishShared("portal-signing-key.asc", public_key));
  }
  PORTAL_RETURN_IF_ERROR(state->SetSeenRun(shard_name, in.last_run));
  PORTAL_RETURN_IF_ERROR(state->SetLastAsOf(options.as_of));
  PORTAL_RETURN_IF_ERROR(state->SetOutputId(shard_name, in.output_id));
  report->clock.Mark("summaries");

  if (report->records_failed > 0 || report->failed > 0) {
    return Status::InvalidInput(std::to_string(report->records_failed) + " records and " +
                                std::to_string(report->failed) +
                                " patients failed (see the run report); everything else is "
                                "published");
  }
  return Status::Ok();
}

}  // namespace portal
