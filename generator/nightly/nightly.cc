#include "generator/nightly/nightly.h"

#include <memory>
#include <set>
#include <vector>

#include "core/enrollment_registry.h"
#include "core/file_lock.h"
#include "core/file_util.h"
#include "core/parse_number.h"
#include "core/record_store.h"
#include "core/sha256.h"
#include "core/state_layout.h"
#include "core/templates/template_set.h"
#include "generator/ehr/pull.h"
#include "generator/nightly/nightly_directory.h"
#include "generator/nightly/nightly_ingest.h"
#include "generator/nightly/nightly_plan.h"
#include "generator/nightly/nightly_replies.h"
#include "generator/nightly/nightly_state.h"
#include "generator/nightly/nightly_summaries.h"
#include "generator/nightly/summary_publisher.h"
#include "generator/site/site_builder.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

// Which summaries folder a run publishes to: 60 bits of the hash of its absolute path.
Status OutputIdOf(const fs::path& dir, int64_t* id) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(dir, ec);
  if (ec) return Status::IoError(dir.string() + ": cannot resolve: " + ec.message());
  uint64_t bits = 0;
  if (!ParseHex64(Sha256Hex(absolute.lexically_normal().string()).substr(0, 15), &bits)) {
    return Status::IoError("the summaries folder's hash is not hex");  // Never: SHA-256 is hex.
  }
  *id = static_cast<int64_t>(bits);
  return Status::Ok();
}

// One nightly run, phase by phase (RunNightly says what it does).
class NightlyRun {
 public:
  NightlyRun(const PortalConfig& config, const NightlyOptions& options, NightlySink* sink,
             NightlyReport* report)
      : config_(config),
        options_(options),
        layout_(config.paths.state_dir),
        shard_name_(std::to_string(options.shard) + "/" + std::to_string(options.shard_count)),
        publisher_(options.summaries_dir, options.shard, options.shard_count),
        sink_(sink),
        report_(report) {}

  Status Run(const Clock& clock) {
    // All of var/ once a night: an older install's (or a hand-made) open file is closed here.
    PORTAL_RETURN_IF_ERROR(SecureWholeStateDir(layout_));
    PORTAL_RETURN_IF_ERROR(CheckStateDir(layout_, &signing_fpr_));
    FileLock lock;
    PORTAL_RETURN_IF_ERROR(
        lock.Acquire(layout_.nightly_lock, 0600,
                     "another portal-gen nightly is running on this state directory (" +
                         layout_.nightly_lock.string() + "); this run did nothing"));
    InstallMstchEscape();
    PullFromEhr(clock);
    PORTAL_RETURN_IF_ERROR(IngestNewExtracts(config_, layout_, clock, sink_, report_));
    PORTAL_RETURN_IF_ERROR(CommitPull());
    if (options_.shard == 0) {
      PORTAL_RETURN_IF_ERROR(UpdatePatientDirectory(config_, layout_, options_.as_of, options_.full,
                                                    clock, sink_, report_));
    }
    PORTAL_RETURN_IF_ERROR(RenderSite());
    PORTAL_RETURN_IF_ERROR(ReadPlanInputs());
    PORTAL_RETURN_IF_ERROR(publisher_.Open());
    PORTAL_RETURN_IF_ERROR(RemoveUnenrolled());
    SummaryBuild build;
    NightlyPlan plan;
    PORTAL_RETURN_IF_ERROR(Plan(&build, &plan));
    PORTAL_RETURN_IF_ERROR(MakeSummaries(config_, options_, layout_, build, std::move(plan),
                                         state_.get(), &publisher_, sink_, report_));
    PORTAL_RETURN_IF_ERROR(PublishReplies(layout_.replies_dir, enrolled_tokens_, options_.shard,
                                          options_.shard_count, &publisher_, sink_));
    PORTAL_RETURN_IF_ERROR(Finish());
    if (options_.shard == 0) PORTAL_RETURN_IF_ERROR(MarkNightlyFinished(layout_, clock));
    return Outcome();
  }

 private:
  // The pull phase (shard 0, when [ehr] is configured). A failed pull is reported and the run
  // goes on with the extracts already there (the site, replies and expiries still matter); the
  // run then ends with the pull's error.
  void PullFromEhr(const Clock& clock) {
    if (!config_.ehr.enabled || options_.shard != 0) return;
    report_->pulled = true;
    PullOptions o;
    const Status st = Pull(config_, clock, o, &report_->pull);
    if (!st.ok()) {
      pull_status_ = st;
      report_->pull_error = st.message();
      sink_->Problem("pull: " + st.message());
    }
    report_->clock.Mark("pull");
    sink_->Phase("pull", st.ok() ? report_->pull.Line() : "failed; ingesting what is there");
  }

  // After ingest: the pulled export's transactionTime becomes the next pull's _since once every
  // one of its files is in the record store.
  Status CommitPull() {
    if (!report_->pulled) return Status::Ok();
    std::string committed;
    size_t waiting = 0;
    PORTAL_RETURN_IF_ERROR(CommitPulledExtracts(config_, &committed, &waiting));
    if (!committed.empty()) {
      report_->pull.committed = committed;
      sink_->Phase("pull",
                   "the export of " + committed + " is ingested: the next pull starts there");
    }
    report_->pull.waiting_files = waiting;
    return Status::Ok();
  }

  // The site phase: only shard 0 renders the site.
  Status RenderSite() {
    if (options_.shard == 0) {
      SiteReport site;
      PORTAL_RETURN_IF_ERROR(BuildSite(config_, options_.site_dir, options_.jobs, &site));
      report_->site_files = site.files;
      sink_->Phase("site", std::to_string(site.questions) + " questions, " +
                               std::to_string(site.files) + " files");
    }
    report_->clock.Mark("site");
    return Status::Ok();
  }

  // Everything the plan looks at, from the render state, the registry and the record store.
  Status ReadPlanInputs() {
    PORTAL_RETURN_IF_ERROR(NightlyState::Open(layout_.nightly_db, &state_));
    in_.as_of = options_.as_of;
    in_.full = options_.full;
    in_.shard = options_.shard;
    in_.shard_count = options_.shard_count;
    in_.keys_dir = layout_.keys_dir;
    std::unique_ptr<EnrollmentRegistry> registry;
    PORTAL_RETURN_IF_ERROR(
        EnrollmentRegistry::Open(layout_.registry_db, layout_.keys_dir, &registry));
    PORTAL_RETURN_IF_ERROR(registry->All(&in_.enrollments));
    for (const auto& e : in_.enrollments) enrolled_tokens_.insert(e.token);
    PORTAL_RETURN_IF_ERROR(state_->GetSeenRun(shard_name_, &in_.seen_run));
    PORTAL_RETURN_IF_ERROR(state_->GetLastAsOf(&in_.last_as_of));
    PORTAL_RETURN_IF_ERROR(state_->GetOutputId(shard_name_, &in_.last_output));
    PORTAL_RETURN_IF_ERROR(OutputIdOf(options_.summaries_dir, &in_.output_id));
    {
      std::unique_ptr<RecordStore> store;
      PORTAL_RETURN_IF_ERROR(RecordStore::Open(layout_.records_db, &store));
      PORTAL_RETURN_IF_ERROR(store->PatientsByMrn(&in_.patient_by_mrn, &in_.ambiguous_mrns));
      PORTAL_RETURN_IF_ERROR(store->LastRun(&in_.last_run));
      PORTAL_RETURN_IF_ERROR(store->PatientsTouchedAfter(in_.seen_run, &in_.touched));
    }
    return state_->Load(&in_.previous);
  }

  // Folders and render-state rows of tokens no longer enrolled (unenrolled, re-enrolled under a
  // new token) go first.
  Status RemoveUnenrolled() {
    std::set<std::string> published;
    PORTAL_RETURN_IF_ERROR(publisher_.ListTokens(&published));
    for (const auto& token : published) {
      if (enrolled_tokens_.count(token)) continue;
      for (Audience audience : {Audience::kPatient, Audience::kProxy}) {
        if (!publisher_.Exists(token, audience)) continue;
        ++report_->removed;
        if (audience == Audience::kProxy) ++report_->removed_proxy;
      }
      PORTAL_RETURN_IF_ERROR(publisher_.Remove(token));
    }
    std::vector<std::string> gone;
    for (const auto& [token, row] : in_.previous) {
      if (!enrolled_tokens_.count(token) &&
          ShardOfToken(token, options_.shard_count) == options_.shard) {
        gone.push_back(token);
      }
    }
    PORTAL_RETURN_IF_ERROR(state_->Save({}, gone));
    report_->clock.Mark("stale");
    return Status::Ok();
  }

  // The plan phase: what the summaries are made with, and which patients to look at again.
  Status Plan(SummaryBuild* build, NightlyPlan* plan) {
    const Everyone everyone = WhyEveryone(in_);
    if (everyone != Everyone::kNo && everyone != Everyone::kFullFlag) {
      sink_->Phase("plan",
                   std::string("looking at every patient (") + EveryoneReason(everyone) + ")");
    }
    PORTAL_RETURN_IF_ERROR(PrepareSummaryBuild(config_, signing_fpr_, build));
    in_.build_hash = build->build_hash;
    for (const auto& token : enrolled_tokens_) {
      if (ShardOfToken(token, options_.shard_count) != options_.shard || !IsTokenName(token)) {
        continue;
      }
      if (publisher_.Exists(token, Audience::kPatient)) in_.published.insert(token);
      if (publisher_.Exists(token, Audience::kProxy)) in_.published_proxy.insert(token);
    }
    *plan = PlanNightly(in_);
    Count(*plan);
    report_->clock.Mark("plan");
    sink_->Phase("plan", std::to_string(report_->enrolled) + " enrolled in this shard, " +
                             std::to_string(report_->examined) + " to look at, " +
                             std::to_string(report_->unchanged) + " pages unchanged, " +
                             std::to_string(report_->removed) +
                             " pages removed as no longer enrolled");
    return Status::Ok();
  }

  // What the plan decided, in the report (and its failures in the sink).
  void Count(const NightlyPlan& plan) {
    report_->enrolled += plan.enrolled;
    report_->unchanged += plan.unchanged;
    report_->unchanged_proxy += plan.unchanged_proxy;
    for (const auto& [reason, n] : plan.skipped) report_->skipped[reason] += n;
    for (const auto& failure : plan.failures) {
      ++report_->failed;
      report_->failures.push_back(failure);
      sink_->Failure(failure);
    }
    report_->examined = plan.examine.size();
  }

  // The signing key's public half beside the patients' folders, and what the next run's plan
  // compares with.
  Status Finish() {
    if (options_.shard == 0) {
      std::string public_key;
      PORTAL_RETURN_IF_ERROR(ReadFile(layout_.signing_public_key, &public_key));
      PORTAL_RETURN_IF_ERROR(publisher_.PublishShared("portal-signing-key.asc", public_key));
    }
    PORTAL_RETURN_IF_ERROR(state_->SetSeenRun(shard_name_, in_.last_run));
    PORTAL_RETURN_IF_ERROR(state_->SetLastAsOf(options_.as_of));
    PORTAL_RETURN_IF_ERROR(state_->SetOutputId(shard_name_, in_.output_id));
    report_->clock.Mark("summaries");
    return Status::Ok();
  }

  Status Outcome() const {
    if (!pull_status_.ok()) {
      return pull_status_.WithPrefix("pull (the run went on with the extracts already there)");
    }
    if (report_->records_failed == 0 && report_->failed == 0) return Status::Ok();
    return Status::InvalidInput(std::to_string(report_->records_failed) + " records and " +
                                std::to_string(report_->failed) +
                                " patients failed (see the run report); everything else is "
                                "published");
  }

  const PortalConfig& config_;
  const NightlyOptions& options_;
  const StateLayout layout_;
  const std::string shard_name_;
  SummaryPublisher publisher_;
  NightlySink* sink_;
  NightlyReport* report_;
  std::string signing_fpr_;
  std::unique_ptr<NightlyState> state_;
  NightlyPlanInputs in_;
  std::set<std::string> enrolled_tokens_;
  Status pull_status_ = Status::Ok();
};

}  // namespace

Status RunNightly(const PortalConfig& config, const NightlyOptions& options, const Clock& clock,
                  NightlySink* sink, NightlyReport* report) {
  NightlyRun run(config, options, sink, report);
  return run.Run(clock);
}

}  // namespace portal
