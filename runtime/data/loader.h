// A background prefetching data loader for training. A worker thread prepares the next batches
// (load -> optional synthetic darkening -> augment -> collate) into a bounded queue while the
// caller trains on the current one. The stream is an endless sequence of epochs; each epoch
// visits the dataset in an order shuffled from (seed, epoch). Every random choice is drawn from
// a stream fixed by (seed, epoch, position), and one worker builds batches strictly in order, so
// the batches are identical for a seed whatever the timing. An error in the worker (a corrupt
// file, a too-small image) is returned by next() in the batch's place, and every later call.
#pragma once
#include "runtime/data/augment.h"
#include "runtime/data/dataset.h"
#include "runtime/data/synthetic.h"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace llie::data {

struct LoaderOptions {
  int64_t batchSize = 8;
  AugmentOptions augment;  ///< crop size, flips, rotations
  /// The dataset holds normal photos (an unpaired set): each sample's image becomes `high` and
  /// `low` is made from it by the synthetic model (after augmentation; fresh noise every epoch).
  bool synthesizeLow = false;
  SyntheticParams synthetic;
  uint64_t seed = 0;
  bool shuffle = true;
  bool dropLast = true;    ///< drop an epoch's final partial batch (else it is smaller)
  int64_t prefetch = 2;    ///< batches prepared ahead (queue bound), >= 1
  /// The first batch next() returns is batch `startStep` of the stream (a resumed training run
  /// continues where it stopped: batch k is the same whatever the starting point), >= 0.
  int64_t startStep = 0;
};

class Loader {
public:
  /// Checks the options (batch size >= 1, prefetch >= 1, at least one batch per epoch,
  /// synthesizeLow only for an unpaired set) and starts the worker.
  static Expected<std::unique_ptr<Loader>> create(std::shared_ptr<const Dataset> data,
                                                  LoaderOptions opt);
  ~Loader(); ///< stops and joins the worker (prepared batches are dropped)
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  /// The next batch of the stream (blocks until it is ready), or the worker's error. The first
  /// call returns batch opt.startStep.
  Expected<Batch> next();
  int64_t batchesPerEpoch() const { return perEpoch_; }
  /// Builds batch `step` of the stream on the calling thread (what the step-th next() returns).
  Expected<Batch> batchAt(int64_t step) const;
  /// The dataset indices visited in `epoch`, in order.
  std::vector<size_t> epochOrder(int64_t epoch) const;

private:
  Loader(std::shared_ptr<const Dataset> data, LoaderOptions opt, int64_t perEpoch);
  void run();

  std::shared_ptr<const Dataset> data_;
  LoaderOptions opt_;
  int64_t perEpoch_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Expected<Batch>> queue_;
  bool stop_ = false;
  bool workerDone_ = false;
  std::unique_ptr<Status> failed_; // set once next() has handed out an error
  std::thread worker_;
};

} // namespace llie::data
