// oneDNN plumbing for the cpu backend: the engine and stream one backend owns (shared by its
// kernels, so a kernel never outlives them), plain row-major memory descriptors for our
// contiguous tensors, user memories whose data handle is re-pointed on every run, a wrapper
// that turns a dnnl::error thrown while building primitives into an error value, and the
// kernel shape most families share (one primitive from in[0] to out[0]).
#pragma once
#include "backends/cpu/layout.h"
#include "backends/kernel_util.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace llie::cpu {

using kernels::Dims;

struct CpuContext {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};

  /// Scratch shared by every kernel of the backend: kernels run one at a time, so the blocked
  /// copies a kernel needs only during its run() (the gradient and transposed convolutions'
  /// tensors in oneDNN's layout; a conv's workspace when it runs outside an executor, which
  /// otherwise plans it into its arena) live in a few grow-only buffers instead of a private
  /// buffer per kernel. The pointer may change when another kernel grows the slot, so ask for
  /// it in every run().
  void* scratch(size_t slot, size_t bytes) {
    Scratch& s = scratch_[slot];
    if (bytes > s.bytes) {
      size_t rounded = (bytes + 63) / 64 * 64;
      std::free(s.p);
      meter.sub(s.rounded);
      s.p = std::aligned_alloc(64, rounded);
      meter.add(rounded);
      s.bytes = bytes;
      s.rounded = rounded;
    }
    return s.p;
  }
  /// Called by prepare() for every scratch(slot, bytes) the kernel's run() will make, so that
  /// the working memory is known before anything runs.
  void reserveScratch(size_t slot, size_t bytes) {
    reserved_[slot] = std::max(reserved_[slot], (bytes + 63) / 64 * 64);
  }
  /// Memory a kernel keeps for its own lifetime (a conv's fixed weights in oneDNN's layout),
  /// metered and counted as working memory like the scratch; give it back with unkeep().
  void* keep(size_t bytes) {
    size_t rounded = (bytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, rounded);
    meter.add(rounded);
    kept_ += rounded;
    return p;
  }
  void unkeep(void* p, size_t bytes) {
    size_t rounded = (bytes + 63) / 64 * 64;
    std::free(p);
    meter.sub(rounded);
    kept_ -= rounded;
  }
  /// What the slots will hold once every prepared kernel has run, plus what kernels keep.
  size_t scratchReserved() const {
    size_t total = kept_;
    for (size_t i = 0; i < scratch_.size(); ++i)
      total += std::max(reserved_[i], scratch_[i].rounded);
    return total;
  }
  /// Counts the backend's allocations and the scratch slots together.
  MemoryMeter meter;
  /// Activation reorders the prepared kernels make per run (Backend::reordersPerRun).
  size_t reordersPerRun = 0;
  ~CpuContext() {
    for (auto& s : scratch_)
      std::free(s.p);
  }
  CpuContext() = default;
  CpuContext(const CpuContext&) = delete;
  CpuContext& operator=(const CpuContext&) = delete;

private:
  struct Scratch {
    void* p = nullptr;
    size_t bytes = 0;
    size_t rounded = 0;
  };
  std::array<Scratch, 3> scratch_;
  size_t kept_ = 0;
  std::array<size_t, 3> reserved_{};
};
using CtxPtr = std::shared_ptr<CpuContext>;

inline dnnl::memory::dims toDnnl(const Dims& d) {
  return dnnl::memory::dims(d.begin(), d.end());
}

/// Row-major f32 descriptor; a rank-0 shape is viewed as [1].
inline dnnl::memory::desc plainDesc(const Dims& shape) {
  Dims d = shape.empty() ? Dims{1} : shape;
  return dnnl::memory::desc(toDnnl(d), dnnl::memory::data_type::f32, toDnnl(kernels::stridesOf(d)));
}

/// A 4-D f32 tensor stored channels-last (NHWC), dims given in NCHW order as oneDNN wants.
inline dnnl::memory::desc nhwcDesc(const Dims& nchw) {
  return dnnl::memory::desc(toDnnl(nchw), dnnl::memory::data_type::f32,
                            dnnl::memory::format_tag::nhwc);
}

/// A 4-D activation as the cpu backend's training kernels store it (layout.h): NHWC or plain.
inline dnnl::memory::desc activationDesc(const Dims& nchw, bool channelsLast) {
  return channelsLast ? nhwcDesc(nchw) : plainDesc(nchw);
}

/// A 4-D activation in any of the cpu backend's layouts (layout.h).
inline dnnl::memory::desc activationDesc(const Dims& nchw, Layout layout) {
  if (layout != Layout::Blocked16) return activationDesc(nchw, layout == Layout::Nhwc);
  return dnnl::memory::desc(toDnnl(nchw), dnnl::memory::data_type::f32,
                            dnnl::memory::format_tag::nChw16c);
}

/// "Let the primitive choose" descriptor (format_tag::any).
inline dnnl::memory::desc anyDesc(const Dims& shape) {
  return dnnl::memory::desc(toDnnl(shape), dnnl::memory::data_type::f32,
                            dnnl::memory::format_tag::any);
}

/// oneDNN's first implementation whose name contains `want` (when `want` is not empty), else its
/// first one: a primitive descriptor of type PD built from `args` (its constructor's; the op
/// descriptor among them must outlive the call, since the iteration reads it).
template <class PD, class... Args> PD pickImpl(const std::string& want, const Args&... args) {
  PD pd(args...);
  if (want.empty()) return pd;
  do {
    if (std::string(pd.impl_info_str()).find(want) != std::string::npos) return pd;
  } while (pd.next_impl());
  return PD(args...);
}

/// A memory over a caller buffer, bound at run time with bind().
inline dnnl::memory userMemory(const dnnl::memory::desc& md, const CpuContext& ctx) {
  return dnnl::memory(md, ctx.eng, DNNL_MEMORY_NONE);
}
inline void bind(dnnl::memory& m, const void* p) {
  m.set_data_handle(const_cast<void*>(p));
}

/// Runs `build` (which creates descriptors and primitives); a dnnl::error becomes an error
/// value naming the op and what oneDNN said.
template <class F> Status dnnlBuild(const Node& n, F&& build) {
  try {
    build();
    return Status::ok();
  } catch (const dnnl::error& e) {
    return Status::error(std::string("oneDNN could not build a kernel for '") + opName(n.op) +
                             "': " + e.what(),
                         n.span());
  }
}

/// Runs `build` as dnnlBuild does and then hands `k` back as the node's kernel (or the error).
template <class K, class F>
Expected<std::unique_ptr<Kernel>> finishKernel(const Node& n, std::unique_ptr<K>& k, F&& build) {
  Status st = dnnlBuild(n, std::forward<F>(build));
  if (!st.isOk()) return st;
  return std::unique_ptr<Kernel>(std::move(k));
}

/// One primitive from src = in[0] to dst = out[0], both re-bound on every run.
class SrcDstKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::primitive prim;
  dnnl::memory src, dst;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    bind(src, in[0]->data);
    bind(dst, out[0]->data);
    prim.execute(ctx->strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    ctx->strm.wait();
  }
};

/// Builds `k` (its ctx set) around the primitive Prim made from `makeDesc()`, a Prim::desc over
/// plain src and dst descriptors: the kernel, or oneDNN's complaint as an error value.
template <class Prim, class K, class MakeDesc>
Expected<std::unique_ptr<Kernel>> srcDstKernel(const Node& n, std::unique_ptr<K> k,
                                               MakeDesc&& makeDesc) {
  return finishKernel(n, k, [&] {
    typename Prim::primitive_desc pd(makeDesc(), k->ctx->eng);
    k->prim = Prim(pd);
    k->src = userMemory(pd.src_desc(), *k->ctx);
    k->dst = userMemory(pd.dst_desc(), *k->ctx);
  });
}
template <class Prim, class MakeDesc>
Expected<std::unique_ptr<Kernel>> srcDstKernel(const Node& n, const CtxPtr& ctx,
                                               MakeDesc&& makeDesc) {
  auto k = std::make_unique<SrcDstKernel>();
  k->ctx = ctx;
  return srcDstKernel<Prim>(n, std::move(k), std::forward<MakeDesc>(makeDesc));
}

/// An epilogue activation as oneDNN's eltwise algorithm and its alpha, beta (none: nothing).
struct EltwiseOp {
  dnnl::algorithm alg;
  float alpha, beta;
};
inline std::optional<EltwiseOp> epilogueEltwise(Epilogue e, float alpha) {
  using A = dnnl::algorithm;
  switch (e) {
  case Epilogue::None:
    return std::nullopt;
  case Epilogue::Relu:
    return EltwiseOp{A::eltwise_relu, 0.f, 0.f};
  case Epilogue::Relu6:
    return EltwiseOp{A::eltwise_clip, 0.f, 6.f};
  case Epilogue::Sigmoid:
    return EltwiseOp{A::eltwise_logistic, 0.f, 0.f};
  case Epilogue::Tanh:
    return EltwiseOp{A::eltwise_tanh, 0.f, 0.f};
  case Epilogue::LeakyRelu:
    return EltwiseOp{A::eltwise_relu, alpha, 0.f};
  }
  return std::nullopt;
}

/// Post-op for an epilogue activation (none appends nothing).
inline void appendEpilogue(dnnl::post_ops& po, Epilogue e, float alpha) {
  if (auto op = epilogueEltwise(e, alpha)) po.append_eltwise(1.f, op->alg, op->alpha, op->beta);
}

/// An epilogue activation as a primitive of its own, run in place over a tensor `md` (for a
/// kernel whose computation does not take it as a post-op); none for Epilogue::None.
inline std::optional<dnnl::eltwise_forward>
epiloguePrimitive(Epilogue e, float alpha, const dnnl::memory::desc& md, const dnnl::engine& eng) {
  const std::optional<EltwiseOp> op = epilogueEltwise(e, alpha);
  if (!op) return std::nullopt;
  return dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(
      dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, op->alg, md, op->alpha,
                                  op->beta),
      eng));
}

} // namespace llie::cpu
