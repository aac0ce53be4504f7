#include "generator/ehr/pull.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <system_error>
#include <thread>

#include "core/ehr_key.h"
#include "core/fhir_time.h"
#include "core/file_util.h"
#include "core/record_store.h"
#include "core/state_layout.h"
#include "generator/ehr/bulk_client.h"
#include "generator/ehr/ndjson_check.h"
#include "generator/ehr/pull_state.h"
#include "generator/ehr/smart_token.h"

namespace portal {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxRestarts = 3;  // Exports made again after a 404/410 before the run gives up.

// <extracts>/.ehr-staging: on the extracts folder's file system, so a move is one rename; its
// leading dot keeps ListExtractFiles out of it.
fs::path StagingDir(const PortalConfig& config) {
  return config.paths.extracts_dir / ".ehr-staging";
}

std::string Key(const fs::path& path) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  return (ec ? path : absolute).lexically_normal().string();
}

void RealSleep(int64_t seconds) { std::this_thread::sleep_for(std::chrono::seconds(seconds)); }

// Removes everything in the staging folder (a new export starts from nothing).
Status EmptyStaging(const fs::path& staging) {
  std::error_code ec;
  fs::remove_all(staging, ec);
  if (ec) return Status::IoError(staging.string() + ": cannot empty: " + ec.message());
  return MakeDirectoriesWithMode(staging, 0700);
}

// Fsyncs the folder so the renames into it survive a crash.
Status SyncDir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(dir.string() + ": cannot open to sync");
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::Ok() : Status::IoError(dir.string() + ": fsync failed");
}

// A file of the manifest and where it goes: deleted[] first (a resource deleted and created
// again keeps its new version), then output[], each numbered in that order.
struct Planned {
  BulkManifest::File file;
  std::string list;  // "deleted", "output" or "error".
  size_t index = 0;  // In its list.
  std::string staged;
};

std::vector<Planned> PlanFiles(const BulkManifest& m) {
  std::vector<Planned> out;
  size_t n = 0;
  auto add = [&](const std::vector<BulkManifest::File>& files, const char* list, bool error) {
    for (size_t i = 0; i < files.size(); ++i) {
      char name[32];
      std::snprintf(name, sizeof name, error ? "error-%04zu.ndjson" : "%04zu.ndjson",
                    error ? i : n++);
      out.push_back({files[i], list, i, name});
    }
  };
  add(m.deleted, "deleted", false);
  add(m.output, "output", false);
  add(m.error, "error", true);
  return out;
}

// Finishes the journal's moves (staging -> extracts), then makes them the pending export.
Status FinishMoves(const PortalConfig& config, const fs::path& state_path, PullState* state) {
  const fs::path staging = StagingDir(config);
  for (auto& f : state->moving.files) {
    const fs::path from = staging / f.staged, to = config.paths.extracts_dir / f.name;
    std::error_code ec;
    if (fs::exists(from, ec)) {
      fs::rename(from, to, ec);
      if (ec) return Status::IoError(from.string() + ": cannot move into the extracts folder");
    } else if (!fs::exists(to, ec)) {
      // Neither here nor there: someone removed it. The export's data is not all stored, so
      // `since` must not move past it: drop the journal and export again from `since`.
      state->moving = PullState::Export();
      return SavePullState(state_path, *state);
    }
    RecordStore::ExtractFile st;
    PORTAL_RETURN_IF_ERROR(StatExtractFile(to, &st));
    f.size = st.size;
    f.mtime_ns = st.mtime_ns;
  }
  PORTAL_RETURN_IF_ERROR(SyncDir(config.paths.extracts_dir));
  state->pending = std::move(state->moving);
  state->moving = PullState::Export();
  return SavePullState(state_path, *state);
}

// If the record store has read every pending file as it is now, the pending export's
// transactionTime becomes the committed `since` (saved to `state_path`); *committed is it (""
// otherwise), *waiting the pending files not read yet.
Status CommitPending(const PortalConfig& config, const fs::path& state_path, PullState* state,
                     std::string* committed, size_t* waiting) {
  committed->clear();
  *waiting = 0;
  if (state->pending.transaction_time.empty()) return Status::Ok();
  std::map<std::string, RecordStore::ExtractFile> known;
  const StateLayout layout(config.paths.state_dir);
  std::error_code ec;
  if (fs::exists(layout.records_db, ec)) {
    std::unique_ptr<RecordStore> store;
    PORTAL_RETURN_IF_ERROR(RecordStore::Open(layout.records_db, &store));
    PORTAL_RETURN_IF_ERROR(store->ExtractFiles(&known));
  }
  for (const auto& f : state->pending.files) {
    auto it = known.find(Key(config.paths.extracts_dir / f.name));
    if (it == known.end() || it->second.size != f.size || it->second.mtime_ns != f.mtime_ns) {
      ++*waiting;
    }
  }
  if (*waiting > 0) return Status::Ok();
  state->since = state->pending.transaction_time;
  state->pending = PullState::Export();
  PORTAL_RETURN_IF_ERROR(SavePullState(state_path, *state));
  *committed = state->since;
  return Status::Ok();
}

// One pull: its state, clients and counts.
class PullRun {
 public:
  PullRun(const PortalConfig& config, const Clock& clock, const PullOptions& options,
          PullReport* report)
      : config_(config),
        ehr_(config.ehr),
        clock_(clock),
        options_(options),
        layout_(config.paths.state_dir),
        report_(report) {}

  Status Run() {
    if (!ehr_.enabled)
      return Status::InvalidInput("no [ehr] section in the config: nothing to pull");
    PORTAL_RETURN_IF_ERROR(MakeDirectoriesWithMode(layout_.ehr_dir, 0700));
    PORTAL_RETURN_IF_ERROR(LoadPullState(layout_.ehr_pull_state, &state_));
    if (!state_.moving.files.empty()) {
      PORTAL_RETURN_IF_ERROR(FinishMoves(config_, layout_.ehr_pull_state, &state_));
    }
    PORTAL_RETURN_IF_ERROR(Commit());
    PORTAL_RETURN_IF_ERROR(Setup());
    std::string since = state_.since;
    if (options_.from == PullOptions::From::kFull) since.clear();
    if (options_.from == PullOptions::From::kSince) since = options_.since;
    report_->since = since;
    if (!state_.job.status_url.empty() && state_.job.since != since) {
      // Another _since was asked for than the job in flight has: that job is of no use.
      DeleteJob(state_.job.status_url);
      state_.job = PullState::Job();
      PORTAL_RETURN_IF_ERROR(SavePullState(layout_.ehr_pull_state, state_));
    }
    for (int restarts = 0;; ++restarts) {
      BulkClient::Outcome outcome = BulkClient::Outcome::kOk;
      const Status st = Export(since, &outcome);
      if (outcome == BulkClient::Outcome::kRefused) {
        // The server ended this job with an error: the next run asks for a new one.
        DeleteJob(state_.job.status_url);
        state_.job = PullState::Job();
        PORTAL_RETURN_IF_ERROR(SavePullState(layout_.ehr_pull_state, state_));
      }
      if (st.ok() || outcome != BulkClient::Outcome::kGone || restarts >= kMaxRestarts) {
        Count();
        return st;
      }
      // The job or a file expired (404/410): export again from the same `since`.
      ++report_->restarts;
      DeleteJob(state_.job.status_url);
      state_.job = PullState::Job();
      PORTAL_RETURN_IF_ERROR(SavePullState(layout_.ehr_pull_state, state_));
    }
  }

 private:
  // The server may forget the job now (best effort: a failed DELETE is counted, not fatal; the
  // server expires jobs by itself).
  void DeleteJob(const std::string& status_url) {
    if (!status_url.empty() && !client_->Delete(status_url).ok()) ++report_->delete_failures;
  }

  Status Commit() {
    return CommitPending(config_, layout_.ehr_pull_state, &state_, &report_->committed,
                         &report_->waiting_files);
  }

  Status Setup() {
    types_ = ehr_.types.empty() ? DefaultEhrTypes(config_) : ehr_.types;
    if (!ehr_.client_id.empty()) {
      std::unique_ptr<EhrKey> key;
      PORTAL_RETURN_IF_ERROR(EhrKey::Load(ehr_.key_file, &key));
      SmartToken::Options o;
      o.base_url = ehr_.base_url;
      o.token_url = ehr_.token_url;
      o.client_id = ehr_.client_id;
      o.scope = BackendScope(types_, ehr_.scope_syntax);
      token_ = std::make_unique<SmartToken>(std::move(o), std::move(key), clock_);
    }
    return NewClient(&counts_, &client_);
  }

  Status NewClient(BulkCounts* counts, std::unique_ptr<BulkClient>* out) {
    HttpClient::Timeouts t;
    t.connect_seconds = static_cast<long>(ehr_.connect_timeout_seconds);
    t.total_seconds = static_cast<long>(ehr_.request_timeout_seconds);
    t.stall_seconds = static_cast<long>(ehr_.stall_timeout_seconds);
    std::unique_ptr<HttpClient> http;
    PORTAL_RETURN_IF_ERROR(HttpClient::Create(t, &http));
    BulkClient::Options o;
    o.ehr = &ehr_;
    o.types = types_;
    o.token = token_.get();
    o.sleep = options_.sleep ? options_.sleep : RealSleep;
    o.clock = &clock_;
    if (options_.progress) {
      o.on_progress = [this](const std::string& text) {
        PullOptions::Progress p;
        p.preparing = text.empty() ? "in progress" : text;
        options_.progress(p);
      };
    }
    *out = std::make_unique<BulkClient>(std::move(o), std::move(http), counts);
    return Status::Ok();
  }

  // Kick-off (unless a job is in flight), polling, downloads, checks, moves.
  Status Export(const std::string& since, BulkClient::Outcome* outcome) {
    const fs::path staging = StagingDir(config_);
    if (state_.job.status_url.empty()) {
      PORTAL_RETURN_IF_ERROR(EmptyStaging(staging));
      std::string url;
      PORTAL_RETURN_IF_ERROR(client_->KickOff(since, &url));
      state_.job = {url, since};
      PORTAL_RETURN_IF_ERROR(SavePullState(layout_.ehr_pull_state, state_));
    } else {
      PORTAL_RETURN_IF_ERROR(MakeDirectoriesWithMode(staging, 0700));
    }
    BulkManifest manifest;
    PORTAL_RETURN_IF_ERROR(client_->Poll(state_.job.status_url, &manifest, outcome));
    report_->transaction_time = manifest.transaction_time;
    std::vector<Planned> files = PlanFiles(manifest);
    PORTAL_RETURN_IF_ERROR(DownloadAll(manifest, files, staging, outcome));
    PORTAL_RETURN_IF_ERROR(ReadErrorFiles(files, staging));
    // The journal first: from here on a rerun finishes the moves instead of exporting again.
    state_.moving = PullState::Export();
    state_.moving.transaction_time = manifest.transaction_time;
    for (const auto& p : files) {
      if (p.list == "error") continue;
      const size_t number = state_.moving.files.size();
      state_.moving.files.push_back(
          {p.staged, PulledFileName(manifest.transaction_time, number, p.file.type), 0, 0});
    }
    const std::string status_url = state_.job.status_url;
    state_.job = PullState::Job();
    PORTAL_RETURN_IF_ERROR(SavePullState(layout_.ehr_pull_state, state_));
    report_->files = state_.moving.files.size();
    PORTAL_RETURN_IF_ERROR(FinishMoves(config_, layout_.ehr_pull_state, &state_));
    // Done with the job (IG: the client should DELETE once it has the files); best effort.
    DeleteJob(status_url);
    // Only error files are left; a failure here is mended when the next export starts.
    (void)EmptyStaging(staging);
    return Status::Ok();
  }

  // Every file of the manifest into staging, `concurrency` at a time, each checked once whole.
  Status DownloadAll(const BulkManifest& manifest, const std::vector<Planned>& files,
                     const fs::path& staging, BulkClient::Outcome* outcome) {
    const bool with_token = manifest.requires_access_token;
    std::atomic<size_t> next{0};
    std::mutex mu;
    Status first = Status::Ok();
    BulkClient::Outcome first_outcome = BulkClient::Outcome::kOk;
    PullOptions::Progress progress;
    progress.downloading = true;
    progress.files_total = files.size();
    auto tell = [&](size_t files_done, uint64_t bytes) {
      std::lock_guard<std::mutex> lock(mu);
      progress.files_done += files_done;
      progress.bytes += bytes;
      report_->bytes += bytes;
      if (options_.progress) options_.progress(progress);
    };
    auto worker = [&](BulkClient* client) {
      for (;;) {
        {
          std::lock_guard<std::mutex> lock(mu);
          if (!first.ok()) return;
        }
        const size_t i = next.fetch_add(1);
        if (i >= files.size()) return;
        BulkClient::Outcome o = BulkClient::Outcome::kOk;
        const Status st = One(client, files[i], with_token, staging, tell, &o);
        if (!st.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first.ok()) {
            first = st;
            first_outcome = o;
          }
          return;
        }
        tell(1, 0);
      }
    };
    const size_t threads =
        std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(ehr_.concurrency), files.size()));
    std::vector<std::unique_ptr<BulkClient>> clients(threads);
    std::vector<BulkCounts> counts(threads);
    for (size_t t = 1; t < threads; ++t) PORTAL_RETURN_IF_ERROR(NewClient(&counts[t], &clients[t]));
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker, clients[t].get());
    worker(client_.get());
    for (auto& th : pool) th.join();
    for (size_t t = 1; t < threads; ++t) {
      counts_.retries += counts[t].retries;
      counts_.waits.insert(counts_.waits.end(), counts[t].waits.begin(), counts[t].waits.end());
    }
    *outcome = first_outcome;
    return first;
  }

  // One file: downloaded (resumed if a part is there), checked, then renamed to its staged name.
  Status One(BulkClient* client, const Planned& p, bool with_token, const fs::path& staging,
             const std::function<void(size_t, uint64_t)>& tell, BulkClient::Outcome* outcome) {
    const fs::path done = staging / p.staged;
    const fs::path part = staging / (p.staged + ".part");
    std::error_code ec;
    const std::string where = p.list + "[" + std::to_string(p.index) + "] (" + p.file.type + ")";
    NdjsonCounts counts;
    if (!fs::exists(done, ec)) {
      PORTAL_RETURN_IF_ERROR(
          client
              ->Download(
                  p.file.url, with_token, part, [&](size_t n) { tell(0, n); }, outcome)
              .WithPrefix(where));
      const Status check = CheckNdjson(part, p.list == "deleted" ? "Bundle" : p.file.type, &counts);
      if (!check.ok()) {
        fs::remove(part, ec);  // A rerun downloads it again rather than trusting it.
        return check.WithPrefix(where);
      }
      fs::rename(part, done, ec);
      if (ec) return Status::IoError(done.string() + ": cannot rename: " + ec.message());
    } else {
      PORTAL_RETURN_IF_ERROR(
          CheckNdjson(done, p.list == "deleted" ? "Bundle" : p.file.type, &counts)
              .WithPrefix(where));
    }
    std::lock_guard<std::mutex> lock(counts_mu_);
    if (p.list == "deleted") {
      report_->deletions += counts.bundle_deletions;
    } else if (p.list == "output") {
      report_->resources[p.file.type] += counts.lines;
    }
    return Status::Ok();
  }

  // error[] files: OperationOutcomes counted by severity/code, never their text.
  Status ReadErrorFiles(const std::vector<Planned>& files, const fs::path& staging) {
    for (const auto& p : files) {
      if (p.list != "error") continue;
      ++report_->error_files;
      std::ifstream in(staging / p.staged, std::ios::binary);
      std::string line;
      while (std::getline(in, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const OutcomeIssues issues = ReadOperationOutcome(line);
        if (issues.words.empty()) ++report_->error_issues["unreadable"];
        for (const auto& w : issues.words) ++report_->error_issues[w];
      }
    }
    return Status::Ok();
  }

  void Count() {
    report_->retries += counts_.retries;
    report_->polls += counts_.polls;
    report_->progress = counts_.progress;
    if (token_ != nullptr) report_->tokens = token_->requests();
  }

  const PortalConfig& config_;
  const PortalConfig::Ehr& ehr_;
  const Clock& clock_;
  const PullOptions& options_;
  const StateLayout layout_;
  PullReport* report_;
  PullState state_;
  std::vector<std::string> types_;
  std::unique_ptr<SmartToken> token_;
  BulkCounts counts_;
  std::unique_ptr<BulkClient> client_;
  std::mutex counts_mu_;
};

}  // namespace

std::string PulledFileName(const std::string& transaction_time, size_t index,
                           const std::string& type) {
  int64_t t = 0;
  char stamp[32] = "unknown";
  if (ParseFhirInstant(transaction_time, &t)) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    if (gmtime_r(&tt, &tm) != nullptr) std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
    // Milliseconds too (the instant's fraction, 3 digits), so two exports a second apart or
    // less do not share names.
    std::string ms = "000";
    const size_t dot = transaction_time.find('.', 19);
    for (size_t i = 0; dot != std::string::npos && i < 3; ++i) {
      const char c = dot + 1 + i < transaction_time.size() ? transaction_time[dot + 1 + i] : '0';
      ms[i] = c >= '0' && c <= '9' ? c : '0';
      if (c < '0' || c > '9') break;
    }
    std::strcat(stamp, ("." + ms + "Z").c_str());
  }
  char number[16];
  std::snprintf(number, sizeof number, "%04zu", index);
  return std::string("ehr-") + stamp + "-" + number + "-" + type + ".ndjson";
}

Status Pull(const PortalConfig& config, const Clock& clock, const PullOptions& options,
            PullReport* report) {
  *report = PullReport();
  if (options.from == PullOptions::From::kSince) {
    int64_t t = 0;
    if (!ParseFhirInstant(options.since, &t)) {
      return Status::InvalidInput("--since: not a FHIR instant (e.g. 2026-12-01T00:00:00Z)");
    }
  }
  std::error_code ec;
  if (!fs::is_directory(config.paths.extracts_dir, ec)) {
    return Status::InvalidInput(config.paths.extracts_dir.string() +
                                ": extract folder (paths.extracts_dir) does not exist");
  }
  return PullRun(config, clock, options, report).Run();
}

Status CommitPulledExtracts(const PortalConfig& config, std::string* committed,
                            size_t* waiting_files) {
  const StateLayout layout(config.paths.state_dir);
  PullState state;
  PORTAL_RETURN_IF_ERROR(LoadPullState(layout.ehr_pull_state, &state));
  return CommitPending(config, layout.ehr_pull_state, &state, committed, waiting_files);
}

std::string PullReport::ToJson() const {
  nlohmann::json j = {
      {"committed", committed},
      {"since", since},
      {"transaction_time", transaction_time},
      {"waiting_files", waiting_files},
      {"files", files},
      {"bytes", bytes},
      {"resources", resources},
      {"deletions", deletions},
      {"error_files", error_files},
      {"error_issues", error_issues},
      {"retries", retries},
      {"polls", polls},
      {"restarts", restarts},
      {"delete_failures", delete_failures},
      {"tokens", tokens},
  };
  return j.dump();
}

std::string PullReport::Line() const {
  int64_t resources_total = 0;
  for (const auto& [type, n] : resources) resources_total += n;
  std::string line = std::to_string(files) + " files, " + std::to_string(resources_total) +
                     " resources, " + std::to_string(deletions) + " deletions, " +
                     std::to_string(bytes) + " bytes; " + std::to_string(error_files) +
                     " error files; " + std::to_string(retries) + " retries, " +
                     std::to_string(restarts) + " restarts";
  line += since.empty() ? "; everything" : "; since " + since;
  if (!transaction_time.empty()) line += ", as of " + transaction_time;
  return line;
}

}  // namespace portal
