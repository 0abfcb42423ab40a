// The prefetching loader: epoch orders, per-sample random streams, and the worker thread with
// its bounded queue (see loader.h).
#include "runtime/data/loader.h"

namespace llie::data {

namespace {

/// A well-mixed 64-bit seed for (seed, a, b).
uint64_t mix(uint64_t seed, uint64_t a, uint64_t b) {
  uint64_t s = seed;
  uint64_t h = splitmix64(s) ^ (a * 0x9E3779B97F4A7C15ull);
  h = splitmix64(h) ^ (b * 0xD1B54A32D192ED03ull);
  return splitmix64(h);
}

} // namespace

Expected<std::unique_ptr<Loader>> Loader::create(std::shared_ptr<const Dataset> data,
                                                 LoaderOptions opt) {
  if (!data || data->size() == 0) return Status::error("loader: the dataset is empty");
  if (opt.batchSize < 1) return Status::error("loader: batch size must be at least 1");
  if (opt.prefetch < 1) return Status::error("loader: prefetch must be at least 1");
  if (opt.startStep < 0) return Status::error("loader: the start step must not be negative");
  if (opt.synthesizeLow && data->paired())
    return Status::error("loader: synthetic darkening needs an unpaired folder of normal photos");
  const int64_t n = static_cast<int64_t>(data->size());
  const int64_t perEpoch = opt.dropLast ? n / opt.batchSize : (n + opt.batchSize - 1) / opt.batchSize;
  if (perEpoch == 0)
    return Status::error("loader: " + std::to_string(n) + " samples make no full batch of " +
                         std::to_string(opt.batchSize) + " (lower the batch size or keep the last "
                         "partial batch)");
  return std::unique_ptr<Loader>(new Loader(std::move(data), opt, perEpoch));
}

Loader::Loader(std::shared_ptr<const Dataset> data, LoaderOptions opt, int64_t perEpoch)
    : data_(std::move(data)), opt_(opt), perEpoch_(perEpoch) {
  worker_ = std::thread([this] { run(); });
}

Loader::~Loader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

std::vector<size_t> Loader::epochOrder(int64_t epoch) const {
  std::vector<size_t> order(data_->size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  if (opt_.shuffle) { // Fisher-Yates from the epoch's stream
    Rng rng(mix(opt_.seed, 0x5EED0000ull, static_cast<uint64_t>(epoch)));
    for (size_t i = order.size(); i > 1; --i)
      std::swap(order[i - 1], order[rng.next() % i]);
  }
  return order;
}

Expected<Batch> Loader::batchAt(int64_t step) const {
  const int64_t epoch = step / perEpoch_, b = step % perEpoch_;
  const std::vector<size_t> order = epochOrder(epoch);
  const int64_t n = static_cast<int64_t>(order.size());
  const int64_t begin = b * opt_.batchSize, end = std::min(n, begin + opt_.batchSize);
  std::vector<Sample> samples;
  for (int64_t pos = begin; pos < end; ++pos) {
    const size_t idx = order[pos];
    LLIE_ASSIGN_OR_RETURN(Sample s, data_->load(idx));
    if (opt_.synthesizeLow) {
      s.high = std::move(s.low);
      s.low = s.high; // same shape; replaced after augmentation
    }
    Rng rng(mix(opt_.seed, static_cast<uint64_t>(epoch) + 1, static_cast<uint64_t>(pos)));
    LLIE_ASSIGN_OR_RETURN(s, augment(std::move(s), opt_.augment, rng));
    if (opt_.synthesizeLow)
      s.low = synthesizeLowLight(s.high, opt_.synthetic, mix(opt_.seed, 0xDA4Cull, epoch), idx);
    samples.push_back(std::move(s));
  }
  LLIE_ASSIGN_OR_RETURN(Batch batch, collate(samples));
  batch.epoch = epoch;
  batch.step = step;
  return batch;
}

void Loader::run() {
  for (int64_t step = opt_.startStep;; ++step) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || static_cast<int64_t>(queue_.size()) < opt_.prefetch; });
      if (stop_) break;
    }
    Expected<Batch> batch = batchAt(step);
    const bool ok = batch.ok();
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(batch));
      if (!ok) workerDone_ = true;
    }
    cv_.notify_all();
    if (!ok) return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  workerDone_ = true;
}

Expected<Batch> Loader::next() {
  std::unique_lock<std::mutex> lock(mu_);
  if (failed_) return *failed_;
  cv_.wait(lock, [&] { return !queue_.empty() || workerDone_; });
  if (queue_.empty()) return Status::error("loader: the worker has stopped");
  Expected<Batch> batch = std::move(queue_.front());
  queue_.pop_front();
  if (!batch.ok()) failed_ = std::make_unique<Status>(batch.status());
  lock.unlock();
  cv_.notify_all();
  return batch;
}

} // namespace llie::data
