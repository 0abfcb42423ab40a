// Reading and writing weights in the safetensors format
// (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N, N bytes of
// JSON
//   {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}}
// (optionally padded with spaces), then the data buffer; offsets are relative to its start and
// the tensors must tile it exactly (no holes, no overlaps), as the reference implementation
// demands. Supported dtypes: F32, F64, I32, I64, BOOL; F16 and BF16 are converted to F32 on read
// (half-precision PyTorch checkpoints). Every inconsistency is reported as
// "weights file '<path>': <what is wrong>"; nothing here aborts on a bad file.
#pragma once
#include "compiler/support/status.h"
#include "runtime/tensor.h"

#include <map>
#include <string>

namespace llie {

/// The contents of one safetensors file.
struct TensorFile {
  std::map<std::string, HostTensor> tensors;
  std::map<std::string, std::string> metadata; ///< the optional "__metadata__" string map
};

/// Reads and validates a whole file.
Expected<TensorFile> readSafetensors(const std::string& path);

/// Writes `file` atomically (temp + fsync + rename): "__metadata__" first, tensors in sorted name
/// order, data packed back to back, the header padded with spaces to a multiple of 8 bytes like
/// the reference writer. Tensors must be F32, F64, I32, I64 or Bool with storage matching their
/// shape; otherwise an error is returned and nothing is written.
Status writeSafetensors(const std::string& path, const TensorFile& file);

/// The safetensors dtype name for a DType ("F32", ...), or nullptr when it has none (C64).
const char* safetensorsDtypeName(DType t);

} // namespace llie
