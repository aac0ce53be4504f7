#include "generator/nightly/nightly_summaries.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include "core/file_util.h"
#include "core/gpg_worker.h"
#include "core/parallel.h"
#include "core/record_store.h"
#include "core/sha256.h"
#include "core/version.h"
#include "generator/summaries/release_policy.h"
#include "generator/summaries/summary_page.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

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

// One run of the summaries phase (see MakeSummaries).
class SummaryRun {
 public:
  SummaryRun(const PortalConfig& config, const NightlyOptions& options, const StateLayout& layout,
             const SummaryBuild& build, NightlyPlan plan, NightlyState* state,
             SummaryPublisher* publisher, NightlySink* sink, NightlyReport* report)
      : config_(config),
        options_(options),
        layout_(layout),
        signing_fpr_(build.signing_fpr),
        build_hash_(build.build_hash),
        templates_(build.templates),
        full_(plan.full()),
        jobs_(std::move(plan.examine)),
        state_(state),
        publisher_(publisher),
        sink_(sink),
        report_(report) {}

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
    // The patient's own page; proxies' pages come with their accounts.
    if (!BuildSummary(config_, resources, options_.as_of, Audience::kPatient, &model).ok()) {
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
  const std::string& signing_fpr_;
  const std::string& build_hash_;
  const TemplateSet& templates_;
  const bool full_;  // Make every summary again.
  std::vector<PlannedPatient> jobs_;
  NightlyState* state_;
  SummaryPublisher* publisher_;
  NightlySink* sink_;
  NightlyReport* report_;

  std::mutex flush_mu_;  // Held while a batch is saved; taken before mu_.
  std::mutex mu_;
  std::vector<SummaryState> rows_;   // Guarded by mu_.
  std::vector<std::string> forget_;  // Guarded by mu_.
  Status flush_status_;              // Guarded by mu_.
};

}  // namespace

Status PrepareSummaryBuild(const PortalConfig& config, const std::string& signing_fpr,
                           SummaryBuild* out) {
  out->signing_fpr = signing_fpr;
  PORTAL_RETURN_IF_ERROR(BuildHash(config, signing_fpr, &out->build_hash));
  return TemplateSet::Load(config.paths.templates_dir, {"summary"}, &out->templates);
}

Status MakeSummaries(const PortalConfig& config, const NightlyOptions& options,
                     const StateLayout& layout, const SummaryBuild& build, NightlyPlan plan,
                     NightlyState* state, SummaryPublisher* publisher, NightlySink* sink,
                     NightlyReport* report) {
  SummaryRun run(config, options, layout, build, std::move(plan), state, publisher, sink, report);
  return run.Run();
}

}  // namespace portal
