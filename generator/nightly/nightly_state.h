#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/sqlite_db.h"
#include "core/status.h"
#include "generator/summaries/summary_model.h"

namespace portal {

// One page of a patient's folder as the last run left it: the patient's own, or the proxies'.
struct PageState {
  bool published = false;    // Its file is out there.
  std::string summary_hash;  // SummaryModel::Hash() of the published page.
  std::string keyset_hash;   // Of the sorted fingerprints it was sealed to; "" = no such keys.
};

// What the published summaries of one enrolled patient (by token) were made from, so the
// nightly run can tell without reading the records whether they must be made again.
struct SummaryState {
  std::string token;
  std::string patient_id;
  PageState patient;        // summary.html.pgp, sealed to the patient's own keys.
  PageState proxy;          // summary-proxy.html.pgp, sealed to the proxies' keys.
  std::string build_hash;   // Of templates + config + program version + signing key.
  int64_t valid_until = 0;  // Look again at this instant even if nothing changed; 0 = never.
  std::string skip_reason;  // Why nothing is published, when !published().

  // Either page is out there (else: not eligible, or no usable key, when last looked at).
  bool published() const { return patient.published || proxy.published; }
  PageState& page(Audience a) { return a == Audience::kProxy ? proxy : patient; }
  const PageState& page(Audience a) const { return a == Audience::kProxy ? proxy : patient; }
};

// nightly.sqlite under the state directory.
class NightlyState {
 public:
  static Status Open(const std::filesystem::path& path, std::unique_ptr<NightlyState>* out);

  Status Load(std::map<std::string, SummaryState>* by_token);
  // Writes `rows` (insert or replace) and forgets `removed` tokens, in one transaction.
  Status Save(const std::vector<SummaryState>& rows, const std::vector<std::string>& removed);

  // The last ingest run whose changes the summaries of shard `shard` ("K/N") already reflect.
  Status GetSeenRun(const std::string& shard, int64_t* run) {
    return GetMeta("seen_run " + shard, run);
  }
  Status SetSeenRun(const std::string& shard, int64_t run) {
    return SetMeta("seen_run " + shard, run);
  }
  // Which summaries folder shard `shard` last published to (a hash of its path; 0 before).
  Status GetOutputId(const std::string& shard, int64_t* id) {
    return GetMeta("output " + shard, id);
  }
  Status SetOutputId(const std::string& shard, int64_t id) {
    return SetMeta("output " + shard, id);
  }
  // The --as-of of the last finished run (0 before the first).
  Status GetLastAsOf(int64_t* as_of) { return GetMeta("last_as_of", as_of); }
  Status SetLastAsOf(int64_t as_of) { return SetMeta("last_as_of", as_of); }

 private:
  Status GetMeta(const std::string& name, int64_t* value);
  Status SetMeta(const std::string& name, int64_t value);
  explicit NightlyState(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace portal
