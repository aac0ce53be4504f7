#pragma once

#include <cstdint>
#include <vector>

#include "core/config.h"
#include "core/record_store.h"
#include "core/status.h"
#include "generator/summaries/summary_model.h"

namespace portal {

// Applies the FAQ's release rules (config [release]) to one patient's stored resources at the
// instant `as_of`, for one audience: who gets a summary (adults and emancipated minors, not the
// deceased), which resources each section shows (current ones; since a year; while younger
// than an age; results and reports only `delay_hours` after they were issued), pathology never
// (nor the results of a pathology report), retracted or unfinished records never, sections
// with `shown = false` nowhere and those for the patient only never to a proxy; and when the
// same data would next render differently (valid_until). A pure function of its arguments.
Status BuildSummary(const PortalConfig& config,
                    const std::vector<RecordStore::StoredResource>& resources, int64_t as_of,
                    Audience audience, SummaryModel* out);

}  // namespace portal
