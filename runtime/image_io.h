// Image files <-> tensors for the enhance command and tests: PNG/JPEG/BMP decoding and PNG
// encoding (stb_image / stb_image_write), directory listing, and the reflect-pad / crop pair that
// lets a U-Net whose input must be a multiple of 2^k run on any image size.
// Images in memory are [1, 3, H, W] f32 RGB in [0, 1], planar (NCHW).
#pragma once
#include "compiler/support/status.h"
#include "runtime/tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llie {

/// Decodes a PNG, JPEG or BMP file into [1, 3, H, W] f32 in [0, 1] (8-bit values v become v/255,
/// 16-bit PNGs v/65535). Gray images are expanded to 3 equal channels, alpha is dropped (not
/// composited), EXIF orientation is ignored. Errors name the file and stb's reason.
Expected<HostTensor> loadImage(const std::string& path);

/// Encodes an f32 image of shape [1, C, H, W] or [C, H, W] (C = 3: RGB, C = 1: gray) as an
/// 8-bit PNG: values are clamped to [0, 1] (NaN -> 0) and rounded as floor(x·255 + 0.5).
/// The file is replaced atomically.
Status savePng(const std::string& path, const HostTensor& img);

/// The images to process for a path: a directory gives its .png/.jpg/.jpeg/.bmp files (extension
/// case-insensitive, not recursive, dot-files skipped) sorted by name; a file gives itself when it
/// has one of those extensions. Missing paths, other files and directories holding no image are
/// errors.
Expected<std::vector<std::string>> listImages(const std::string& dirOrFile);

/// Pads the last two axes of x (any dtype, rank >= 2) at the bottom and on the right up to the
/// next multiple of `multiple`, mirroring without repeating the edge (PyTorch 'reflect': row H
/// is row H-2). PyTorch refuses pads >= the size; here a larger pad keeps bouncing between the
/// edges (…, H-2, H-1, H-2, …, 0, 1, …), which is what repeated reflect padding gives; a size-1
/// axis is replicated. padBottom / padRight receive the amounts added (0 when already a
/// multiple, when multiple <= 1, or when the tensor is empty).
HostTensor padReflectToMultiple(const HostTensor& x, int64_t multiple, int64_t& padBottom,
                                int64_t& padRight);

/// The top-left H×W window of the last two axes (undoes padReflectToMultiple). Requires
/// 0 <= H <= x's height and 0 <= W <= x's width.
HostTensor cropTo(const HostTensor& x, int64_t H, int64_t W);

} // namespace llie
