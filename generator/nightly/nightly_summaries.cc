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
  // What happened to each page: the patient's and the proxies' (by Audience).
  struct PageCounts {
    int rendered[2] = {0, 0};
    int unchanged[2] = {0, 0};
    int removed[2] = {0, 0};
  };

  struct Outcome {
    SummaryState state;
    std::string skip_reason;  // Set: no summary for this patient now.
    PageCounts pages;
    std::string failure;
  };

  // One page to publish: its audience's model, and the keys it is sealed to.
  struct Page {
    Audience audience;
    const PageKeys* keys;
    SummaryModel model;
  };

  static int Index(Audience a) { return a == Audience::kProxy ? 1 : 0; }

  // Everything one patient needs; runs on a worker thread with that worker's contexts.
  Status One(const PlannedPatient& job, GpgWorkerClient* gpg, RecordStore* store, Outcome* out) {
    const std::string& token = job.enrollment->token;
    out->state.token = token;
    out->state.patient_id = job.patient_id;
    out->state.patient.keyset_hash = job.patient_keys.keyset_hash;
    out->state.proxy.keyset_hash = job.proxy_keys.keyset_hash;
    out->state.build_hash = build_hash_;
    if (!job.skip_reason.empty()) return Withdraw(job, job.skip_reason, 0, out);
    std::vector<RecordStore::StoredResource> resources;
    // Failure messages go to the run report: fixed sentences, never a record's ids or values,
    // nor the whole token (GPGME's own messages name no patient).
    if (!store->ResourcesOf(job.patient_id, &resources).ok()) {
      return Status::IoError("the stored records could not be read");
    }
    // Each audience with a usable key gets its own rendering: the proxies' page leaves out
    // what is for the patient only, and is never sealed to the patient's key (nor the
    // patient's page to a proxy's). The plan ensured at least one has keys.
    std::vector<Page> pages;
    for (Audience audience : {Audience::kPatient, Audience::kProxy}) {
      if (job.keys(audience).empty()) continue;
      Page page{audience, &job.keys(audience), SummaryModel()};
      if (!BuildSummary(config_, resources, options_.as_of, audience, &page.model).ok()) {
        return Status::InvalidInput("a stored resource could not be read by the release rules");
      }
      pages.push_back(std::move(page));
    }
    // Eligibility is the patient's, the same for every audience.
    const SummaryModel& first = pages.front().model;
    if (first.eligibility != Eligibility::kEligible) {
      return Withdraw(job, EligibilityTag(first.eligibility), first.valid_until, out);
    }
    int64_t valid_until = job.keys_valid_until;
    for (const Page& page : pages) {
      valid_until = EarliestOf(valid_until, page.model.valid_until);
      PORTAL_RETURN_IF_ERROR(PublishPage(job, page, gpg, out));
    }
    out->state.valid_until = valid_until;
    // A page whose key set became empty (its last proxy revoked, the patient's key expired).
    for (Audience audience : {Audience::kPatient, Audience::kProxy}) {
      if (!job.keys(audience).empty() || !publisher_->Exists(token, audience)) continue;
      if (!publisher_->RemovePage(token, audience).ok()) {
        return Status::IoError("a published summary could not be removed");
      }
      ++out->pages.removed[Index(audience)];
    }
    return Status::Ok();
  }

  // Seals and publishes one page unless the one out there is already this page for these keys.
  Status PublishPage(const PlannedPatient& job, const Page& page, GpgWorkerClient* gpg,
                     Outcome* out) {
    const std::string& token = job.enrollment->token;
    PageState& state = out->state.page(page.audience);
    state.summary_hash = page.model.Hash();
    state.published = true;
    const SummaryState* p = job.previous;
    if (!full_ && p != nullptr && p->page(page.audience).published &&
        p->page(page.audience).summary_hash == state.summary_hash &&
        p->page(page.audience).keyset_hash == state.keyset_hash && p->build_hash == build_hash_ &&
        p->patient_id == job.patient_id && publisher_->Exists(token, page.audience)) {
      ++out->pages.unchanged[Index(page.audience)];  // Records changed, not what it shows.
      return Status::Ok();
    }
    const std::string html = RenderSummaryPage(config_, templates_, page.model);
    std::string message;
    PORTAL_RETURN_IF_ERROR(gpg->SignAndEncryptToKeyFiles(html, page.keys->files, &message));
    if (!publisher_->Publish(token, page.audience, message).ok()) {
      return Status::IoError("the summary could not be written to the output folder");
    }
    ++out->pages.rendered[Index(page.audience)];
    return Status::Ok();
  }

  Status Withdraw(const PlannedPatient& job, const std::string& reason, int64_t valid_until,
                  Outcome* out) {
    const std::string& token = job.enrollment->token;
    out->skip_reason = reason;
    out->state.skip_reason = reason;
    out->state.patient = PageState{false, "", job.patient_keys.keyset_hash};
    out->state.proxy = PageState{false, "", job.proxy_keys.keyset_hash};
    out->state.valid_until = valid_until;
    bool any = false;
    for (Audience audience : {Audience::kPatient, Audience::kProxy}) {
      if (!publisher_->Exists(token, audience)) continue;
      ++out->pages.removed[Index(audience)];
      any = true;
    }
    if (any && !publisher_->Remove(token).ok()) {
      return Status::IoError("the published summary could not be removed");
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
      const PageCounts& c = outcome.pages;
      report_->rendered += c.rendered[0] + c.rendered[1];
      report_->rendered_proxy += c.rendered[1];
      report_->unchanged += c.unchanged[0] + c.unchanged[1];
      report_->unchanged_proxy += c.unchanged[1];
      report_->removed += c.removed[0] + c.removed[1];
      report_->removed_proxy += c.removed[1];
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
