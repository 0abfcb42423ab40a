"""PyTorch references for tests/backends/fft_kernels_test.cpp.

Reads raw little-endian float32 files from a folder and writes the results beside them:
  x.f32 (real [P, H, W])          -> rfft2.f32 = torch.fft.rfft2(x) (interleaved re, im)
  z.f32 (complex [P, H, W//2+1])  -> irfft2.f32 = torch.fft.irfft2(z, s=(H, W))
  gz.f32 (complex, like rfft2's)  -> rfft2_grad.f32 = d<rfft2(x), gz>/dx by autograd
  gy.f32 (real [P, H, W])         -> irfft2_grad.f32 = d<irfft2(z), gy>/dz by autograd
Usage: fft_reference.py DIR P H W [DIR P H W ...] (one torch import for several sizes);
exits with 77 when torch or numpy is not importable.
"""
import sys

try:
    import numpy as np
    import torch
except ImportError:
    sys.exit(77)  # the test skips


def load(path, shape, complex_=False):
    a = np.fromfile(path, dtype=np.float32)
    if complex_:
        a = a.reshape(*shape, 2)
        return torch.complex(torch.from_numpy(a[..., 0].copy()), torch.from_numpy(a[..., 1].copy()))
    return torch.from_numpy(a.reshape(shape).copy())


def save(path, t):
    if t.is_complex():
        t = torch.view_as_real(t.contiguous())
    t.detach().numpy().astype(np.float32).tofile(path)


def one_case(d, p, h, w):
    real, spec = (p, h, w), (p, h, w // 2 + 1)
    x = load(f"{d}/x.f32", real).requires_grad_(True)
    z = load(f"{d}/z.f32", spec, True).requires_grad_(True)
    gz = load(f"{d}/gz.f32", spec, True)
    gy = load(f"{d}/gy.f32", real)
    fx = torch.fft.rfft2(x)
    iz = torch.fft.irfft2(z, s=(h, w))
    save(f"{d}/rfft2.f32", fx)
    save(f"{d}/irfft2.f32", iz)
    save(f"{d}/rfft2_grad.f32", torch.autograd.grad(fx, x, gz)[0])
    save(f"{d}/irfft2_grad.f32", torch.autograd.grad(iz, z, gy)[0])


def main():
    args = sys.argv[1:]
    for i in range(0, len(args), 4):
        one_case(args[i], *map(int, args[i + 1:i + 4]))


if __name__ == "__main__":
    main()
