// Kernel tests of the FFT and complex ops: the cpu backend's FFTW kernels (rfft2, irfft2,
// rfft2_grad, irfft2_grad) against the reference backend's naive double DFT, both against
// PyTorch 1.13 (torch.fft.rfft2 / irfft2 and their autograd, via tests/backends/fft_reference.py;
// skipped when torch is not importable), on even and odd widths, batches of planes, and spectra
// that are not Hermitian-consistent; and the pointwise complex kernels (complex_abs/angle,
// polar, their gradients, c64 add) on both backends against the formulas written out in double.
#include "backends/backend.h"
#include "compiler/ops/shape_rules.h"
#include "tests/backends/backend_test_util.h"
#include "tests/runtime/tmp_dir.h"
#include "tests/testing/run.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <complex>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sys/wait.h>

namespace llie {
namespace {

using Dims = std::vector<int64_t>;

/// A graph of inputs of the given types feeding one `op` node; the outputs are typed by the
/// op's shape rule.
struct OneNode {
  Graph g;
  NodeId node = -1;
};

OneNode oneNode(OpKind op, Attrs a, const std::vector<TensorType>& ins) {
  OneNode o;
  std::vector<ValueId> vs;
  for (size_t i = 0; i < ins.size(); ++i)
    vs.push_back(o.g.add(OpKind::Input, InputAttrs{"in" + std::to_string(i)}, {}, ins[i]));
  auto outs = inferTypes(op, a, ins, o.g.symbols);
  EXPECT_TRUE(outs.ok()) << opName(op) << ": " << (outs.ok() ? "" : outs.status().message());
  if (outs.ok()) o.node = o.g.addNode(op, std::move(a), vs, *outs);
  return o;
}

/// Runs node `o` on backend `name` through the public Backend interface.
std::vector<HostTensor> run(const char* name, const OneNode& o, const std::vector<HostTensor>& in) {
  static auto cpu = createBackend("cpu"), ref = createBackend("reference");
  auto& be = std::string(name) == "cpu" ? cpu : ref;
  EXPECT_TRUE(be.ok());
  if (!be.ok()) return {};
  const Node& n = o.g.nodes[o.node];
  auto k = (*be)->prepare(o.g, n);
  EXPECT_TRUE(k.ok()) << name << " " << opName(n.op) << ": "
                      << (k.ok() ? "" : k.status().message());
  if (!k.ok()) return {};
  std::vector<Tensor> ins, outs;
  for (const HostTensor& h : in) {
    ins.push_back(h.view());
    ins.back().data = (*be)->allocate(h.storage.size());
    (*be)->copyIn(ins.back().data, h.storage.data(), h.storage.size());
  }
  for (ValueId v : n.outputs) {
    Tensor t{o.g.type(v).dtype, concreteShape(o.g.type(v)), nullptr};
    t.data = (*be)->allocate(t.bytes());
    outs.push_back(t);
  }
  std::vector<const Tensor*> ip;
  std::vector<Tensor*> op;
  for (auto& t : ins)
    ip.push_back(&t);
  for (auto& t : outs)
    op.push_back(&t);
  (*k)->run(ip, op);
  (*be)->synchronize();
  std::vector<HostTensor> r;
  for (auto& t : outs) {
    HostTensor h(t.shape, t.dtype);
    (*be)->copyOut(h.storage.data(), t.data, h.storage.size());
    r.push_back(std::move(h));
  }
  for (auto& t : ins)
    (*be)->release(t.data);
  for (auto& t : outs)
    (*be)->release(t.data);
  return r;
}

/// Floats in the tensor: 2 per element for c64.
int64_t floatsOf(const HostTensor& t) {
  return static_cast<int64_t>(t.storage.size() / sizeof(float));
}

HostTensor random(DType t, const Dims& shape, std::mt19937& rng, float lo = -1, float hi = 1) {
  HostTensor h(shape, t);
  std::uniform_real_distribution<float> u(lo, hi);
  for (int64_t i = 0; i < floatsOf(h); ++i)
    h.f32()[i] = u(rng);
  return h;
}

double maxAbs(const HostTensor& t) {
  double m = 0;
  for (int64_t i = 0; i < floatsOf(t); ++i)
    m = std::max(m, std::fabs(double(t.f32()[i])));
  return m;
}

double maxDiff(const HostTensor& a, const HostTensor& b) {
  EXPECT_EQ(a.shape, b.shape);
  EXPECT_EQ(a.dtype, b.dtype);
  if (a.storage.size() != b.storage.size()) return INFINITY;
  double m = 0;
  for (int64_t i = 0; i < floatsOf(a); ++i) {
    const double d = std::fabs(double(a.f32()[i]) - double(b.f32()[i]));
    m = std::isnan(d) ? INFINITY : std::max(m, d);
  }
  return m;
}

/// Max difference relative to the larger of 1 and the reference's largest magnitude.
double relErr(const HostTensor& got, const HostTensor& want) {
  return maxDiff(got, want) / std::max(1.0, maxAbs(want));
}

Dims spectrumShape(Dims real) {
  real.back() = real.back() / 2 + 1;
  return real;
}

FftAttrs sizeOf(const Dims& real) {
  return FftAttrs{{Dim::constant(real[real.size() - 2]), Dim::constant(real.back())}};
}

/// The node of one FFT op for the real shape `real`, and a random input for it (spectra are
/// arbitrary complex values, not Hermitian-consistent).
OneNode fftNode(OpKind op, const Dims& real) {
  const bool toComplex = op == OpKind::Rfft2 || op == OpKind::Irfft2Grad;
  if (toComplex) return oneNode(op, defaultAttrs(op), {bt::typed(real, DType::F32)});
  return oneNode(op, sizeOf(real), {bt::typed(spectrumShape(real), DType::C64)});
}

const OpKind kFftOps[] = {OpKind::Rfft2, OpKind::Irfft2, OpKind::Rfft2Grad, OpKind::Irfft2Grad};

TEST(FftKernels, CpuMatchesNaiveReference) {
  std::mt19937 rng(3);
  for (const Dims& real : {Dims{2, 3, 4, 6}, Dims{1, 2, 5, 7}, Dims{3, 8, 5}, Dims{1, 1, 1, 1},
                           Dims{2, 6, 1}, Dims{1, 2, 16, 12}}) {
    for (OpKind op : kFftOps) {
      OneNode o = fftNode(op, real);
      const TensorType& t = o.g.type(o.g.nodes[o.node].inputs[0]);
      HostTensor x = random(t.dtype, concreteShape(t), rng);
      auto cpu = run("cpu", o, {x});
      auto ref = run("reference", o, {x});
      ASSERT_EQ(cpu.size(), 1u);
      ASSERT_EQ(ref.size(), 1u);
      const double err = relErr(cpu[0], ref[0]);
      std::printf("  %-12s W=%-3lld planes of %lldx%lld: cpu vs naive DFT rel err %.2e\n",
                  opName(op), static_cast<long long>(real.back()),
                  static_cast<long long>(real[real.size() - 2]),
                  static_cast<long long>(real.back()), err);
      EXPECT_LT(err, 2e-6) << opName(op) << " on W=" << real.back();
    }
  }
}

TEST(FftKernels, NaiveReferenceIsTheDefinition) {
  // rfft2 of a single impulse at (m0, n0) is e^{−2πi(k·m0/H + l·n0/W)}; irfft2 of a one-bin
  // spectrum at an interior column is 2·Re(e^{+2πi(...)}·z)/(HW).
  const int64_t H = 3, W = 5, m0 = 1, n0 = 2;
  HostTensor x({1, H, W});
  std::fill(x.f32(), x.f32() + x.numel(), 0.f);
  x.f32()[m0 * W + n0] = 1;
  OneNode f = fftNode(OpKind::Rfft2, {1, H, W});
  for (const char* be : {"reference", "cpu"}) {
    auto z = run(be, f, {x});
    ASSERT_EQ(z.size(), 1u);
    for (int64_t k = 0; k < H; ++k)
      for (int64_t l = 0; l < W / 2 + 1; ++l) {
        const double a = -2 * M_PI * (double(k * m0) / H + double(l * n0) / W);
        const float* got = z[0].f32() + 2 * (k * (W / 2 + 1) + l);
        EXPECT_NEAR(got[0], std::cos(a), 1e-6) << be;
        EXPECT_NEAR(got[1], std::sin(a), 1e-6) << be;
      }
  }
  HostTensor spec({1, H, W / 2 + 1}, DType::C64);
  std::fill(spec.f32(), spec.f32() + 2 * spec.numel(), 0.f);
  const int64_t k0 = 2, l0 = 1;
  const std::complex<double> z0(0.3, -0.7);
  spec.f32()[2 * (k0 * (W / 2 + 1) + l0)] = static_cast<float>(z0.real());
  spec.f32()[2 * (k0 * (W / 2 + 1) + l0) + 1] = static_cast<float>(z0.imag());
  OneNode inv = fftNode(OpKind::Irfft2, {1, H, W});
  for (const char* be : {"reference", "cpu"}) {
    auto y = run(be, inv, {spec});
    ASSERT_EQ(y.size(), 1u);
    for (int64_t m = 0; m < H; ++m)
      for (int64_t n = 0; n < W; ++n) {
        const double a = 2 * M_PI * (double(k0 * m) / H + double(l0 * n) / W);
        const double want = 2 * (z0 * std::polar(1.0, a)).real() / (H * W);
        EXPECT_NEAR(y[0].f32()[m * W + n], want, 1e-6) << be;
      }
  }
}

void writeRaw(const std::string& path, const HostTensor& t) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(t.storage.data()), t.storage.size());
}

HostTensor readRaw(const std::string& path, const Dims& shape, DType dt) {
  HostTensor t(shape, dt);
  std::ifstream f(path, std::ios::binary);
  f.read(reinterpret_cast<char*>(t.storage.data()), t.storage.size());
  EXPECT_EQ(static_cast<size_t>(f.gcount()), t.storage.size()) << path;
  return t;
}

/// One size of the PyTorch comparison: its inputs, written under `dir` for fft_reference.py.
struct TorchCase {
  int64_t P, H, W;
  std::string dir;
  HostTensor x, z, gz, gy;
};

TEST(FftKernels, MatchPyTorch) {
  std::mt19937 rng(11);
  testing::TmpDir tmp;
  std::vector<TorchCase> cases;
  std::string cmd = "/usr/bin/python3 " + testing::repoPath("tests/backends/fft_reference.py");
  for (auto [P, H, W] : {std::array<int64_t, 3>{3, 4, 6}, std::array<int64_t, 3>{2, 5, 7},
                         std::array<int64_t, 3>{2, 6, 5}}) {
    const Dims real{P, H, W}, spec = spectrumShape(real);
    TorchCase c{P,
                H,
                W,
                tmp.path("c" + std::to_string(cases.size())),
                random(DType::F32, real, rng),
                random(DType::C64, spec, rng),
                random(DType::C64, spec, rng),
                random(DType::F32, real, rng)};
    std::filesystem::create_directories(c.dir);
    writeRaw(c.dir + "/x.f32", c.x);
    writeRaw(c.dir + "/z.f32", c.z);
    writeRaw(c.dir + "/gz.f32", c.gz);
    writeRaw(c.dir + "/gy.f32", c.gy);
    cmd +=
        " " + c.dir + " " + std::to_string(P) + " " + std::to_string(H) + " " + std::to_string(W);
    cases.push_back(std::move(c));
  }
  const int rc = std::system(cmd.c_str());
  if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77)
    GTEST_SKIP() << "PyTorch is not importable by /usr/bin/python3; FFT parity not checked";
  ASSERT_EQ(rc, 0) << cmd;
  for (const TorchCase& c : cases) {
    const Dims real{c.P, c.H, c.W}, spec = spectrumShape(real);
    struct Row {
      OpKind op;
      const HostTensor& in;
      const char* file;
      Dims shape;
      DType dt;
    };
    for (const Row& r : {Row{OpKind::Rfft2, c.x, "rfft2.f32", spec, DType::C64},
                         Row{OpKind::Irfft2, c.z, "irfft2.f32", real, DType::F32},
                         Row{OpKind::Rfft2Grad, c.gz, "rfft2_grad.f32", real, DType::F32},
                         Row{OpKind::Irfft2Grad, c.gy, "irfft2_grad.f32", spec, DType::C64}}) {
      HostTensor want = readRaw(c.dir + "/" + r.file, r.shape, r.dt);
      OneNode o = fftNode(r.op, real);
      for (const char* be : {"cpu", "reference"}) {
        auto got = run(be, o, {r.in});
        ASSERT_EQ(got.size(), 1u);
        const double err = relErr(got[0], want);
        std::printf("  %-12s %lldx%lld on %-9s vs torch: rel err %.2e\n", opName(r.op),
                    static_cast<long long>(c.H), static_cast<long long>(c.W), be, err);
        EXPECT_LT(err, 2e-6) << opName(r.op) << " " << be << " W=" << c.W;
      }
    }
  }
}

// ---- pointwise complex ------------------------------------------------------------------------

using cplx = std::complex<double>;

cplx at(const HostTensor& t, int64_t i) {
  return {t.f32()[2 * i], t.f32()[2 * i + 1]};
}

/// A c64 tensor of random values with a few exact zeros (abs/angle gradients are 0 there).
HostTensor spectrumWithZeros(const Dims& shape, std::mt19937& rng) {
  HostTensor z = random(DType::C64, shape, rng);
  for (int64_t i : {int64_t{0}, z.numel() / 2})
    z.f32()[2 * i] = z.f32()[2 * i + 1] = 0;
  return z;
}

TEST(ComplexKernels, AbsAngleAndTheirGradientsMatchTheFormulas) {
  std::mt19937 rng(5);
  const Dims s{2, 3, 4};
  HostTensor z = spectrumWithZeros(s, rng), dy = random(DType::F32, s, rng);
  for (const char* be : {"cpu", "reference"}) {
    auto abs = run(be, oneNode(OpKind::ComplexAbs, NoAttrs{}, {bt::typed(s, DType::C64)}), {z});
    auto ang = run(be, oneNode(OpKind::ComplexAngle, NoAttrs{}, {bt::typed(s, DType::C64)}), {z});
    std::vector<TensorType> gin{bt::typed(s, DType::C64), bt::typed(s, DType::F32)};
    auto gabs = run(be, oneNode(OpKind::ComplexAbsGrad, NoAttrs{}, gin), {z, dy});
    auto gang = run(be, oneNode(OpKind::ComplexAngleGrad, NoAttrs{}, gin), {z, dy});
    ASSERT_TRUE(abs.size() == 1 && ang.size() == 1 && gabs.size() == 1 && gang.size() == 1);
    double worst = 0;
    for (int64_t i = 0; i < z.numel(); ++i) {
      const cplx v = at(z, i);
      const double d = dy.f32()[i], r = std::abs(v);
      const cplx wantAbs = r > 0 ? d * v / r : 0.0;
      const cplx wantAng = r > 0 ? d * cplx(-v.imag(), v.real()) / (r * r) : 0.0;
      worst =
          std::max({worst, std::fabs(abs[0].f32()[i] - r), std::fabs(ang[0].f32()[i] - std::arg(v)),
                    std::abs(at(gabs[0], i) - wantAbs),
                    std::abs(at(gang[0], i) - wantAng) / std::max(1.0, std::abs(wantAng))});
    }
    std::printf("  %s: complex_abs/angle and grads max err %.2e\n", be, worst);
    EXPECT_LT(worst, 1e-6) << be;
    EXPECT_EQ(gabs[0].f32()[0], 0.f);
    EXPECT_EQ(gang[0].f32()[1], 0.f);
  }
}

TEST(ComplexKernels, PolarAndItsGradientBroadcast) {
  std::mt19937 rng(9);
  const Dims sa{2, 3, 4}, sp{3, 1}, y{2, 3, 4};
  HostTensor A = random(DType::F32, sa, rng), P = random(DType::F32, sp, rng, -3, 3);
  HostTensor dz = random(DType::C64, y, rng);
  for (const char* be : {"cpu", "reference"}) {
    auto z = run(
        be,
        oneNode(OpKind::Polar, NoAttrs{}, {bt::typed(sa, DType::F32), bt::typed(sp, DType::F32)}),
        {A, P});
    auto g = run(
        be,
        oneNode(OpKind::PolarGrad, NoAttrs{},
                {bt::typed(sa, DType::F32), bt::typed(sp, DType::F32), bt::typed(y, DType::C64)}),
        {A, P, dz});
    ASSERT_TRUE(z.size() == 1 && g.size() == 2);
    double worst = 0;
    for (int64_t i = 0; i < 24; ++i) {
      const double a = A.f32()[i], p = P.f32()[(i / 4) % 3];
      const cplx d = at(dz, i);
      worst = std::max(
          {worst, std::abs(at(z[0], i) - std::polar(a, p)),
           std::fabs(g[0].f32()[i] - (d.real() * std::cos(p) + d.imag() * std::sin(p))),
           std::fabs(g[1].f32()[i] - a * (d.imag() * std::cos(p) - d.real() * std::sin(p)))});
    }
    std::printf("  %s: polar and polar_grad max err %.2e\n", be, worst);
    EXPECT_LT(worst, 1e-6) << be;
  }
}

TEST(ComplexKernels, AddOfTwoSpectra) {
  std::mt19937 rng(2);
  const Dims s{2, 3, 3};
  HostTensor a = random(DType::C64, s, rng), b = random(DType::C64, s, rng);
  for (const char* be : {"cpu", "reference"}) {
    auto y = run(
        be, oneNode(OpKind::Add, NoAttrs{}, {bt::typed(s, DType::C64), bt::typed(s, DType::C64)}),
        {a, b});
    ASSERT_EQ(y.size(), 1u);
    ASSERT_EQ(y[0].dtype, DType::C64);
    for (int64_t i = 0; i < floatsOf(a); ++i)
      EXPECT_EQ(y[0].f32()[i], a.f32()[i] + b.f32()[i]) << be;
  }
  // Mixing a spectrum with a real tensor is a shape-rule error, not a silent reinterpretation.
  Graph g;
  auto mixed = inferTypes(OpKind::Add, NoAttrs{},
                          {bt::typed(s, DType::C64), bt::typed(s, DType::F32)}, g.symbols);
  EXPECT_FALSE(mixed.ok());
}

} // namespace
} // namespace llie
