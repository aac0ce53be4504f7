#pragma once

#include <filesystem>
#include <set>
#include <string>

#include "core/status.h"
#include "generator/nightly/nightly_sink.h"
#include "generator/nightly/summary_publisher.h"

namespace portal {

// The replies phase: mirrors staff's sealed replies (under `replies_dir`, sealed by
// `portal-staff reply`) beside the summary of each of `tokens` that falls in this shard, and
// makes them durable; one line to `sink` when any were published.
Status PublishReplies(const std::filesystem::path& replies_dir, const std::set<std::string>& tokens,
                      int shard, int shard_count, SummaryPublisher* publisher, NightlySink* sink);

}  // namespace portal
