#pragma once

#include <string>

#include "core/config.h"
#include "core/state_layout.h"
#include "core/status.h"
#include "core/templates/template_set.h"
#include "generator/nightly/nightly.h"
#include "generator/nightly/nightly_plan.h"
#include "generator/nightly/nightly_report.h"
#include "generator/nightly/nightly_sink.h"
#include "generator/nightly/nightly_state.h"
#include "generator/nightly/summary_publisher.h"

namespace portal {

// What every summary of a run is made with.
struct SummaryBuild {
  std::string signing_fpr;
  std::string build_hash;  // Of templates, config, program version and signing key.
  TemplateSet templates;   // summary.mustache and its partials.
};

// Hashes what the pages are made with (a change to any of it changes pages), then loads the
// summary template.
Status PrepareSummaryBuild(const PortalConfig& config, const std::string& signing_fpr,
                           SummaryBuild* out);

// The summaries phase: makes, encrypts (on options.jobs gpg workers) and publishes the summary
// of each patient the plan examines, or withdraws it, and saves each one's render state in
// batches once its files are durable. A patient's failure goes to the report and the sink and
// stops nothing else.
Status MakeSummaries(const PortalConfig& config, const NightlyOptions& options,
                     const StateLayout& layout, const SummaryBuild& build, NightlyPlan plan,
                     NightlyState* state, SummaryPublisher* publisher, NightlySink* sink,
                     NightlyReport* report);

}  // namespace portal
