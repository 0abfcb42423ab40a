// Data augmentation and batching for training: a seeded random crop, horizontal/vertical flips
// and 90-degree rotations applied identically to both images of a pair (so pixel (y, x) of low
// still corresponds to pixel (y, x) of high), and a collator that stacks samples into batches.
// Random choices come from a caller-supplied Rng, so a fixed seed gives fixed batches.
#pragma once
#include "runtime/data/dataset.h"
#include "runtime/rng.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llie::data {

struct AugmentOptions {
  int64_t cropH = 0, cropW = 0; ///< 0 = no crop (both 0 or both > 0)
  bool hflip = true;            ///< mirror left-right with probability 1/2
  bool vflip = true;            ///< mirror top-bottom with probability 1/2
  /// Rotate by k·90° counter-clockwise, k uniform in {0,1,2,3}. When the (cropped) image is not
  /// square only k in {0, 2} is used, so every sample of a batch keeps its shape.
  bool rot90 = true;
};

/// The window [y, y+h) x [x, x+w) of the last two axes of an [N, C, H, W] tensor.
HostTensor cropWindow(const HostTensor& t, int64_t y, int64_t x, int64_t h, int64_t w);
/// out(y, x) = in(y, W-1-x).
HostTensor flipHorizontal(const HostTensor& t);
/// out(y, x) = in(H-1-y, x).
HostTensor flipVertical(const HostTensor& t);
/// Counter-clockwise by k·90° as numpy.rot90(t, k, axes=(-2, -1)); for k = 1 the output has
/// shape [.., W, H] and out(i, j) = in(j, W-1-i).
HostTensor rotate90(const HostTensor& t, int k);

/// Applies one random crop / flip / rotation to s.low and (when not empty) s.high. Errors: the
/// two images differ in size, or the image is smaller than the crop (message names the sample
/// and both sizes). Draws from rng in a fixed order (crop y, crop x, hflip, vflip, rotation).
Expected<Sample> augment(Sample s, const AugmentOptions& opt, Rng& rng);

/// A training batch: low and high are [N, 3, h, w] (high empty for unpaired data).
struct Batch {
  HostTensor low;
  HostTensor high;
  std::vector<std::string> names;
  int64_t epoch = 0; ///< set by the loader
  int64_t step = 0;  ///< index of the batch in the loader's stream
};

/// Stacks samples along N. Errors: no samples, differing shapes (naming the samples), or a mix
/// of paired and unpaired samples.
Expected<Batch> collate(const std::vector<Sample>& samples);

} // namespace llie::data
