// Concrete tensors on the host: a dtype, a concrete NCHW (row-major, contiguous) shape and a
// buffer. `Tensor` is a non-owning view handed to kernels; `HostTensor` owns its storage and is
// what weights files, images and tests use.
#pragma once
#include "compiler/ir/types.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace llie {

inline int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (auto d : shape)
    n *= d;
  return n;
}

/// The sizes of a constant (specialised) shape.
inline std::vector<int64_t> concreteShape(const TensorType& t) {
  std::vector<int64_t> s;
  for (auto& d : t.shape) s.push_back(d.off);
  return s;
}

/// A view of a contiguous row-major buffer. The backend owns the memory.
struct Tensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  void* data = nullptr;
  int64_t numel() const { return llie::numel(shape); }
  size_t bytes() const { return static_cast<size_t>(numel()) * dtypeSize(dtype); }
  float* f32() const { return static_cast<float*>(data); }
};

/// An owning host tensor (f32 unless said otherwise).
struct HostTensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> storage;

  HostTensor() = default;
  HostTensor(std::vector<int64_t> s, DType t = DType::F32)
      : dtype(t), shape(std::move(s)), storage(llie::numel(shape) * dtypeSize(t)) {}
  int64_t numel() const { return llie::numel(shape); }
  float* f32() { return reinterpret_cast<float*>(storage.data()); }
  const float* f32() const { return reinterpret_cast<const float*>(storage.data()); }
  Tensor view() { return Tensor{dtype, shape, storage.data()}; }
  Tensor view() const { return Tensor{dtype, shape, const_cast<uint8_t*>(storage.data())}; }
};

} // namespace llie
