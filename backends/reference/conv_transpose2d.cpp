// Reference 2-D transposed convolution (PyTorch's ConvTranspose2d): every input pixel scatters
// x[n, ci, h, w]·weight[ci, oc, kh, kw] to y[n, g·O/G + oc, h·sh − pt + kh·dh, w·sw − pl + kw·dw]
// for the output channels oc of its group g; output_padding only enlarges the bottom/right of
// the output. NCHW input, weight [C, O/groups, kh, kw], optional bias [O]. Naive scatter loops
// into a double accumulator.
#include "backends/op_geometry.h"
#include "backends/reference/ref_kernels.h"

#include <vector>

namespace llie::ref {
namespace {

/// Adds every contribution of sample n to acc ([O, OH, OW]).
void scatterSample(const kernels::ConvTGeom& c, const float* X, const float* Wt, int64_t n,
                   std::vector<double>& acc) {
  int64_t Cg = c.C / c.G;
  for (int64_t ci = 0; ci < c.C; ++ci) {
    int64_t grp = ci / Cg;
    for (int64_t h = 0; h < c.H; ++h)
      for (int64_t w = 0; w < c.W; ++w) {
        double xv = X[((n * c.C + ci) * c.H + h) * c.W + w];
        for (int64_t oc = 0; oc < c.Og; ++oc) {
          int64_t o = grp * c.Og + oc;
          for (int64_t kh = 0; kh < c.KH; ++kh) {
            int64_t oh = h * c.sh - c.pt + kh * c.dh;
            if (oh < 0 || oh >= c.OH) continue;
            for (int64_t kw = 0; kw < c.KW; ++kw) {
              int64_t ow = w * c.sw - c.pl + kw * c.dw;
              if (ow < 0 || ow >= c.OW) continue;
              double wv = Wt[((ci * c.Og + oc) * c.KH + kh) * c.KW + kw];
              acc[(o * c.OH + oh) * c.OW + ow] += xv * wv;
            }
          }
        }
      }
  }
}

Expected<std::unique_ptr<Kernel>> makeConvTranspose(const Graph& g, const Node& n) {
  Expected<kernels::ConvTGeom> geom = kernels::convTransposeGeometry(g, n);
  if (!geom) return geom.takeStatus();
  kernels::ConvTGeom c = *geom;

  return kernels::makeFnKernel([c](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    const float* Wt = in[1]->f32();
    const float* B = c.hasBias ? in[2]->f32() : nullptr;
    float* Y = out[0]->f32();
    int64_t plane = c.OH * c.OW, per = c.O * plane;
    std::vector<double> acc(per);
    for (int64_t n = 0; n < c.N; ++n) {
      for (int64_t i = 0; i < per; ++i)
        acc[i] = B ? B[i / plane] : 0.0;
      scatterSample(c, X, Wt, n, acc);
      for (int64_t i = 0; i < per; ++i)
        Y[n * per + i] = static_cast<float>(acc[i]);
    }
  });
}

} // namespace

void registerConvTranspose2d(Registry& r) {
  r.add(OpKind::ConvTranspose2d, makeConvTranspose);
}

} // namespace llie::ref
