#pragma once

#include <cstdint>
#include <vector>

#include "core/config.h"
#include "core/record_store.h"
#include "core/status.h"
#include "generator/summaries/summary_model.h"

namespace portal {

// Applies the FAQ's release rules (config [release]) to one patient's stored resources at the
// instant `as_of`: who gets a summary (adults and emancipated minors, not the deceased), which
// resources each section shows (current ones; since a year; while younger than an age; results
// and reports only `delay_hours` after they were issued), pathology never, and when the same
// data would next render differently (valid_until).
Status BuildSummary(const PortalConfig& config,
                    const std::vector<RecordStore::StoredResource>& resources, int64_t as_of,
                    SummaryModel* out);

}  // namespace portal
