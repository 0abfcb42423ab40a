// initParam: one generator per parameter, Rng::forName(seed, name), then the rule's
// distribution computed in double and rounded to the tensor's dtype.
#include "runtime/init.h"

#include "runtime/rng.h"

#include <cmath>
#include <cstring>

namespace llie {

double kaimingUniformBound(int64_t fanIn) {
  const double a = std::sqrt(5.0);
  const double gain = std::sqrt(2.0 / (1.0 + a * a));
  const double stddev = gain / std::sqrt(static_cast<double>(fanIn));
  return std::sqrt(3.0) * stddev;
}

namespace {

template <class T, class Gen> void fillWith(HostTensor& t, Gen&& gen) {
  const int64_t n = t.numel();
  auto* p = reinterpret_cast<T*>(t.storage.data());
  for (int64_t i = 0; i < n; ++i)
    p[i] = static_cast<T>(gen());
}

template <class Gen> void fillFloat(HostTensor& t, Gen&& gen) {
  if (t.dtype == DType::F64)
    fillWith<double>(t, gen);
  else
    fillWith<float>(t, gen);
}

void fillConstant(HostTensor& t, double v) {
  auto gen = [v] { return v; };
  switch (t.dtype) {
  case DType::F32:
    fillWith<float>(t, gen);
    break;
  case DType::F64:
    fillWith<double>(t, gen);
    break;
  case DType::I32:
    fillWith<int32_t>(t, [v] { return std::llround(v); });
    break;
  case DType::I64:
    fillWith<int64_t>(t, [v] { return std::llround(v); });
    break;
  case DType::Bool:
    fillWith<uint8_t>(t, [v] { return v != 0.0 ? 1 : 0; });
    break;
  case DType::C64: { // real part v, imaginary 0
    auto* p = reinterpret_cast<float*>(t.storage.data());
    for (int64_t i = 0; i < t.numel(); ++i)
      p[2 * i] = static_cast<float>(v), p[2 * i + 1] = 0.f;
    break;
  }
  }
}

} // namespace

Status initParam(HostTensor& t, const ParamAttrs& a, uint64_t seed) {
  const std::string what = "cannot initialise parameter '" + a.name + "': ";
  if (t.storage.size() != static_cast<size_t>(t.numel()) * dtypeSize(t.dtype))
    return Status::error(what + "storage does not match its shape");
  switch (a.init) {
  case InitKind::Zeros:
    fillConstant(t, 0.0);
    return Status::ok();
  case InitKind::Ones:
    fillConstant(t, 1.0);
    return Status::ok();
  case InitKind::Constant:
    fillConstant(t, a.value);
    return Status::ok();
  default:
    break;
  }
  const char* rule = EnumNames<InitKind>::names[static_cast<size_t>(a.init)];
  if (t.dtype != DType::F32 && t.dtype != DType::F64)
    return Status::error(what + rule + " needs an f32 or f64 tensor, not " + dtypeName(t.dtype));
  Rng rng = Rng::forName(seed, a.name);
  switch (a.init) {
  case InitKind::KaimingUniform:
  case InitKind::UniformFanIn: {
    if (a.fanIn <= 0)
      return Status::error(what + rule + " needs a positive fan_in, got " +
                           std::to_string(a.fanIn));
    const double b = a.init == InitKind::KaimingUniform
                         ? kaimingUniformBound(a.fanIn)
                         : 1.0 / std::sqrt(static_cast<double>(a.fanIn));
    fillFloat(t, [&] { return rng.uniform(-b, b); });
    return Status::ok();
  }
  case InitKind::Normal: {
    const double sigma = a.value;
    if (!(sigma >= 0.0) || !std::isfinite(sigma))
      return Status::error(what + "normal needs a finite standard deviation >= 0");
    fillFloat(t, [&] { return sigma * rng.normal(); });
    return Status::ok();
  }
  default:
    break;
  }
  return Status::error(what + "unknown init rule");
}

} // namespace llie
