#include "generator/records/extract_pipeline.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace portal {

namespace {

constexpr size_t kBatch = 512;
constexpr size_t kMaxBatches = 8;

// One call the reader made on its sink, to be replayed.
struct Item {
  enum class Kind { kResource, kSkippedType, kDeletion, kError } kind;
  FhirResource resource;  // Resource; the type of a skipped one; the partial one of an Error.
  std::string mrn;        // Resource: Patient's MRN. Deletion: unused.
  std::string origin;
  Status problem;  // Error.
};

// A bounded queue of batches between the reading thread and the storing thread.
class BatchQueue {
 public:
  void Push(std::vector<Item> batch) {
    std::unique_lock<std::mutex> lock(mu_);
    space_.wait(lock, [&] { return batches_.size() < kMaxBatches; });
    batches_.push_back(std::move(batch));
    ready_.notify_one();
  }
  bool Pop(std::vector<Item>* batch) {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [&] { return !batches_.empty() || done_; });
    if (batches_.empty()) return false;
    *batch = std::move(batches_.front());
    batches_.pop_front();
    space_.notify_one();
    return true;
  }
  void Done() {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    ready_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<std::vector<Item>> batches_;
  bool done_ = false;
};

// The reading thread's sink: records calls in batches.
class Recorder : public ExtractSink {
 public:
  explicit Recorder(BatchQueue* queue) : queue_(queue) { batch_.reserve(kBatch); }

  void Resource(FhirResource resource, std::string mrn, const std::string& origin) override {
    Add({Item::Kind::kResource, std::move(resource), std::move(mrn), origin, Status()});
  }
  void SkippedType(const std::string& type, const std::string& origin) override {
    FhirResource r;
    r.type = type;
    Add({Item::Kind::kSkippedType, std::move(r), "", origin, Status()});
  }
  void Deletion(const std::string& type, const std::string& id,
                const std::string& origin) override {
    FhirResource r;
    r.type = type;
    r.id = id;
    Add({Item::Kind::kDeletion, std::move(r), "", origin, Status()});
  }
  void Error(const Status& problem, const FhirResource& partial,
             const std::string& origin) override {
    Add({Item::Kind::kError, partial, "", origin, problem});
  }
  void Flush() {
    if (!batch_.empty()) queue_->Push(std::move(batch_));
    batch_ = std::vector<Item>();
    batch_.reserve(kBatch);
  }

 private:
  void Add(Item item) {
    batch_.push_back(std::move(item));
    if (batch_.size() >= kBatch) Flush();
  }

  BatchQueue* queue_;
  std::vector<Item> batch_;
};

void Replay(Item& item, ExtractSink* sink) {
  switch (item.kind) {
    case Item::Kind::kResource:
      sink->Resource(std::move(item.resource), std::move(item.mrn), item.origin);
      break;
    case Item::Kind::kSkippedType:
      sink->SkippedType(item.resource.type, item.origin);
      break;
    case Item::Kind::kDeletion:
      sink->Deletion(item.resource.type, item.resource.id, item.origin);
      break;
    case Item::Kind::kError:
      sink->Error(item.problem, item.resource, item.origin);
      break;
  }
}

}  // namespace

Status ReadExtractsInBackground(const std::vector<std::filesystem::path>& paths,
                                const ExtractOptions& options, ExtractSink* sink) {
  BatchQueue queue;
  Status read_status;
  std::thread reader([&] {
    Recorder recorder(&queue);
    for (const auto& path : paths) {
      read_status = ReadExtract(path, options, &recorder);
      if (!read_status.ok()) break;
    }
    recorder.Flush();
    queue.Done();
  });
  std::vector<Item> batch;
  while (queue.Pop(&batch)) {
    for (Item& item : batch) Replay(item, sink);
  }
  reader.join();
  return read_status;
}

}  // namespace portal
